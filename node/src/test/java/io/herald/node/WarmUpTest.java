package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.warmup.WarmUp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up through a real node: it runs its traffic end to end (every broadcast arrives)
 * before the public port opens, it works when the public port requires tokens without opening that
 * port to anyone, its topics cannot be joined from the public port, and a warm-up that cannot settle
 * in its time still lets the node start.
 */
class WarmUpTest {
  private static final String V2 = "/socket/websocket?vsn=2.0.0";

  /** Small rounds; a settle threshold no round can miss, so one round ends it. */
  private static Map<String, Object> oneRound(Map<String, Object> more) {
    Map<String, Object> overrides = new java.util.HashMap<>(more);
    overrides.put("herald.warm-up.enabled", true);
    overrides.put("herald.warm-up.connects", 40);
    overrides.put("herald.warm-up.sockets", 12);
    overrides.put("herald.warm-up.topics", 3);
    overrides.put("herald.warm-up.messages", 300);
    overrides.put("herald.warm-up.settle", "1h");
    return overrides;
  }

  @Test
  void warmUpTrafficArrivesInFullBeforeThePublicPortOpens() throws Exception {
    try (HeraldNode node = TestNode.start(List.of(), oneRound(Map.of()))) {
      WarmUp.Result result = node.warmUp().orElseThrow();
      assertThat(result.rounds()).isEqualTo(1);
      assertThat(result.settled()).isTrue();
      assertThat(result.connects()).isEqualTo(40);
      assertThat(result.sockets()).isEqualTo(12);
      assertThat(result.messages()).isEqualTo(300);
      // each message reaches the 4 members of its topic, the sender included
      assertThat(result.expectedDeliveries()).isEqualTo(1200);
      assertThat(result.deliveries()).isEqualTo(1200);
      assertThat(node.openSockets()).as("warm-up sockets are gone from the public count").isZero();
      assertThat(result.garbageCollection()).as("the warm-up's garbage is collected by default").isPresent();
      // a node alone keeps its warm-up to a few shards: peers that join later would otherwise be handed
      // hundreds of empty ones, 20 every rebalance round
      assertThat(TestNode.localShards(node)).as("shards the warm-up left on the node").isNotEmpty().hasSizeLessThanOrEqualTo(8);

      try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
        ws.sendText("[\"1\",\"1\",\"herald:warm-up:anything\",\"phx_join\",{}]");
        assertThat(ws.readTextOrClose().text()).contains("\"error\"").contains("unmatched topic");
        ws.sendText("[\"2\",\"2\",\"room:lobby\",\"phx_join\",{}]");
        assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
      }
    }
  }

  @Test
  void warmUpRunsWhenThePublicPortRequiresTokensAndLeavesThatPortClosedToConnectsWithout() throws Exception {
    Map<String, Object> auth =
        Map.of(
            "herald.auth.mode", "required",
            "herald.auth.jwt.hmac-secret", "warm-up-test-secret-of-at-least-32-bytes!",
            "herald.warm-up.collect-garbage", false);
    try (HeraldNode node = TestNode.start(List.of(), oneRound(auth))) {
      WarmUp.Result result = node.warmUp().orElseThrow();
      assertThat(result.deliveries()).isEqualTo(1200);
      assertThat(result.garbageCollection()).as("collect-garbage = off").isEmpty();
      try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
        assertThat(ws.status).isEqualTo(403);
      }
    }
  }

  /**
   * A node that joins a cluster already serving topics warms up on shards no peer owns, so that its
   * warm-up traffic does not land on the peers: the peer hosts none of its topic entities.
   */
  @Test
  void aJoiningNodeWarmsUpOnItsOwnShardsNotOnThoseOfItsPeers() throws Exception {
    try (HeraldNode first = TestNode.start(List.of())) {
      // the first node owns the shards of the topics its users are in
      List<RawWebSocket> users = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 30; i++) {
          RawWebSocket ws = RawWebSocket.connect(first.port(), V2);
          ws.sendText("[\"1\",\"1\",\"room:" + i + "\",\"phx_join\",{}]");
          assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
          users.add(ws);
        }
        try (HeraldNode second =
            TestNode.start(List.of(), oneRound(Map.of("herald.cluster.seed-nodes", first.clusterHostPort())))) {
          assertThat(second.warmUp().orElseThrow().deliveries()).isEqualTo(1200);
          assertThat(TestNode.localTopicEntities(first)).as("topic entities on the first node").noneMatch(id -> id.startsWith("herald:warm-up:"));
          assertThat(TestNode.localTopicEntities(second)).as("topic entities on the warming node").anyMatch(id -> id.startsWith("herald:warm-up:"));
        }
      } finally {
        for (RawWebSocket ws : users) {
          ws.close();
        }
      }
    }
  }


  @Test
  void aWarmUpThatCannotSettleInItsTimeEndsAndTheNodeStarts() throws Exception {
    Map<String, Object> overrides = oneRound(Map.of());
    overrides.put("herald.warm-up.settle", "0ms"); // no round compiles for less than nothing
    overrides.put("herald.warm-up.timeout", "2s");
    try (HeraldNode node = TestNode.start(List.of(), overrides)) {
      WarmUp.Result result = node.warmUp().orElseThrow();
      assertThat(result.settled()).isFalse();
      assertThat(result.took()).isLessThan(java.time.Duration.ofSeconds(10));
      try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
        ws.sendText("[\"1\",\"1\",\"room:lobby\",\"phx_join\",{}]");
        assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
      }
    }
  }
}
