package io.herald.node.channel;

import io.herald.protocol.Payload;

/**
 * The built-in handler: anyone may join, and every client event is broadcast to all members of the
 * topic (the sender included) and answered with {@code ok}. Chat rooms with no code.
 */
public final class BroadcastHandler implements ChannelHandler {

  @Override
  public JoinResult join(String topic, Payload params, ChannelContext context) {
    return JoinResult.ok();
  }

  @Override
  public InResult handleIn(String event, Payload payload, ChannelContext context) {
    context.broadcast(event, payload);
    return InResult.ok();
  }
}
