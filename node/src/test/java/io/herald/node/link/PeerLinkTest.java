package io.herald.node.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.metrics.NodeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

/**
 * One node's link through its states, on an in-memory channel: frames go out in the order they were
 * handed over, are held while the link is down and sent first when it is back, and are refused (the
 * sender goes back to Artery) before it first connected, after it gave up and once its node left.
 */
class PeerLinkTest {
  private final NodeMetrics metrics = new NodeMetrics();
  private final PeerLink peer = new PeerLink(new Address("pekko", "herald", "10.0.0.2", 17355), 1, 2, metrics);

  private static ByteBuf frame(int n) {
    return Unpooled.buffer(4).writeInt(n);
  }

  /** A connection on an in-memory channel (the accepting side's handler: no hello of its own). */
  private EmbeddedChannel channel() {
    return new EmbeddedChannel(new LinkConnection(null, metrics, null));
  }

  private static LinkConnection connectionOf(EmbeddedChannel ch) {
    return ch.pipeline().get(LinkConnection.class);
  }

  /** The frames written to {@code ch}, by their numbers. */
  private static List<Integer> written(EmbeddedChannel ch) {
    ch.runPendingTasks();
    List<Integer> out = new ArrayList<>();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.add(b.readInt());
      b.release();
    }
    return out;
  }

  @Test
  void refusedUntilItFirstConnects() {
    ByteBuf f = frame(1);
    assertThat(peer.usable()).isFalse();
    assertThat(peer.send(f)).isFalse();
    assertThat(f.refCnt()).as("released").isZero();
  }

  @Test
  void upSendsInOrderDownHoldsBackSendsHeldFirst() {
    EmbeddedChannel first = channel();
    assertThat(peer.connected(connectionOf(first))).isTrue();
    assertThat(peer.send(frame(1))).isTrue();
    assertThat(peer.send(frame(2))).isTrue();
    assertThat(written(first)).containsExactly(1, 2);

    assertThat(peer.disconnected(connectionOf(first))).isPositive();
    assertThat(peer.usable()).as("down, not given up").isTrue();
    assertThat(peer.send(frame(3))).isTrue();
    assertThat(peer.send(frame(4))).isTrue();
    assertThat(peer.send(frame(5))).as("taken, and dropped: it holds 2").isTrue();

    EmbeddedChannel second = channel();
    assertThat(peer.connected(connectionOf(second))).isTrue();
    peer.send(frame(6));
    assertThat(written(second)).containsExactly(3, 4, 6);
  }

  @Test
  void givenUpItDropsWhatItHeldAndRefusesUntilItConnectsAgain() {
    EmbeddedChannel first = channel();
    peer.connected(connectionOf(first));
    long since = peer.disconnected(connectionOf(first));
    ByteBuf held = frame(1);
    peer.send(held);
    peer.giveUpIfDownSince(since - 1);
    assertThat(peer.usable()).as("a check for an older outage does nothing").isTrue();
    peer.giveUpIfDownSince(since);
    assertThat(held.refCnt()).as("dropped").isZero();
    assertThat(peer.usable()).isFalse();
    assertThat(peer.send(frame(2))).isFalse();

    EmbeddedChannel again = channel();
    peer.connected(connectionOf(again));
    assertThat(peer.send(frame(3))).isTrue();
    assertThat(written(again)).containsExactly(3);
  }

  @Test
  void goneForGood() {
    EmbeddedChannel ch = channel();
    peer.connected(connectionOf(ch));
    peer.gone();
    assertThat(ch.isOpen()).as("its connection closed").isFalse();
    assertThat(peer.send(frame(1))).isFalse();
    assertThat(peer.connected(connectionOf(channel()))).as("a late connection is refused").isFalse();
  }

  @Test
  void aConnectionThatIsNotTheCurrentOneClosingChangesNothing() {
    EmbeddedChannel old = channel();
    peer.connected(connectionOf(old));
    EmbeddedChannel replacement = channel();
    peer.connected(connectionOf(replacement));
    assertThat(old.isOpen()).as("replaced, closed").isFalse();
    assertThat(peer.disconnected(connectionOf(old))).isEqualTo(-1);
    assertThat(peer.state()).isEqualTo(PeerLink.State.UP);
  }
}
