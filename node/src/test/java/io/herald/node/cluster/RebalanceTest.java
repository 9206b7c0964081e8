package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node joins a loaded cluster and sharding rebalances topics onto it (hand-offs while publishes
 * flow): it takes its share, and every message reaches every subscriber once, in send order.
 */
class RebalanceTest {
  private TopicTraffic traffic;
  private final List<HeraldNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    if (traffic != null) {
      traffic.close();
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  @Test
  void aJoiningNodeTakesTopicsWhileMessagesFlowWithoutLossDuplicateOrReordering() throws Exception {
    // Rebalance soon and in one go, so the test sees hand-offs within seconds.
    Map<String, Object> overrides =
        TestNode.fastClients(
            Map.of(
                "pekko.cluster.sharding.rebalance-interval", "1s",
                "pekko.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit", "0.5"));
    nodes.addAll(TestNode.startCluster(2, overrides));
    traffic = new TopicTraffic("room:rebalance-", 24, nodes.get(1), List.of(nodes.get(0), nodes.get(1)));
    traffic.publish(20, Duration.ZERO);
    traffic.awaitAcknowledged();

    Map<String, Object> joining = new HashMap<>(overrides);
    joining.put("herald.cluster.seed-nodes", nodes.get(0).clusterHostPort());
    HeraldNode third = TestNode.start(List.of(), joining);
    nodes.add(third);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int rounds = 0;
    while (topicEntities(third) == 0 || rounds < 50) {
      assertThat(System.nanoTime()).as("the joining node owns topics within 30 s").isLessThan(deadline);
      traffic.publish(1, Duration.ofMillis(20));
      rounds++;
    }
    traffic.publish(20, Duration.ZERO);

    traffic.awaitAcknowledged();
    traffic.assertDeliveredOnceInOrder();
    assertThat(topicEntities(third)).as("topics owned by the joining node").isPositive();
  }

  private double topicEntities(HeraldNode node) throws Exception {
    String body =
        traffic.http()
            .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("(?m)^herald_topic_entities (\\S+)").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
