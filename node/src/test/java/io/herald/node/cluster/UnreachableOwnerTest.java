package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
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
  private static final int TOPICS = 12;
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
  private List<HeraldNode> nodes;

  @AfterEach
  void stop() {
    sockets.forEach(Socket::close);
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
    HttpClient http = HttpClient.newHttpClient();
    Socket publisherSocket = connect(http, nodes.get(1));
    List<Socket> subscriberSockets = List.of(connect(http, nodes.get(1)), connect(http, nodes.get(2)));
    List<Channel> publishers = new ArrayList<>();
    List<List<ConcurrentLinkedQueue<Integer>>> received = new ArrayList<>();
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    for (int t = 0; t < TOPICS; t++) {
      String topic = "room:unreachable-" + t;
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
    List<List<CompletableFuture<Reply>>> pushes = new ArrayList<>();
    for (int t = 0; t < TOPICS; t++) {
      pushes.add(new ArrayList<>());
    }
    int n = 0;
    n = publish(publishers, pushes, n, 10);

    Address isolated = Cluster.get(nodes.get(0).system()).selfAddress();
    cut(true);
    awaitUnreachable(nodes.get(1), isolated);
    n = publish(publishers, pushes, n, 40);
    double unnumbered = relayed(http, nodes.get(1), "unnumbered");
    assertThat(unnumbered).as("publishes delivered unnumbered while their owner was unreachable").isPositive();
    awaitReceived(received, pushes);

    cut(false);
    awaitReachable(nodes.get(1), isolated);
    // The owner answers its probe again: numbered from then on, no new unnumbered delivery.
    Thread.sleep(1_000);
    double settled = relayed(http, nodes.get(1), "unnumbered");
    n = publish(publishers, pushes, n, 20);
    awaitReceived(received, pushes);
    assertThat(relayed(http, nodes.get(1), "unnumbered")).as("numbered again once reachable").isEqualTo(settled);

    for (int t = 0; t < TOPICS; t++) {
      for (int s = 0; s < subscriberSockets.size(); s++) {
        List<Integer> got = new ArrayList<>(received.get(t).get(s));
        assertThat(got).as("topic %d, subscriber on node %d: once each", t, s + 1).doesNotHaveDuplicates();
        assertThat(got).as("topic %d, subscriber on node %d: all %d", t, s + 1, n).hasSize(n);
      }
    }
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

  private static void awaitUnreachable(HeraldNode observer, Address address) throws InterruptedException {
    awaitReachability(observer, address, true);
  }

  private static void awaitReachable(HeraldNode observer, Address address) throws InterruptedException {
    awaitReachability(observer, address, false);
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

  /** Publishes {@code count} messages to every topic, 20 ms apart, and waits for every ok. */
  private static int publish(List<Channel> publishers, List<List<CompletableFuture<Reply>>> pushes, int from, int count)
      throws Exception {
    for (int n = from; n < from + count; n++) {
      for (int t = 0; t < publishers.size(); t++) {
        pushes.get(t).add(publishers.get(t).push("msg", Payload.json("{\"n\":" + n + "}"), Duration.ofSeconds(20)));
      }
      Thread.sleep(20);
    }
    for (List<CompletableFuture<Reply>> topic : pushes) {
      for (CompletableFuture<Reply> push : topic) {
        assertThat(push.get(30, TimeUnit.SECONDS).ok()).as("every publish acknowledged").isTrue();
      }
    }
    return from + count;
  }

  private static void awaitReceived(List<List<ConcurrentLinkedQueue<Integer>>> received, List<List<CompletableFuture<Reply>>> pushes)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int t = 0; t < received.size(); t++) {
        for (ConcurrentLinkedQueue<Integer> queue : received.get(t)) {
          all &= queue.size() >= pushes.get(t).size();
        }
      }
      if (all) {
        return;
      }
      Thread.sleep(50);
    }
  }

  private static double relayed(HttpClient http, HeraldNode node, String outcome) throws Exception {
    String body =
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("herald_publish_relay_total\\{outcome=\"" + outcome + "\"\\} (\\S+)").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private Socket connect(HttpClient http, HeraldNode node) {
    Socket socket =
        new Socket(SocketOptions.builder(TestNode.endpoint(node)).httpClient(http).pushTimeout(Duration.ofSeconds(30)).build());
    sockets.add(socket);
    socket.connect().join();
    return socket;
  }
}
