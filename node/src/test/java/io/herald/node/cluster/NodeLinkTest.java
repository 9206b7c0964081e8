package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.node.link.PeerLinks;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node links (NodeLinks, docs/architecture.md "The node link") in a real 3-node cluster: broken
 * under load they lose at most what was on its way, never reorder or double a message, and every
 * publish is still acknowledged (its node sends it again); a stranger on the link port is shut out.
 */
class NodeLinkTest extends ThreeNodeCluster {

  private static PeerLinks links(HeraldNode node) {
    return node.links().orElseThrow();
  }

  /** A subscriber on every node and a publisher on every node, joined to {@code topic}. */
  private record Room(List<ConcurrentLinkedQueue<String>> received, List<Channel> publishers) {}

  private Room room(String topic) throws Exception {
    List<ConcurrentLinkedQueue<String>> received = new ArrayList<>();
    List<Channel> publishers = new ArrayList<>();
    List<CompletableFuture<Reply>> joins = new ArrayList<>();
    for (HeraldNode node : nodes) {
      ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
      received.add(seen);
      Channel subscriber = connect(node).channel(topic, () -> Payload.EMPTY_OBJECT);
      subscriber.on("msg", m -> seen.add(new String(m.payload().bytes(), StandardCharsets.UTF_8)));
      joins.add(subscriber.join());
      Channel publisher = connect(node).channel(topic, () -> Payload.EMPTY_OBJECT);
      joins.add(publisher.join());
      publishers.add(publisher);
    }
    for (CompletableFuture<Reply> join : joins) {
      assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
    }
    return new Room(received, publishers);
  }

  /** Every publisher pushes {@code count} messages tagged {@code round}, concurrently; all must be acknowledged. */
  private static void publish(Room room, String round, int count, Runnable meanwhile) throws Exception {
    List<CompletableFuture<Reply>> pushes = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < room.publishers().size(); p++) {
      Channel publisher = room.publishers().get(p);
      int node = p;
      Thread t = new Thread(() -> {
        for (int n = 0; n < count; n++) {
          pushes.add(publisher.push("msg", Payload.json("{\"r\":\"" + round + "\",\"node\":" + node + ",\"n\":" + n + "}")));
          if (n % 50 == 0) {
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      threads.add(t);
      t.start();
    }
    meanwhile.run();
    for (Thread t : threads) {
      t.join();
    }
    for (CompletableFuture<Reply> push : pushes) {
      assertThat(push.get(30, TimeUnit.SECONDS).ok()).as("every push acknowledged").isTrue();
    }
  }

  /** Each publisher's messages of {@code round} as {@code seen} got them: their n, in arrival order. */
  private static List<Integer> numbers(List<String> seen, String round, int node) {
    String prefix = "{\"r\":\"" + round + "\",\"node\":" + node + ",\"n\":";
    return seen.stream().filter(s -> s.startsWith(prefix)).map(s -> Integer.parseInt(s.substring(prefix.length(), s.length() - 1))).toList();
  }

  private static void awaitLinksConnected() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (HeraldNode node : nodes) {
      while (TestNode.metric(node, "herald_links_connected") < nodes.size() - 1) {
        assertThat(System.nanoTime()).as("links connected again").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  @Test
  void linksBrokenUnderLoadReconnectAndNeverReorderOrDouble() throws Exception {
    Room room = room("room:link-breaks");
    int count = 300;
    publish(room, "broken", count, () -> {
      for (int k = 0; k < 3; k++) {
        try {
          Thread.sleep(60);
        } catch (InterruptedException e) {
          return;
        }
        nodes.forEach(n -> links(n).reconnectAll());
      }
    });
    awaitLinksConnected();
    // After the breaks, a round on the links again reaches everyone, whole and in order.
    publish(room, "after", count, () -> {});
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (room.received().stream().anyMatch(q -> numbers(List.copyOf(q), "after", 2).size() < count) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(200); // duplicates would have arrived by now
    for (int s = 0; s < room.received().size(); s++) {
      List<String> seen = List.copyOf(room.received().get(s));
      assertThat(seen).as("subscriber on node %d: no message twice", s).doesNotHaveDuplicates();
      for (int p = 0; p < room.publishers().size(); p++) {
        List<Integer> broken = numbers(seen, "broken", p);
        assertThat(broken).as("node %d's subscriber, publisher %d, during the breaks: in send order", s, p).isSorted();
        List<Integer> after = numbers(seen, "after", p);
        assertThat(after).as("node %d's subscriber, publisher %d, after the breaks: all, in order", s, p).hasSize(count).isSorted();
      }
    }
  }

  @Test
  void aStrangerOnTheLinkPortIsShutOutAndTheLinksServeOn() throws Exception {
    int port = links(nodes.get(0)).port();
    // A hello from an address that is no member.
    assertClosedAfter(port, hello("pekko://herald@127.0.0.1:1", 42));
    // A message before any hello.
    assertClosedAfter(port, frame((byte) 'F', new byte[] {0, 2, 'D', '2', 1, 2, 3}));
    // Garbage: an unknown kind, then a length past the frame limit.
    assertClosedAfter(port, frame((byte) 'Z', new byte[] {1, 2, 3}));
    assertClosedAfter(port, new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'F'});

    assertThat(TestNode.metric(nodes.get(0), "herald_links_connected")).isEqualTo(nodes.size() - 1);
    Room room = room("room:after-strangers");
    publish(room, "ok", 20, () -> {});
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (room.received().stream().anyMatch(q -> q.size() < 60) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    room.received().forEach(q -> assertThat(q).hasSize(60));
  }

  private static byte[] hello(String address, long uid) {
    byte[] a = address.getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 + a.length + 8);
    b.putShort((short) a.length).put(a).putLong(uid);
    return frame((byte) 'H', b.array());
  }

  private static byte[] frame(byte kind, byte[] body) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 1 + body.length);
    b.putInt(1 + body.length).put(kind).put(body);
    return b.array();
  }

  private static void assertClosedAfter(int port, byte[] bytes) throws Exception {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      new DataOutputStream(s.getOutputStream()).write(bytes);
      InputStream in = s.getInputStream();
      assertThat(in.read()).as("the node closes the connection").isEqualTo(-1);
    }
  }
}
