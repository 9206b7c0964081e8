package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Broadcasts through a real node (sharded topic entity, node fan-out, Netty) to the Java client. */
class FanoutIntegrationTest {
  private static final Pattern N = Pattern.compile("\"n\":(\\d+)");

  private static HeraldNode node;
  private static HttpClient http;
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startNode() throws Exception {
    // This test's clients publish as fast as they can; the rate limit has its own test (LimitsTest).
    node = TestNode.start(List.of(), TestNode.FAST_CLIENTS);
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @AfterEach
  void closeSockets() {
    sockets.forEach(Socket::close);
  }

  private Socket connect() {
    Socket socket =
        new Socket(
            SocketOptions.builder(TestNode.endpoint(node))
                .httpClient(http)
                .pushTimeout(Duration.ofSeconds(60))
                .build());
    sockets.add(socket);
    socket.connect().join();
    return socket;
  }

  private static int n(io.herald.protocol.Message m) {
    Matcher matcher = N.matcher(new String(m.payload().bytes(), StandardCharsets.UTF_8));
    assertThat(matcher.find()).as("payload %s carries n", m.payload()).isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  @Test
  void thousandSocketsReceiveEveryMessageOfABurstExactlyOnceInPublishOrder() throws Exception {
    int socketsCount = 1_000;
    int messages = 1_000;
    String topic = "room:burst";
    List<ConcurrentLinkedQueue<Integer>> received = new ArrayList<>();
    CountDownLatch complete = new CountDownLatch(socketsCount);
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    for (int i = 0; i < socketsCount; i++) {
      ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
      received.add(seen);
      Channel channel = connect().channel(topic, () -> Payload.EMPTY_OBJECT);
      channel.on(
          "msg",
          m -> {
            seen.add(n(m));
            if (seen.size() == messages) {
              complete.countDown();
            }
          });
      joins.add(channel.join());
    }
    for (CompletableFuture<Reply> join : joins) {
      assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }

    Channel publisher = connect().channel(topic, () -> Payload.EMPTY_OBJECT);
    assertThat(publisher.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
    List<CompletableFuture<Reply>> pushes = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      pushes.add(publisher.push("msg", Payload.json("{\"n\":" + i + "}")));
    }
    for (CompletableFuture<Reply> push : pushes) {
      assertThat(push.get(60, TimeUnit.SECONDS).ok()).isTrue();
    }

    assertThat(complete.await(120, TimeUnit.SECONDS))
        .as("every socket got all %d messages (%d sockets still missing some)", messages, complete.getCount())
        .isTrue();
    Thread.sleep(200); // anything extra would have arrived by now
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      expected.add(i);
    }
    for (int s = 0; s < socketsCount; s++) {
      assertThat(new ArrayList<>(received.get(s))).as("socket %d", s).isEqualTo(expected);
    }
  }

  @Test
  void aMessagePublishedRightAfterAJoinIsAcknowledgedAlwaysArrives() throws Exception {
    Socket publisherSocket = connect();
    Socket subscriberSocket = connect();
    for (int i = 0; i < 200; i++) {
      String topic = "room:ryj-" + i;
      Channel publisher = publisherSocket.channel(topic, () -> Payload.EMPTY_OBJECT);
      assertThat(publisher.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      Channel subscriber = subscriberSocket.channel(topic, () -> Payload.EMPTY_OBJECT);
      CompletableFuture<Integer> got = new CompletableFuture<>();
      subscriber.on("msg", m -> got.complete(n(m)));
      assertThat(subscriber.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      publisher.push("msg", Payload.json("{\"n\":" + i + "}"));
      assertThat(got.get(10, TimeUnit.SECONDS)).as("iteration %d", i).isEqualTo(i);
      publisher.leave().get(10, TimeUnit.SECONDS);
      subscriber.leave().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLeftChannelReceivesNoMoreBroadcasts() throws Exception {
    String topic = "room:leave";
    Channel stays = connect().channel(topic, () -> Payload.EMPTY_OBJECT);
    Channel leaves = connect().channel(topic, () -> Payload.EMPTY_OBJECT);
    ConcurrentLinkedQueue<Integer> staysGot = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Integer> leavesGot = new ConcurrentLinkedQueue<>();
    stays.on("msg", m -> staysGot.add(n(m)));
    leaves.on("msg", m -> leavesGot.add(n(m)));
    assertThat(stays.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
    assertThat(leaves.join().get(10, TimeUnit.SECONDS).ok()).isTrue();

    stays.push("msg", Payload.json("{\"n\":1}")).get(10, TimeUnit.SECONDS);
    awaitSize(leavesGot, 1);
    leaves.leave().get(10, TimeUnit.SECONDS);
    stays.push("msg", Payload.json("{\"n\":2}")).get(10, TimeUnit.SECONDS);
    awaitSize(staysGot, 2);
    Thread.sleep(200);
    assertThat(leavesGot).containsExactly(1);
  }

  private static void awaitSize(ConcurrentLinkedQueue<?> queue, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (queue.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(queue).hasSize(size);
  }
}
