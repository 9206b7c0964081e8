package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.client.Channel;
import io.herald.client.ChannelState;
import io.herald.client.Recovery;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java client's recovery against a real node (docs/protocol.md, "History and recovery"): a
 * client that was away while 50 messages were published over the HTTP API gets exactly those, in
 * order, when it comes back, then the live ones.
 */
class JavaClientRecoveryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "room:x";
  private static final int MISSED = 50;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static HeraldNode node;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start(List.of(), TestNode.fastClients(Map.of("herald.channels",
        List.of(Map.of("pattern", "room:*", "handler", "broadcast", "history", 100)))));
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** Publishes {"n": n} as {@code msg} over the HTTP API; returns the seq it answers. */
  private static long publish(int n) throws Exception {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/api/broadcast"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"topic\":\"" + TOPIC + "\",\"event\":\"msg\",\"payload\":{\"n\":" + n + "}}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("seq").asLong();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting for %s", what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static int n(Message m) throws Exception {
    JsonNode payload = JSON.readTree(new String(m.payload().bytes(), StandardCharsets.UTF_8));
    return payload.path("n").asInt();
  }

  @Test
  void aClientAwayWhileFiftyMessagesArePublishedGetsExactlyThoseInOrderThenLiveOnes() throws Exception {
    Socket socket = new Socket(SocketOptions.builder(TestNode.endpoint(node)).httpClient(http).build());
    try {
      socket.connect().get(10, TimeUnit.SECONDS);
      Channel channel = socket.channel(TOPIC, () -> Payload.EMPTY_OBJECT);
      List<String> got = new CopyOnWriteArrayList<>(); // "seq:n"
      List<Recovery> outcomes = new CopyOnWriteArrayList<>();
      channel.on("msg", m -> {
        try {
          got.add(m.ref() + ":" + n(m));
        } catch (Exception e) {
          got.add("undecodable " + m);
        }
      });
      channel.onRecovery(outcomes::add);
      assertThat(channel.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      assertThat(outcomes).hasSize(1);
      assertThat(outcomes.get(0).plainJoin()).isTrue();
      assertThat(outcomes.get(0).epoch()).isNotEmpty();

      List<String> expected = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        expected.add(publish(n) + ":" + n);
      }
      await("3 live messages", () -> got.size() == 3);
      long before = channel.lastSeq();

      socket.disconnect().get(10, TimeUnit.SECONDS);
      for (int n = 4; n < 4 + MISSED; n++) {
        expected.add(publish(n) + ":" + n);
      }
      socket.connect().get(10, TimeUnit.SECONDS);

      await("rejoined", () -> channel.state() == ChannelState.JOINED && outcomes.size() == 2);
      Recovery outcome = outcomes.get(1);
      assertThat(outcome.recovered()).as("%s", outcome).isTrue();
      assertThat(outcome.epoch()).isEqualTo(outcomes.get(0).epoch());
      assertThat(outcome.seq()).isEqualTo(before + MISSED);
      for (int n = 4 + MISSED; n < 7 + MISSED; n++) {
        expected.add(publish(n) + ":" + n);
      }
      await("the missed and the live messages", () -> got.size() >= expected.size());
      Thread.sleep(200); // a duplicate would have arrived by now
      assertThat(got).containsExactlyElementsOf(expected);
      assertThat(channel.lastSeq()).isEqualTo(before + MISSED + 3);
    } finally {
      socket.disconnect().get(10, TimeUnit.SECONDS);
    }
  }
}
