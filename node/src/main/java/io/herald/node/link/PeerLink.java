package io.herald.node.link;

import io.herald.node.metrics.NodeMetrics;
import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import org.apache.pekko.actor.Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's link to one other node: its connection while it has one, and what it holds while it
 * reconnects. Senders on any thread hand it frames; it keeps their order (see {@link LinkConnection#send}).
 *
 * <p>States: {@code NEW} until it first connects (routes take Artery meanwhile); {@code UP};
 * {@code DOWN} after its connection closed, holding frames for {@code give-up-after}; then
 * {@code FAILED}, which drops them and refuses more (their senders go back to Artery) until it connects
 * again; {@code GONE} once the node left the cluster.
 */
final class PeerLink {
  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

  enum State {
    NEW,
    UP,
    DOWN,
    FAILED,
    GONE
  }

  final Address address;
  final long uid;
  private final int maxHeld;
  private final NodeMetrics metrics;
  private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
  private State state = State.NEW;
  private LinkConnection connection;
  private long downSinceNanos;

  PeerLink(Address address, long uid, int maxHeld, NodeMetrics metrics) {
    this.address = address;
    this.uid = uid;
    this.maxHeld = maxHeld;
    this.metrics = metrics;
  }

  synchronized State state() {
    return state;
  }

  /** Whether a new route may take this link: it has connected and not given up. */
  synchronized boolean usable() {
    return state == State.UP || state == State.DOWN;
  }

  /** Takes {@code frame} (and its release); false, with the frame released, when the sender must use Artery. */
  synchronized boolean send(ByteBuf frame) {
    switch (state) {
      case UP -> {
        connection.send(frame);
        return true;
      }
      case DOWN -> {
        if (held.size() >= maxHeld) {
          frame.release();
          metrics.linkDropped.labelValues("buffer_full").inc();
        } else {
          held.add(frame);
        }
        return true;
      }
      default -> {
        frame.release();
        return false;
      }
    }
  }

  /** A connection to the node is open (and said hello): it takes what was held, then everything else. */
  synchronized boolean connected(LinkConnection c) {
    if (state == State.GONE) {
      return false;
    }
    if (connection != null && connection != c) {
      connection.close(); // replaced: the peer connected again before this side saw the old one close
    }
    if (state != State.UP) {
      log.info("link to {} connected{}", address, held.isEmpty() ? "" : ", " + held.size() + " messages held sent now");
    }
    connection = c;
    state = State.UP;
    for (ByteBuf frame; (frame = held.poll()) != null; ) {
      c.send(frame);
    }
    return true;
  }

  /** {@code c} closed; returns the moment the link went down (for the give-up check), or -1 if it did not. */
  synchronized long disconnected(LinkConnection c) {
    if (connection != c) {
      return -1;
    }
    connection = null;
    if (state != State.UP) {
      return -1;
    }
    state = State.DOWN;
    downSinceNanos = System.nanoTime();
    log.info("link to {} closed: holding its messages while it reconnects (or until the node is removed)", address);
    return downSinceNanos;
  }

  /** Still down since {@code since}: drop what is held; routes go back to Artery. */
  synchronized void giveUpIfDownSince(long since) {
    if (state == State.DOWN && downSinceNanos == since) {
      state = State.FAILED;
      log.warn("link to {} down too long: {} held messages dropped, Artery carries its traffic until it connects", address, held.size());
      dropHeld("gave_up");
    }
  }

  synchronized void closeConnection() {
    if (connection != null) {
      connection.close();
    }
  }

  /** The node left the cluster. */
  synchronized void gone() {
    state = State.GONE;
    dropHeld("gave_up");
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  private void dropHeld(String reason) {
    if (!held.isEmpty()) {
      metrics.linkDropped.labelValues(reason).inc(held.size());
    }
    for (ByteBuf frame; (frame = held.poll()) != null; ) {
      frame.release();
    }
  }
}
