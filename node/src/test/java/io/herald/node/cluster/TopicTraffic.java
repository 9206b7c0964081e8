package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.node.HeraldNode;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Numbered messages on many topics for cluster tests: one publishing socket, subscribers on given
 * nodes, every push's reply kept, and what each subscriber received, to check that every message
 * arrived once and in send order.
 */
final class TopicTraffic implements AutoCloseable {
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Socket> sockets = new ArrayList<>();
  private final List<Channel> publishers = new ArrayList<>();
  /** received.get(t).get(s): what subscriber s received on topic t. */
  private final List<List<ConcurrentLinkedQueue<Integer>>> received = new ArrayList<>();
  /** pushes.get(t).get(n): the push of message n to topic t. */
  private final List<List<CompletableFuture<Reply>>> pushes = new ArrayList<>();
  private int sent;

  /** Joins {@code topics} topics named {@code prefix + i}, publishing from {@code publisherNode}. */
  TopicTraffic(String prefix, int topics, HeraldNode publisherNode, List<HeraldNode> subscriberNodes) throws Exception {
    Socket publisherSocket = connect(publisherNode);
    List<Socket> subscriberSockets = subscriberNodes.stream().map(this::connect).toList();
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    for (int t = 0; t < topics; t++) {
      String topic = prefix + t;
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
      pushes.add(new ArrayList<>());
    }
    for (CompletableFuture<Reply> join : joins) {
      assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }
  }

  HttpClient http() {
    return http;
  }

  /** Pushes the next {@code count} messages to every topic, {@code pause} apart. */
  void publish(int count, Duration pause) throws InterruptedException {
    for (int i = 0; i < count; i++) {
      for (int t = 0; t < publishers.size(); t++) {
        pushes.get(t).add(publishers.get(t).push("msg", Payload.json("{\"n\":" + sent + "}"), Duration.ofSeconds(30)));
      }
      sent++;
      if (!pause.isZero()) {
        Thread.sleep(pause.toMillis());
      }
    }
  }

  /** Waits for every push so far: each must be answered ok. */
  void awaitAcknowledged() throws Exception {
    for (List<CompletableFuture<Reply>> topic : pushes) {
      for (CompletableFuture<Reply> push : topic) {
        assertThat(push.get(40, TimeUnit.SECONDS).ok()).as("every publish acknowledged").isTrue();
      }
    }
  }

  /** Every message sent so far reached every subscriber once, in send order. */
  void assertDeliveredOnceInOrder() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !allReceived()) {
      Thread.sleep(50);
    }
    Thread.sleep(200); // a duplicate would arrive right behind
    List<Integer> sendOrder = IntStream.range(0, sent).boxed().toList();
    for (int t = 0; t < received.size(); t++) {
      for (int s = 0; s < received.get(t).size(); s++) {
        assertThat(new ArrayList<>(received.get(t).get(s)))
            .as("topic %d, subscriber %d: every message once, in send order", t, s)
            .isEqualTo(sendOrder);
      }
    }
  }

  private boolean allReceived() {
    for (List<ConcurrentLinkedQueue<Integer>> topic : received) {
      for (ConcurrentLinkedQueue<Integer> queue : topic) {
        if (queue.size() < sent) {
          return false;
        }
      }
    }
    return true;
  }

  private Socket connect(HeraldNode node) {
    Socket socket = ThreeNodeCluster.connected(node, http);
    sockets.add(socket);
    return socket;
  }

  @Override
  public void close() {
    sockets.forEach(Socket::close);
  }
}
