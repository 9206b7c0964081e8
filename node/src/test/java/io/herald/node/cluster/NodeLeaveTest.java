package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node leaves gracefully while messages flow: the topics it owned move to the survivors, their new
 * incarnations find the survivors' subscribers, and every message reaches them once, in send order.
 */
class NodeLeaveTest {
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
  private List<HeraldNode> nodes;

  @AfterEach
  void stop() {
    sockets.forEach(Socket::close);
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 1; i--) {
        nodes.get(i).close();
      }
    }
  }

  @Test
  void topicsOfALeavingNodeMoveAndKeepDeliveringToTheSurvivors() throws Exception {
    nodes = TestNode.startCluster(3, TestNode.FAST_CLIENTS);
    HttpClient http = HttpClient.newHttpClient();
    int topics = 30;
    int before = 50;
    int during = 100;
    int after = 50;
    int total = before + during + after;

    Socket publisherSocket = connect(http, nodes.get(1));
    List<Channel> publishers = new ArrayList<>();
    List<List<ConcurrentLinkedQueue<Integer>>> received = new ArrayList<>();
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    List<Socket> subscriberSockets = List.of(connect(http, nodes.get(1)), connect(http, nodes.get(2)));
    for (int t = 0; t < topics; t++) {
      String topic = "room:leave-" + t;
      List<ConcurrentLinkedQueue<Integer>> perTopic = new ArrayList<>();
      for (Socket s : subscriberSockets) {
        ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
        perTopic.add(seen);
        Channel ch = s.channel(topic, () -> Payload.EMPTY_OBJECT);
        ch.on("msg", m -> seen.add(Integer.parseInt(new String(m.payload().bytes(), StandardCharsets.UTF_8).replaceAll("\\D", ""))));
        joins.add(ch.join());
      }
      received.add(perTopic);
      Channel publisher = publisherSocket.channel(topic, () -> Payload.EMPTY_OBJECT);
      joins.add(publisher.join());
      publishers.add(publisher);
    }
    for (CompletableFuture<Reply> join : joins) {
      assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }

    // pushes.get(t).get(n): the push of message n to topic t
    List<List<CompletableFuture<Reply>>> pushes = new ArrayList<>();
    for (int t = 0; t < topics; t++) {
      pushes.add(new ArrayList<>());
    }
    publish(publishers, pushes, 0, before);
    awaitAll(pushes, 0, before, true);
    Thread leaving = new Thread(() -> nodes.get(0).close());
    leaving.start();
    for (int n = before; n < before + during; n++) {
      publish(publishers, pushes, n, n + 1);
      Thread.sleep(20);
    }
    leaving.join(60_000);
    assertThat(leaving.isAlive()).as("node 0 left within 60 s").isFalse();
    publish(publishers, pushes, before + during, total);
    awaitAll(pushes, before + during, total, true);
    awaitAll(pushes, before, before + during, false);

    int unacknowledged = 0;
    List<List<Integer>> acknowledgedByTopic = new ArrayList<>();
    for (int t = 0; t < topics; t++) {
      List<Integer> acknowledged = new ArrayList<>();
      for (int n = 0; n < total; n++) {
        CompletableFuture<Reply> push = pushes.get(t).get(n);
        if (push.isDone() && !push.isCompletedExceptionally() && push.join().ok()) {
          acknowledged.add(n);
        } else {
          unacknowledged++;
        }
      }
      acknowledgedByTopic.add(acknowledged);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !allReceived(received, acknowledgedByTopic)) {
      Thread.sleep(50);
    }
    // Publishes lost in the hand-off (Pekko's region drops what was in flight to the leaving node's
    // region for a shard in hand-off) are sent again by the publishing node: every one is acknowledged,
    // delivered once, in the publisher's send order.
    assertThat(unacknowledged).as("publishes never acknowledged, of %d", topics * total).isZero();
    List<Integer> sendOrder = java.util.stream.IntStream.range(0, total).boxed().toList();
    for (int t = 0; t < topics; t++) {
      for (int s = 0; s < subscriberSockets.size(); s++) {
        List<Integer> got = new ArrayList<>(received.get(t).get(s));
        assertThat(got).as("topic %d, subscriber on node %d: every message once, in send order", t, s + 1).isEqualTo(sendOrder);
      }
    }
  }

  private static boolean allReceived(
      List<List<ConcurrentLinkedQueue<Integer>>> received, List<List<Integer>> acknowledgedByTopic) {
    for (int t = 0; t < received.size(); t++) {
      for (ConcurrentLinkedQueue<Integer> queue : received.get(t)) {
        if (!queue.containsAll(acknowledgedByTopic.get(t))) {
          return false;
        }
      }
    }
    return true;
  }

  private static void publish(
      List<Channel> publishers, List<List<CompletableFuture<Reply>>> pushes, int from, int to) {
    for (int n = from; n < to; n++) {
      for (int t = 0; t < publishers.size(); t++) {
        pushes.get(t).add(publishers.get(t).push("msg", Payload.json("{\"n\":" + n + "}"), Duration.ofSeconds(5)));
      }
    }
  }

  /** Waits for the pushes of messages [from, to); {@code mustSucceed}: outside the leave every one is acknowledged. */
  private static void awaitAll(List<List<CompletableFuture<Reply>>> pushes, int from, int to, boolean mustSucceed)
      throws Exception {
    for (List<CompletableFuture<Reply>> topic : pushes) {
      for (int n = from; n < to; n++) {
        try {
          Reply reply = topic.get(n).get(30, TimeUnit.SECONDS);
          assertThat(reply.ok()).isTrue();
        } catch (java.util.concurrent.ExecutionException e) {
          if (mustSucceed) {
            throw e;
          }
        }
      }
    }
  }

  private Socket connect(HttpClient http, HeraldNode node) {
    Socket socket =
        new Socket(SocketOptions.builder(TestNode.endpoint(node)).httpClient(http).pushTimeout(Duration.ofSeconds(30)).build());
    sockets.add(socket);
    socket.connect().join();
    return socket;
  }
}
