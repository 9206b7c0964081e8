package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes under test and what counts as a pass, the same for every simulation.
 *
 * <p>{@code wsUrl} and {@code apiUrl} may list several nodes, comma-separated: virtual user i connects
 * to the (i mod n)-th WebSocket URL (so consecutive users, such as a chat room's members, land on
 * different nodes) and publish k goes to the (k mod m)-th API URL.
 *
 * @param wsUrls the nodes' public ports, {@code ws://host:4000}
 * @param socketPath Herald's {@code herald.http.socket-path}
 * @param apiUrls the nodes' internal API ports, {@code http://host:4001}
 * @param apiKey the API's bearer key; empty when the node has none (it then answers loopback only)
 * @param timeout how long a reply may take before it counts as failed
 * @param maxFailedPercent failed requests allowed, in percent of all
 * @param p95Ms bound on the 95th percentile of each measured request, in milliseconds
 * @param p99Ms bound on the 99th percentile
 */
record Target(
    List<String> wsUrls,
    String socketPath,
    List<String> apiUrls,
    String apiKey,
    Duration timeout,
    double maxFailedPercent,
    int p95Ms,
    int p99Ms) {

  static Target from(LoadParameters p) {
    return new Target(
        urls("wsUrl", p.string("wsUrl", "ws://127.0.0.1:4000"), "ws://", "wss://"),
        p.string("socketPath", "/socket"),
        urls("apiUrl", p.string("apiUrl", "http://127.0.0.1:4001"), "http://", "https://"),
        p.string("apiKey", ""),
        p.seconds("timeoutSeconds", 10),
        p.nonNegative("maxFailedPercent", 1),
        (int) p.positive("p95Ms", 250),
        (int) p.positive("p99Ms", 1000));
  }

  /**
   * Where phoenix.js would connect for this virtual user: {@code ws://host:4000/socket/websocket?vsn=2.0.0}
   * on the node its id picks, round-robin (ids start at 1).
   */
  String socketUrl(Session session) {
    return socketUrl(session.userId());
  }

  String socketUrl(long userId) {
    return wsUrls.get((int) Math.floorMod(userId - 1, (long) wsUrls.size())) + socketPath + Phoenix.V2_QUERY;
  }

  /** The API of the node that takes publish {@code k}, round-robin. */
  String apiUrl(long k) {
    return apiUrls.get((int) Math.floorMod(k, (long) apiUrls.size()));
  }

  HttpProtocolBuilder protocol() {
    HttpProtocolBuilder protocol =
        http.baseUrl(apiUrls.get(0))
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

  /** A comma-separated list of URLs with one of {@code schemes}, each without its trailing slash. */
  static List<String> urls(String name, String list, String... schemes) {
    List<String> urls = new ArrayList<>();
    for (String part : list.split(",", -1)) {
      String url = part.trim();
      boolean schemeOk = false;
      for (String scheme : schemes) {
        schemeOk |= url.startsWith(scheme) && url.length() > scheme.length();
      }
      if (!schemeOk) {
        throw new IllegalArgumentException("-D" + name + "=" + list + ": expected comma-separated URLs starting with "
            + String.join(" or ", schemes) + ", got '" + url + "'");
      }
      urls.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }
    return List.copyOf(urls);
  }
}
