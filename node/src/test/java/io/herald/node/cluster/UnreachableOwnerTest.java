package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter$;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that owns topics becomes unreachable (its network cut both ways, as a crashed node or a long
 * stall looks to the others) while the survivors publish and subscribe: its topics keep delivering to
 * the survivors, unnumbered, without waiting for it to be downed; once it is reachable again they are
 * numbered by their owner again. Every acknowledged publish reaches every subscriber, once.
 */
class UnreachableOwnerTest {
  private TopicTraffic traffic;
  private List<HeraldNode> nodes;

  @AfterEach
  void stop() {
    if (traffic != null) {
      traffic.close();
    }
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  @Test
  void topicsOfAnUnreachableOwnerKeepDeliveringUnnumberedThenNumberedAgain() throws Exception {
    nodes =
        TestNode.startCluster(
            3,
            TestNode.fastClients(
                Map.of(
                    "pekko.remote.artery.advanced.test-mode", "on",
                    // Long enough that nobody is downed here: the topics must not wait for it.
                    "pekko.cluster.split-brain-resolver.stable-after", "60s")));
    traffic = new TopicTraffic("room:unreachable-", 12, nodes.get(1), List.of(nodes.get(1), nodes.get(2)));
    traffic.publish(10, Duration.ZERO);
    traffic.awaitAcknowledged();

    Address isolated = Cluster.get(nodes.get(0).system()).selfAddress();
    cut(true);
    awaitReachability(nodes.get(1), isolated, true);
    traffic.publish(40, Duration.ofMillis(20));
    traffic.awaitAcknowledged();
    assertThat(relayed(nodes.get(1), "unnumbered")).as("publishes delivered unnumbered while their owner was unreachable").isPositive();
    // The HTTP API says which of its broadcasts went out unnumbered.
    int unnumberedAnswers = 0;
    for (int t = 0; t < 12; t++) {
      HttpResponse<String> answer =
          traffic.http().send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.get(1).apiPort() + "/api/broadcast"))
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"room:unreachable-" + t + "\",\"event\":\"api\",\"payload\":{}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      if (answer.body().contains("\"seq\":null")) {
        unnumberedAnswers++;
      }
    }
    assertThat(unnumberedAnswers).as("API broadcasts answered unnumbered").isPositive().isLessThan(12);
    traffic.assertDeliveredOnceInOrder();

    cut(false);
    awaitReachability(nodes.get(1), isolated, false);
    // The owners answer their probes again (every 500 ms): numbered from then on.
    Thread.sleep(1_000);
    double settled = relayed(nodes.get(1), "unnumbered");
    traffic.publish(20, Duration.ofMillis(20));
    traffic.awaitAcknowledged();
    traffic.assertDeliveredOnceInOrder();
    assertThat(relayed(nodes.get(1), "unnumbered")).as("numbered again once reachable").isEqualTo(settled);
  }

  /** Cuts node 0 off from nodes 1 and 2, both ways (or heals it). */
  private void cut(boolean off) throws Exception {
    HeraldNode isolated = nodes.get(0);
    for (HeraldNode other : nodes.subList(1, nodes.size())) {
      throttle(isolated, other, off);
      throttle(other, isolated, off);
    }
  }

  private static void throttle(HeraldNode on, HeraldNode towards, boolean blackhole) throws Exception {
    RemoteActorRefProvider provider = (RemoteActorRefProvider) ((ExtendedActorSystem) on.system()).provider();
    Address address = Cluster.get(towards.system()).selfAddress();
    ThrottlerTransportAdapter$ adapter = ThrottlerTransportAdapter$.MODULE$;
    ThrottlerTransportAdapter.ThrottleMode mode = blackhole ? adapter.blackholeThrottleMode() : adapter.unthrottledThrottleMode();
    scala.concurrent.Future<Object> done =
        provider.transport().managementCommand(
            new ThrottlerTransportAdapter.SetThrottle(address, adapter.bothDirection(), mode));
    scala.concurrent.Await.result(done, scala.concurrent.duration.Duration.create(5, TimeUnit.SECONDS));
  }

  private static void awaitReachability(HeraldNode observer, Address address, boolean unreachable) throws InterruptedException {
    Cluster cluster = Cluster.get(observer.system());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      boolean now = false;
      for (Member m : cluster.state().getUnreachable()) {
        now |= m.address().equals(address);
      }
      if (now == unreachable) {
        return;
      }
      assertThat(System.nanoTime()).as("%s unreachable: %s within 30 s", address, unreachable).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private double relayed(HeraldNode node, String outcome) throws Exception {
    String body =
        traffic.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("herald_publish_relay_total\\{outcome=\"" + outcome + "\"\\} (\\S+)").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
