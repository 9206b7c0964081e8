package io.herald.node.topic;

import io.herald.node.outlet.SocketOutlet;
import io.herald.protocol.Payload;

/**
 * What the node fan-out needs of a subscribing socket; the socket implements it. The fan-out calls
 * it from its own turn, so implementations only hand the news to their actor.
 */
public interface Subscriber {

  /** Where this socket's broadcasts are written. */
  SocketOutlet outlet();

  /**
   * The subscription behind the join {@code joinRef} is confirmed: the topic's owner knows this node
   * (and answered its rejoin). A {@link NodeFanout.Joined#replay} not empty must be written before the
   * socket tells {@link NodeFanout.CaughtUp}.
   */
  void subscribed(String topic, String joinRef, NodeFanout.Joined joined);

  /**
   * A broadcast of an event this socket's channel intercepts, for its handler's {@code handleOut};
   * {@code ref} is the frame's ref (a history topic's seq) or null.
   */
  void intercepted(String topic, String event, Payload payload, String ref);
}
