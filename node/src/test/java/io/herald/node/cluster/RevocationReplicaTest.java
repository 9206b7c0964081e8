package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.junit.jupiter.api.Test;

/** The replicated revocations on one node: a disconnect writes one, and it is pruned once expired. */
class RevocationReplicaTest {

  @Test
  void aDisconnectIsReplicatedAndPrunedAfterItsTimeToLive() throws Exception {
    Map<String, Object> overrides =
        Map.of(
            "herald.auth.revocation-ttl", "1s",
            "herald.auth.revocation-replication.prune-interval", "200ms");
    try (HeraldNode node = TestNode.start(List.of(), overrides)) {
      // the node's socket directory reaches the API through the receptionist: call until it answers
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      HttpResponse<String> response = ClusterDisconnectTest.disconnect(node, "frank");
      while (!response.body().contains("\"nodes\":1")) {
        assertThat(System.nanoTime()).as("the directory is listed; last answer %s", response.body()).isLessThan(deadline);
        Thread.sleep(200);
        response = ClusterDisconnectTest.disconnect(node, "frank");
      }
      assertThat(response.statusCode()).isEqualTo(200);

      ActorSystem<?> system = Adapter.toTyped(node.system());
      awaitEntries(system, entries -> entries.containsKey("frank"), "the revocation is written to the replicated map");
      awaitEntries(system, entries -> !entries.containsKey("frank"), "the expired revocation is pruned");
    }
  }

  private static void awaitEntries(ActorSystem<?> system, java.util.function.Predicate<Map<String, Long>> condition, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Replicator.GetResponse<LWWMap<String, Long>> got =
          AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, Long>>>ask(
                  DistributedData.get(system).replicator(),
                  replyTo -> new Replicator.Get<>(RevocationReplica.KEY, Replicator.readLocal(), replyTo),
                  Duration.ofSeconds(3),
                  system.scheduler())
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      Map<String, Long> entries =
          got instanceof Replicator.GetSuccess<LWWMap<String, Long>> success ? success.get(RevocationReplica.KEY).getEntries() : Map.of();
      if (condition.test(entries)) {
        return;
      }
      assertThat(System.nanoTime()).as(what + "; entries now %s", entries).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
