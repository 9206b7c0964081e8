package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.protocol.Payload;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Java client follows the cluster: when its node goes away it reconnects to another and rejoins. */
class ClientFailoverTest {

  @Test
  void socketOfAStoppedNodeReconnectsToAnotherAndRejoinsWithFreshParams() throws Exception {
    List<HeraldNode> nodes = TestNode.startCluster(3, TestNode.fastClients(Map.of("herald.drain.batch-interval", "50ms")));
    try {
      List<Integer> paramCalls = new CopyOnWriteArrayList<>();
      Socket socket =
          new Socket(
              SocketOptions.builder(TestNode.endpoint(nodes.get(0)))
                  .alternateEndpoints(List.of(URI.create(TestNode.endpoint(nodes.get(1)))))
                  .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                  .build());
      socket.connect().get(10, TimeUnit.SECONDS);
      ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
      Channel channel =
          socket.channel(
              "room:failover",
              () -> {
                paramCalls.add(paramCalls.size());
                return Payload.json("{\"attempt\":" + paramCalls.size() + "}");
              });
      channel.on("msg", m -> got.add(new String(m.payload().bytes(), StandardCharsets.UTF_8)));
      assertThat(channel.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      String firstJoinRef = channel.joinRef();

      Socket publisherSocket = new Socket(SocketOptions.builder(TestNode.endpoint(nodes.get(2))).build());
      publisherSocket.connect().get(10, TimeUnit.SECONDS);
      Channel publisher = publisherSocket.channel("room:failover", () -> Payload.EMPTY_OBJECT);
      assertThat(publisher.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      publisher.push("msg", Payload.json("{\"n\":1}")).get(10, TimeUnit.SECONDS);

      nodes.get(0).close(); // drains its sockets with 1012

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!(socket.isConnected() && !firstJoinRef.equals(channel.joinRef()) && channel.state().name().equals("JOINED"))
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(channel.state().name()).isEqualTo("JOINED");
      assertThat(channel.joinRef()).isNotEqualTo(firstJoinRef);
      assertThat(paramCalls).hasSizeGreaterThanOrEqualTo(2);

      publisher.push("msg", Payload.json("{\"n\":2}")).get(10, TimeUnit.SECONDS);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (got.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(got).containsExactly("{\"n\":1}", "{\"n\":2}");
      socket.close();
      publisherSocket.close();
    } finally {
      nodes.get(2).close();
      nodes.get(1).close();
    }
  }
}
