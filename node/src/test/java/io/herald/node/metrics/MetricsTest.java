package io.herald.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.RawWebSocketAccess;
import io.herald.node.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scrapes /metrics like Prometheus does and sees the counters move as sockets join and messages flow. */
class MetricsTest {
  private final HttpClient http = HttpClient.newHttpClient();

  /** Samples by their full name with labels, e.g. {@code herald_joins_total{result="ok"}}. */
  private Map<String, Double> scrape(HeraldNode node) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return samples;
  }

  @Test
  void countersMoveAsSocketsJoinAndMessagesFlow() throws Exception {
    HeraldNode node = TestNode.start(List.of());
    try {
      Map<String, Double> before = scrape(node);
      assertThat(before).containsKey("herald_sockets");
      assertThat(before.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
      try (RawWebSocketAccess a = RawWebSocketAccess.connect(node.port());
          RawWebSocketAccess b = RawWebSocketAccess.connect(node.port())) {
        a.join("room:metrics");
        b.join("room:metrics");
        a.shout("room:metrics", "{\"n\":1}");
        a.nextBroadcast();
        b.nextBroadcast();
        Map<String, Double> after = scrape(node);
        assertThat(after.get("herald_sockets")).isEqualTo(2.0);
        assertThat(after.get("herald_joins_total{result=\"ok\"}")).isEqualTo(2.0);
        assertThat(after.get("herald_messages_in_total")).isGreaterThanOrEqualTo(3.0);
        assertThat(after.get("herald_deliveries_total")).isGreaterThanOrEqualTo(2.0);
        assertThat(after.get("herald_publishes_total")).isEqualTo(1.0);
        assertThat(after.get("herald_topic_entities")).isEqualTo(1.0);
        assertThat(after.get("herald_cluster_members{status=\"Up\"}")).isEqualTo(1.0);
        assertThat(after.get("herald_fanout_latency_seconds_count")).as("one observation per event loop written to").isGreaterThanOrEqualTo(1.0);
        assertThat(after.get("herald_fanout_latency_seconds_bucket{le=\"+Inf\"}")).isEqualTo(after.get("herald_fanout_latency_seconds_count"));
        assertThat(after.get("herald_outbound_queued_bytes")).isGreaterThanOrEqualTo(0.0);
        assertThat(after.get("herald_outbound_unwritable_sockets")).isEqualTo(0.0);
      }
      // A refused connect is counted by reason.
      try (HeraldNode limited = TestNode.start(List.of(), Map.of("herald.http.max-connections", 1))) {
        try (RawWebSocketAccess first = RawWebSocketAccess.connect(limited.port())) {
          assertThat(RawWebSocketAccess.status(limited.port())).isEqualTo(503);
          assertThat(scrape(limited).get("herald_connects_refused_total{reason=\"connections\"}")).isEqualTo(1.0);
        }
      }
    } finally {
      node.close();
    }
  }
}
