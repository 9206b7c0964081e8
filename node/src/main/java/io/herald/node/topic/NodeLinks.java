package io.herald.node.topic;

import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The way this node's topic messages reach other nodes outside Artery: a TCP connection per pair of
 * nodes on the socket edge's event loops (the {@code link} package, docs/architecture.md "The node
 * link"). Only the hot messages take it: a publish to its owner's node, and everything an owner sends
 * a node's {@link NodeFanout}.
 *
 * <p>Order: Pekko keeps the order of messages from one actor to another, and the topic relies on it
 * (a replay's end behind every delivery sent before it). So an owner picks the way to a fan-out once,
 * when that node registers ({@link #toFanout}), and keeps it: a route never moves messages from one
 * connection to another while earlier ones may still be on their way. A route whose link broke and
 * did not come back drops what it held and sends by Artery from then on: lost, as Artery loses what is
 * in flight when its connection breaks, never reordered.
 */
public interface NodeLinks {

  /** How an owner's messages reach one node's fan-out; one per registration, used by one actor at a time. */
  interface FanoutRoute {
    void tell(NodeFanout.Command message);
  }

  /**
   * The route to {@code fanout} from now on: its node's link when there is one that has connected,
   * else (and for this node's own fan-out) Artery.
   */
  FanoutRoute toFanout(ActorRef<NodeFanout.Command> fanout);

  /**
   * Sends a publish to {@code topic}'s owner on node {@code owner} by that node's link, where it goes
   * through the node's shard region; false when there is no link to that node that has connected (the
   * caller sends by the shard region here).
   */
  boolean publish(Address owner, String topic, TopicEntity.Publish publish);

  /** No links: everything by Artery (tests, and {@code herald.link.enabled = off}). */
  NodeLinks NONE =
      new NodeLinks() {
        @Override
        public FanoutRoute toFanout(ActorRef<NodeFanout.Command> fanout) {
          return fanout::tell;
        }

        @Override
        public boolean publish(Address owner, String topic, TopicEntity.Publish publish) {
          return false;
        }
      };
}
