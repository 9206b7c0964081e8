package io.herald.node.channel;

import io.herald.protocol.Payload;
import java.util.Map;

/** What a {@link ChannelHandler} may know and do about the socket and topic it is called for. */
public interface ChannelContext {

  /** The topic of this channel. */
  String topic();

  /** Connect parameters from the socket's query string (without {@code vsn}, and without the token when auth is required). */
  Map<String, String> connectParams();

  /** The socket id: the verified token's {@code sub}, or null when auth is off. */
  String socketId();

  /** Broadcasts an event to every subscriber of this topic on every node, the sender included. */
  void broadcast(String event, Payload payload);

  /** Pushes an event to this socket only, on this channel. */
  void push(String event, Payload payload);
}
