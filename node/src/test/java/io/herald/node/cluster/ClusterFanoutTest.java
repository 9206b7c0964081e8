package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three nodes in one JVM, each a real cluster member with Artery remoting and its own WebSocket port
 * on loopback: messages cross nodes through the topic's owner, once per node, in one order.
 */
class ClusterFanoutTest extends ThreeNodeCluster {

  private static long acknowledgedByDelivery() throws Exception {
    return sum("herald_publish_acks_total{via=\"delivery\"}");
  }

  private static long sum(String sample) throws Exception {
    long sum = 0;
    for (HeraldNode node : nodes) {
      sum += TestNode.metric(node, sample);
    }
    return sum;
  }

  private static long total(int perPublisher, int publishers) {
    return (long) perPublisher * publishers;
  }

  private static String text(Message m) {
    return new String(m.payload().bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void concurrentPublishersOnEveryNodeReachEverySubscriberOnceInOneOrder() throws Exception {
    String topic = "room:cluster-order";
    int perNode = 4;
    int messagesPerPublisher = 200;
    List<ConcurrentLinkedQueue<String>> received = new ArrayList<>();
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    for (HeraldNode node : nodes) {
      for (int i = 0; i < perNode; i++) {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        received.add(seen);
        Channel ch = connect(node).channel(topic, () -> Payload.EMPTY_OBJECT);
        ch.on("msg", m -> seen.add(text(m)));
        joins.add(ch.join());
      }
    }
    List<Channel> publishers = new ArrayList<>();
    for (HeraldNode node : nodes) {
      Channel publisher = connect(node).channel(topic, () -> Payload.EMPTY_OBJECT);
      joins.add(publisher.join());
      publishers.add(publisher);
    }
    for (CompletableFuture<Reply> join : joins) {
      assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }

    long acknowledgedByDeliveryBefore = acknowledgedByDelivery();
    long linkReceivedBefore = sum("herald_link_messages_total{direction=\"received\"}");
    List<CompletableFuture<Reply>> pushes = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers.size(); p++) {
      Channel publisher = publishers.get(p);
      int node = p;
      Thread t =
          new Thread(
              () -> {
                for (int n = 0; n < messagesPerPublisher; n++) {
                  pushes.add(publisher.push("msg", Payload.json("{\"node\":" + node + ",\"n\":" + n + "}")));
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    for (CompletableFuture<Reply> push : pushes) {
      assertThat(push.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }
    // The owner lives on one node; the publishers on the two others (whose nodes have subscribers) get
    // every acknowledgement but their first (which names the owner) with the delivery to their node.
    assertThat(acknowledgedByDelivery() - acknowledgedByDeliveryBefore).isEqualTo(2L * (messagesPerPublisher - 1));
    // The owner's deliveries to the two other nodes came by the node links (NodeLinks), not Artery.
    assertThat(sum("herald_link_messages_total{direction=\"received\"}") - linkReceivedBefore)
        .isGreaterThanOrEqualTo(2L * total(messagesPerPublisher, publishers.size()));
    int total = messagesPerPublisher * publishers.size();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.stream().anyMatch(q -> q.size() < total) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(200); // duplicates would have arrived by now

    List<String> reference = new ArrayList<>(received.get(0));
    assertThat(reference).hasSize(total).doesNotHaveDuplicates();
    for (int p = 0; p < publishers.size(); p++) {
      String prefix = "{\"node\":" + p + ",";
      List<String> own = reference.stream().filter(s -> s.startsWith(prefix)).toList();
      List<String> expected = new ArrayList<>();
      for (int n = 0; n < messagesPerPublisher; n++) {
        expected.add(prefix + "\"n\":" + n + "}");
      }
      assertThat(own).as("publisher on node %d, in its order", p).isEqualTo(expected);
    }
    for (int s = 1; s < received.size(); s++) {
      assertThat(new ArrayList<>(received.get(s))).as("subscriber %d sees the same order", s).isEqualTo(reference);
    }
  }

  @Test
  void aJoinAcknowledgedOnOneNodeSeesAPublishFromAnotherAtOnceEveryTime() throws Exception {
    Socket publisherSocket = connect(nodes.get(0));
    Socket subscriberSocket = connect(nodes.get(2));
    int repetitions = 1_000;
    int misses = 0;
    for (int i = 0; i < repetitions; i++) {
      String topic = "room:ryj-cluster-" + i;
      Channel publisher = publisherSocket.channel(topic, () -> Payload.EMPTY_OBJECT);
      assertThat(publisher.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      Channel subscriber = subscriberSocket.channel(topic, () -> Payload.EMPTY_OBJECT);
      CompletableFuture<String> got = new CompletableFuture<>();
      subscriber.on("msg", m -> got.complete(text(m)));
      assertThat(subscriber.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      publisher.push("msg", Payload.json("{\"i\":" + i + "}"));
      try {
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("{\"i\":" + i + "}");
      } catch (java.util.concurrent.TimeoutException e) {
        misses++;
      }
      publisher.leave();
      subscriber.leave();
    }
    assertThat(misses).as("misses in %d repetitions", repetitions).isZero();
  }
}
