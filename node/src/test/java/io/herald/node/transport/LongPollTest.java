package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long-poll on a real two-node cluster (remoting on loopback), without sticky sessions: a session's
 * polls and posts alternating between the nodes receive every message once, in order. And bad input:
 * forged and expired tokens, batches over the limits, a post flood, and a client that holds a poll
 * and never reads. Nothing crashes, and another session on the same topic gets every message.
 */
final class LongPollTest {
  private static final String SECRET = "long-poll-cluster-test-secret-0123456789";
  private static List<HeraldNode> nodes;
  private static HeraldNode node;

  @BeforeAll
  static void start() throws Exception {
    nodes =
        TestNode.startCluster(
            2,
            Map.of(
                "herald.longpoll.secret", SECRET,
                "herald.longpoll.window", "300ms",
                "herald.longpoll.session-timeout", "3s",
                "herald.longpoll.max-body-size", "64 KiB",
                "herald.longpoll.max-queued-messages", 200,
                "herald.socket.rate-limit.messages-per-second", 10,
                "herald.socket.rate-limit.burst", 50,
                "herald.socket.rate-limit.max-rejected", 60));
    node = nodes.get(0);
  }

  @AfterAll
  static void stop() {
    if (nodes != null) {
      nodes.forEach(HeraldNode::close);
    }
  }

  /** Polls until a frame matching {@code what} arrives; returns every frame seen. */
  private static List<JsonNode> pollUntil(LongPollClient client, java.util.function.Predicate<List<JsonNode>> done) throws Exception {
    List<JsonNode> seen = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.test(seen)) {
      assertThat(System.nanoTime()).as("frames so far: %s", seen).isLessThan(deadline);
      seen.addAll(client.frames(node));
    }
    return seen;
  }

  private static boolean replied(List<JsonNode> frames, String ref) {
    return frames.stream().anyMatch(f -> "phx_reply".equals(f.get(3).asText()) && ref.equals(f.get(1).asText()));
  }

  @Test
  void forgedAndExpiredTokensAreAnswered410() throws Exception {
    String forged = "A".repeat(40) + "." + "B".repeat(43);
    assertThat(LongPollClient.get(LongPollClient.url(node), forged)).isEqualTo(LongPollClient.JSON.readTree("{\"status\":410}"));
    LongPollClient client = LongPollClient.open(node);
    String real = client.token;
    client.token = real.substring(0, real.length() - 4) + (real.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertThat(client.post(node, "[null,\"1\",\"phoenix\",\"heartbeat\",{}]").get("status").asInt()).isEqualTo(410);
    // a token signed with the cluster's secret, but older than the session timeout
    LongPollToken.Claims claims = new LongPollToken(SECRET, Duration.ofMinutes(1)).verify(real, System.currentTimeMillis());
    String old = new LongPollToken(SECRET, Duration.ofMinutes(1)).issue(claims.node(), claims.session(), System.currentTimeMillis() - 4_000);
    assertThat(LongPollClient.get(LongPollClient.url(node), old).get("status").asInt()).isEqualTo(410);
    // the real token works, until the client stops polling for longer than the session timeout
    client.token = real;
    assertThat(client.frames(node)).isEmpty();
    int open = node.openSockets();
    Thread.sleep(4_000);
    assertThat(client.poll(node).get("status").asInt()).isEqualTo(410);
    assertThat(node.openSockets()).isLessThan(open);
  }

  @Test
  void aBatchOverTheLimitsIsRefusedAndTheSessionGoesOn() throws Exception {
    LongPollClient client = LongPollClient.open(node);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      lines.add("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
    }
    JsonNode refused = client.post(node, lines.toArray(String[]::new));
    assertThat(refused.get("status").asInt()).isEqualTo(413);
    assertThat(refused.get("reason").asText()).contains("100");

    HttpRequest huge =
        HttpRequest.newBuilder(URI.create(LongPollClient.url(node)))
            .header("content-type", "application/x-ndjson")
            .header(LongPollHandler.TOKEN_HEADER, client.token)
            .POST(HttpRequest.BodyPublishers.ofString("[" + "\"x\",".repeat(20_000) + "1]"))
            .build();
    assertThat(LongPollClient.send(huge).statusCode()).isEqualTo(413);

    // none of the refused batch was handled, and the session still works
    assertThat(client.post(node, "[null,\"h\",\"phoenix\",\"heartbeat\",{}]").get("status").asInt()).isEqualTo(200);
    List<JsonNode> frames = pollUntil(client, f -> replied(f, "h"));
    assertThat(frames).hasSize(1);
  }

  @Test
  void aPostFloodIsRateLimitedAndThenTheSessionClosed() throws Exception {
    LongPollClient client = LongPollClient.open(node);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      lines.add("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
    }
    assertThat(client.post(node, lines.toArray(String[]::new)).get("status").asInt()).isEqualTo(200);
    List<JsonNode> frames = pollUntil(client, f -> f.size() >= 80);
    long limited = frames.stream().filter(f -> f.get(4).toString().contains("rate limited")).count();
    // the burst (50) passes, a second's refill at most
    assertThat(limited).isBetween(20L, 30L);
    // more than max-rejected (60) in a row: the session is closed, its next post is 410
    client.post(node, lines.toArray(String[]::new));
    assertThat(client.post(node, lines.get(0)).get("status").asInt()).isEqualTo(410);
  }

  @Test
  void aClientThatNeverReadsItsPollIsCutAtTheQueueBoundAndOthersGetEveryMessage() throws Exception {
    String topic = "room:never-read";
    LongPollClient stuck = LongPollClient.open(node);
    LongPollClient reader = LongPollClient.open(node);
    for (LongPollClient c : List.of(stuck, reader)) {
      c.post(node, LongPollClient.join(topic, "1"));
      pollUntil(c, f -> replied(f, "1"));
    }
    int open = node.openSockets();
    // a poll sent over a raw connection that is never read from
    try (Socket raw = new Socket("127.0.0.1", node.port())) {
      OutputStream out = raw.getOutputStream();
      out.write(("GET /socket/longpoll?vsn=2.0.0 HTTP/1.1\r\nhost: 127.0.0.1\r\n" + LongPollHandler.TOKEN_HEADER + ": "
              + stuck.token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      int messages = 250; // past the queue bound of 200
      // the reader polls all along, as phoenix.js does
      CompletableFuture<List<JsonNode>> read =
          CompletableFuture.supplyAsync(() -> {
            try {
              return pollUntil(reader, f -> f.stream().filter(x -> "n".equals(x.get(3).asText())).count() >= messages);
            } catch (Exception e) {
              throw new CompletionException(e);
            }
          });
      for (int i = 0; i < messages; i++) {
        LongPollClient.broadcast(node, topic, "n", "{\"i\":" + i + "}");
      }
      List<Integer> order =
          read.get(20, TimeUnit.SECONDS).stream().filter(x -> "n".equals(x.get(3).asText())).map(x -> x.get(4).get("i").asInt()).toList();
      assertThat(order).hasSize(messages);
      for (int i = 0; i < messages; i++) {
        assertThat(order.get(i)).isEqualTo(i);
      }
      // the stuck session was closed as a slow consumer: its queue is gone, its actor stopped
      assertThat(stuck.poll(node).get("status").asInt()).isEqualTo(410);
      // its slot is given back once its actor has stopped, which happens after the 410 is answered
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (node.openSockets() > open && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(node.openSockets()).isLessThanOrEqualTo(open);
      assertThat(raw.isClosed()).isFalse(); // never read from
    }
  }

  @Test
  void preflightsAndOriginsAndOtherMethods() throws Exception {
    String url = LongPollClient.url(node);
    String self = "http://127.0.0.1:" + node.port();
    HttpResponse<String> preflight =
        LongPollClient.send(
            HttpRequest.newBuilder(URI.create(url))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", self)
                .header("access-control-request-headers", "content-type, x-phoenix-longpoll-token")
                .build());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue(self);
    assertThat(preflight.headers().firstValue("access-control-allow-headers")).hasValue("content-type, x-phoenix-longpoll-token");

    HttpResponse<String> foreign =
        LongPollClient.send(HttpRequest.newBuilder(URI.create(url + "?vsn=2.0.0")).header("origin", "http://evil.example").build());
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.headers().firstValue("access-control-allow-origin")).isEmpty();

    HttpResponse<String> put =
        LongPollClient.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString("x")).build());
    assertThat(put.statusCode()).isEqualTo(405);
    HttpResponse<String> badVsn = LongPollClient.send(HttpRequest.newBuilder(URI.create(url + "?vsn=9.0.0")).build());
    assertThat(LongPollClient.JSON.readTree(badVsn.body()).get("status").asInt()).isEqualTo(403);
  }

  @Test
  void pollsAlternatingBetweenNodesReceiveEveryMessageOnceInOrder() throws Exception {
    HeraldNode a = nodes.get(0);
    HeraldNode b = nodes.get(1);
    String topic = "room:lp-cluster";
    LongPollClient client = LongPollClient.open(a);
    // the join is posted to the node that does not hold the session, and its reply polled from both
    assertThat(client.post(b, LongPollClient.join(topic, "1")).get("status").asInt()).isEqualTo(200);
    List<JsonNode> frames = new ArrayList<>();
    int turn = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (frames.stream().noneMatch(f -> "phx_reply".equals(f.get(3).asText()))) {
      assertThat(System.nanoTime()).as("the join reply; frames %s", frames).isLessThan(deadline);
      frames.addAll(client.frames(nodes.get(turn++ % 2)));
    }
    assertThat(frames.get(0).get(4).get("status").asText()).isEqualTo("ok");

    // published through both nodes' APIs, numbered by the topic's one owner
    int messages = 100;
    List<Integer> got = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      LongPollClient.broadcast(nodes.get(i % 2), topic, "n", "{\"i\":" + i + "}");
      if (i % 10 == 0) {
        collect(client.frames(nodes.get(turn++ % 2)), got);
      }
    }
    while (got.size() < messages) {
      assertThat(System.nanoTime()).as("all %s messages; got %s", messages, got).isLessThan(deadline);
      collect(client.frames(nodes.get(turn++ % 2)), got);
    }
    // a few more polls on both: nothing is delivered twice
    for (int i = 0; i < 4; i++) {
      collect(client.frames(nodes.get(turn++ % 2)), got);
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      expected.add(i);
    }
    assertThat(got).isEqualTo(expected);
    assertThat(turn).as("polls on both nodes").isGreaterThan(4);
  }

  @Test
  void aTokenForANodeThatIsNotAMemberIs410() throws Exception {
    LongPollToken tokens = new LongPollToken(SECRET, Duration.ofSeconds(30));
    String gone = tokens.issue("pekko://herald@127.0.0.1:1", "a-session", System.currentTimeMillis());
    for (HeraldNode node : nodes) {
      assertThat(LongPollClient.get(LongPollClient.url(node), gone).get("status").asInt()).isEqualTo(410);
    }
    // and an unknown session on a real node, through the other
    LongPollClient client = LongPollClient.open(nodes.get(0));
    LongPollToken.Claims claims = tokens.verify(client.token, System.currentTimeMillis());
    String unknown = tokens.issue(claims.node(), "no-such-session", System.currentTimeMillis());
    assertThat(LongPollClient.get(LongPollClient.url(nodes.get(1)), unknown).get("status").asInt()).isEqualTo(410);
  }

  private static void collect(List<JsonNode> frames, List<Integer> into) {
    for (JsonNode f : frames) {
      if ("n".equals(f.get(3).asText())) {
        into.add(f.get(4).get("i").asInt());
      }
    }
  }
}
