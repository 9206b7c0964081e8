package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The node under test and what counts as a pass, the same for every simulation.
 *
 * @param wsUrl the public port, {@code ws://host:4000}
 * @param socketPath Herald's {@code herald.http.socket-path}
 * @param apiUrl the internal API port, {@code http://host:4001}
 * @param apiKey the API's bearer key; empty when the node has none (it then answers loopback only)
 * @param timeout how long a reply may take before it counts as failed
 * @param maxFailedPercent failed requests allowed, in percent of all
 * @param p95Ms bound on the 95th percentile of each measured request, in milliseconds
 * @param p99Ms bound on the 99th percentile
 */
record Target(
    String wsUrl,
    String socketPath,
    String apiUrl,
    String apiKey,
    Duration timeout,
    double maxFailedPercent,
    int p95Ms,
    int p99Ms) {

  static Target from(LoadParameters p) {
    return new Target(
        trimSlash(p.string("wsUrl", "ws://127.0.0.1:4000")),
        p.string("socketPath", "/socket"),
        trimSlash(p.string("apiUrl", "http://127.0.0.1:4001")),
        p.string("apiKey", ""),
        p.seconds("timeoutSeconds", 10),
        p.nonNegative("maxFailedPercent", 1),
        (int) p.positive("p95Ms", 250),
        (int) p.positive("p99Ms", 1000));
  }

  /** Where phoenix.js would connect: {@code ws://host:4000/socket/websocket?vsn=2.0.0}. */
  String socketUrl() {
    return wsUrl + socketPath + Phoenix.V2_QUERY;
  }

  HttpProtocolBuilder protocol() {
    HttpProtocolBuilder protocol =
        http.baseUrl(apiUrl)
            .acceptHeader("application/json")
            // no request to gatling.io before the run
            .disableWarmUp()
            // publishers are one backend: a pool of keep-alive connections, not one per virtual user
            .shareConnections();
    return apiKey.isEmpty() ? protocol : protocol.authorizationHeader("Bearer " + apiKey);
  }

  /**
   * Failed requests at most {@code maxFailedPercent}, and the 95th and 99th percentiles of each of
   * {@code measured} within bounds. A name with no requests at all fails its assertion, so a run in
   * which, say, no heartbeat was ever answered cannot pass.
   */
  List<Assertion> assertions(String... measured) {
    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().percent().lte(maxFailedPercent));
    for (String name : measured) {
      assertions.add(details(name).responseTime().percentile(95).lte(p95Ms));
      assertions.add(details(name).responseTime().percentile(99).lte(p99Ms));
    }
    return assertions;
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
