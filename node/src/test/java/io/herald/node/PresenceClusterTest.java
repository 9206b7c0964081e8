package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Presence on a real three-node cluster in this JVM: phoenix.js {@code Presence} clients on every node
 * converge (presence-cluster.test.js), and a node that shuts down (as on SIGTERM) takes its members out
 * of the other nodes' lists before it leaves the cluster, not when it is removed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceClusterTest {
  private static List<HeraldNode> nodes;

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = TestNode.startCluster(3, TestNode.fastClients(TestNode.PRESENCE_ROOMS));
  }

  @AfterAll
  static void stopCluster() {
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        if (nodes.get(i).system().whenTerminated().isCompleted()) {
          continue;
        }
        nodes.get(i).close();
      }
    }
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> phoenixJsPresenceOnThreeNodes() {
    String urls = nodes.stream().map(TestNode::endpoint).collect(Collectors.joining(","));
    return PhoenixJsCompatibilityTest.run(PhoenixJsCompatibilityTest.jsDir(), "presence-cluster.test.js", Map.of("HERALD_WS_URLS", urls, "HERALD_WS_URL", TestNode.endpoint(nodes.get(0))))
        .tests(2);
  }

  @Test
  @Order(2)
  void aNodeShuttingDownTakesItsMembersOutOfEveryListBeforeItIsRemoved() throws Exception {
    String topic = "room:presence-shutdown-" + System.nanoTime();
    ConcurrentLinkedQueue<String> diffs = new ConcurrentLinkedQueue<>();
    Socket watcherSocket = connect(nodes.get(0));
    Socket leaverSocket = connect(nodes.get(2));
    try {
      Channel watcher = watcherSocket.channel(topic, () -> Payload.json("{\"user_id\":\"watcher\"}"));
      watcher.on("presence_diff", m -> diffs.add(text(m)));
      watcher.on("presence_state", m -> diffs.add(text(m)));
      assertThat(watcher.join().get(30, TimeUnit.SECONDS).ok()).isTrue();
      Channel leaver = leaverSocket.channel(topic, () -> Payload.json("{\"user_id\":\"leaver\"}"));
      assertThat(leaver.join().get(30, TimeUnit.SECONDS).ok()).isTrue();
      await(() -> diffs.stream().anyMatch(d -> d.contains("\"joins\":{\"leaver\"")), "the leaver's join on node 0");

      Address leaving = Cluster.get(nodes.get(2).system()).selfAddress();
      Cluster survivor = Cluster.get(nodes.get(0).system());
      long start = System.nanoTime();
      CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> nodes.get(2).close());
      long leftAt = 0;
      long removedAt = 0;
      long deadline = start + TimeUnit.SECONDS.toNanos(60);
      while ((leftAt == 0 || removedAt == 0) && System.nanoTime() < deadline) {
        long now = System.nanoTime();
        if (leftAt == 0 && diffs.stream().anyMatch(d -> d.contains("\"leaves\":{\"leaver\""))) {
          leftAt = now;
        }
        if (removedAt == 0 && !isMember(survivor, leaving)) {
          removedAt = now;
        }
        Thread.sleep(5);
      }
      shutdown.get(60, TimeUnit.SECONDS);
      assertThat(leftAt).as("the leave reached node 0's client").isPositive();
      assertThat(removedAt).as("node 2 was removed").isPositive();
      org.slf4j.LoggerFactory.getLogger(PresenceClusterTest.class)
          .warn(
              "shutdown of node 2: its member left node 0's list after {} ms, node 2 removed after {} ms",
              TimeUnit.NANOSECONDS.toMillis(leftAt - start),
              TimeUnit.NANOSECONDS.toMillis(removedAt - start));
      assertThat(leftAt).as("the leave came before node 2's removal").isLessThan(removedAt);
    } finally {
      watcherSocket.close();
      leaverSocket.close();
    }
  }

  private static boolean isMember(Cluster cluster, Address address) {
    for (Member m : cluster.state().getMembers()) {
      if (m.address().equals(address)) {
        return true;
      }
    }
    return false;
  }

  private static Socket connect(HeraldNode node) {
    Socket socket = new Socket(SocketOptions.builder(TestNode.endpoint(node)).pushTimeout(Duration.ofSeconds(30)).build());
    socket.connect().join();
    return socket;
  }

  private static String text(Message m) {
    return new String(m.payload().bytes(), StandardCharsets.UTF_8);
  }

  private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
