package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node leaves gracefully while messages flow: the topics it owned move to the survivors, their new
 * incarnations find the survivors' subscribers, and every message reaches them once, in send order.
 * Pekko's region drops what was in flight to the leaving node's region for a shard in hand-off; the
 * publishing node sends those again (NodePublisher).
 */
class NodeLeaveTest {
  private TopicTraffic traffic;
  private List<HeraldNode> nodes;

  @AfterEach
  void stop() {
    if (traffic != null) {
      traffic.close();
    }
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 1; i--) {
        nodes.get(i).close();
      }
    }
  }

  @Test
  void topicsOfALeavingNodeMoveAndKeepDeliveringToTheSurvivors() throws Exception {
    nodes = TestNode.startCluster(3, TestNode.FAST_CLIENTS);
    traffic = new TopicTraffic("room:leave-", 30, nodes.get(1), List.of(nodes.get(1), nodes.get(2)));
    traffic.publish(50, Duration.ZERO);
    traffic.awaitAcknowledged();

    Thread leaving = new Thread(() -> nodes.get(0).close());
    leaving.start();
    traffic.publish(100, Duration.ofMillis(20));
    leaving.join(60_000);
    assertThat(leaving.isAlive()).as("node 0 left within 60 s").isFalse();
    traffic.publish(50, Duration.ZERO);

    traffic.awaitAcknowledged();
    traffic.assertDeliveredOnceInOrder();
  }
}
