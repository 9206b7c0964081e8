package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * History and recovery on a real two-node cluster in this JVM: the unmodified phoenix.js client rejoins
 * and recovers (recovery.test.js), the history API pages, and a topic whose owner's node leaves starts
 * a new epoch that a rejoin learns as {@code recovered: false}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HistoryRecoveryTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static List<HeraldNode> nodes;

  @BeforeAll
  static void startCluster() throws Exception {
    nodes =
        TestNode.startCluster(
            2,
            TestNode.fastClients(Map.of(
                "herald.channels",
                List.of(
                    Map.of("pattern", "hist:*", "handler", "broadcast", "history", 100),
                    Map.of("pattern", "small:*", "handler", "broadcast", "history", 10),
                    Map.of("pattern", "room:*", "handler", "broadcast")))));
  }

  @AfterAll
  static void stopCluster() {
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        if (!nodes.get(i).system().whenTerminated().isCompleted()) {
          nodes.get(i).close();
        }
      }
    }
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> phoenixJsRecovers() {
    return PhoenixJsCompatibilityTest.run(
            PhoenixJsCompatibilityTest.jsDir(),
            "recovery.test.js",
            Map.of(
                "HERALD_WS_URL", TestNode.endpoint(nodes.get(0)),
                "HERALD_API_URL", api(0),
                "HERALD_WS_URL_B", TestNode.endpoint(nodes.get(1)),
                "HERALD_API_URL_B", api(1)))
        .tests(8);
  }

  @Test
  @Order(2)
  void theHistoryApiPagesThroughATopicAndRefusesBadQueries() throws Exception {
    String topic = "hist:api-" + System.nanoTime();
    for (int n = 1; n <= 5; n++) {
      publish(0, topic, "{\"n\":" + n + "}");
    }
    HttpResponse<String> page = get(1, "/api/topics/" + topic + "/history?since=1&limit=3");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("\"seq\":5", "\"history\":true", "\"complete\":true", "\"more\":true")
        .contains("{\"seq\":2,\"event\":\"msg\",\"payload\":{\"n\":2}")
        .contains("\"payload\":{\"n\":4}")
        .doesNotContain("\"payload\":{\"n\":1}", "\"payload\":{\"n\":5}");
    assertThat(get(0, "/api/topics/room:no-history/history").body()).contains("\"history\":false", "\"messages\":[]");
    for (String bad : List.of("?since=-1", "?since=abc", "?limit=0", "?limit=1001", "?limit=x")) {
      HttpResponse<String> refused = get(0, "/api/topics/" + topic + "/history" + bad);
      assertThat(refused.statusCode()).as(bad).isEqualTo(400);
      assertThat(refused.body()).as(bad).contains("invalid-field");
    }
  }

  @Test
  @Order(3)
  void aTopicWhoseOwnersNodeLeavesStartsANewEpochAndARejoinIsNotRecovered() throws Exception {
    // a topic owned by node 1, subscribed on node 0
    String topic = null;
    for (int i = 0; topic == null; i++) {
      String candidate = "hist:moving-" + i;
      publish(0, candidate, "{\"n\":0}");
      if (TestNode.localTopicEntities(nodes.get(1)).contains(candidate)) {
        topic = candidate;
      }
      assertThat(i).as("no topic landed on node 1").isLessThan(200);
    }
    Socket socket = new Socket(SocketOptions.builder(TestNode.endpoint(nodes.get(0))).pushTimeout(Duration.ofSeconds(30)).build());
    socket.connect().join();
    try {
      ConcurrentLinkedQueue<String> refs = new ConcurrentLinkedQueue<>();
      Channel channel = socket.channel(topic);
      channel.on("msg", m -> refs.add(m.ref()));
      Reply joined = channel.join().get(30, TimeUnit.SECONDS);
      String epoch = field(joined, "epoch");
      publish(0, topic, "{\"n\":1}");
      await(() -> refs.size() == 1, "the first message");

      nodes.get(1).close(); // graceful: its shards move to node 0, each topic under a new epoch
      publish(0, topic, "{\"n\":2}");
      await(() -> refs.size() == 2, "a message from the new owner");
      assertThat(new ArrayList<>(refs)).containsExactly("2", "1"); // the new incarnation numbers from 1 again

      Socket rejoining = new Socket(SocketOptions.builder(TestNode.endpoint(nodes.get(0))).pushTimeout(Duration.ofSeconds(30)).build());
      rejoining.connect().join();
      try {
        Reply again =
            rejoining.channel(topic, () -> Payload.json("{\"since\":2,\"epoch\":\"" + epoch + "\"}")).join().get(30, TimeUnit.SECONDS);
        assertThat(again.ok()).isTrue();
        assertThat(text(again)).contains("\"recovered\":false", "\"reason\":\"epoch_changed\"", "\"seq\":1");
        assertThat(field(again, "epoch")).isNotEqualTo(epoch);
      } finally {
        rejoining.close();
      }
    } finally {
      socket.close();
    }
  }

  private static String api(int node) {
    return "http://127.0.0.1:" + nodes.get(node).apiPort();
  }

  private static void publish(int node, String topic, String payload) throws Exception {
    HttpResponse<String> r = HTTP.send(
        HttpRequest.newBuilder(URI.create(api(node) + "/api/broadcast"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"" + topic + "\",\"event\":\"msg\",\"payload\":" + payload + "}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static HttpResponse<String> get(int node, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(api(node) + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String text(Reply reply) {
    return new String(reply.response().bytes(), StandardCharsets.UTF_8);
  }

  /** A string field of a join reply, e.g. the epoch. */
  private static String field(Reply reply, String name) {
    String t = text(reply);
    int at = t.indexOf("\"" + name + "\":\"");
    assertThat(at).as("%s in %s", name, t).isNotNegative();
    int from = at + name.length() + 4;
    return t.substring(from, t.indexOf('"', from));
  }


  private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting for %s", what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
