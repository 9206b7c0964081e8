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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node leaves gracefully while messages flow: the topics it owned move to the survivors, their new
 * incarnations find the survivors' subscribers, and no message published meanwhile is lost for them.
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
    nodes = TestNode.startCluster(3, Map.of());
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

    publish(publishers, 0, before);
    Thread leaving = new Thread(() -> nodes.get(0).close());
    leaving.start();
    for (int n = before; n < before + during; n++) {
      publish(publishers, n, n + 1);
      Thread.sleep(20);
    }
    leaving.join(60_000);
    assertThat(leaving.isAlive()).as("node 0 left within 60 s").isFalse();
    publish(publishers, before + during, total);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && received.stream().flatMap(List::stream).anyMatch(q -> q.size() < total)) {
      Thread.sleep(50);
    }
    List<Integer> expected = new ArrayList<>();
    for (int n = 0; n < total; n++) {
      expected.add(n);
    }
    for (int t = 0; t < topics; t++) {
      for (int s = 0; s < subscriberSockets.size(); s++) {
        assertThat(new ArrayList<>(received.get(t).get(s)))
            .as("topic %d, subscriber on node %d", t, s + 1)
            .isEqualTo(expected);
      }
    }
  }

  private static void publish(List<Channel> publishers, int from, int to) throws Exception {
    List<CompletableFuture<Reply>> pushes = new ArrayList<>();
    for (int n = from; n < to; n++) {
      for (Channel publisher : publishers) {
        pushes.add(publisher.push("msg", Payload.json("{\"n\":" + n + "}")));
      }
    }
    for (CompletableFuture<Reply> push : pushes) {
      assertThat(push.get(30, TimeUnit.SECONDS).ok()).isTrue();
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
