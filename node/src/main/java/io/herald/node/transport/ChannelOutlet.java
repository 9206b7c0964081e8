package io.herald.node.transport;

import io.herald.node.outlet.SocketOutlet;
import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Serializer;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Objects;

/** A WebSocket connection's Netty channel as the socket's outlet. */
final class ChannelOutlet implements SocketOutlet {
  final Channel channel;
  private final Serializer serializer;
  private final Duration closeTimeout;

  ChannelOutlet(Channel channel, Serializer serializer, Duration closeTimeout) {
    this.channel = channel;
    this.serializer = serializer;
    this.closeTimeout = closeTimeout;
  }

  @Override
  public Serializer serializer() {
    return serializer;
  }

  @Override
  public void send(EncodedFrame frame) {
    Outbound.send(channel, frame, closeTimeout);
  }

  @Override
  public void close(CloseReason reason) {
    Outbound.close(channel, reason, closeTimeout);
  }

  @Override
  public String peer() {
    return Objects.toString(channel.remoteAddress());
  }

  @Override
  public String toString() {
    return "ChannelOutlet[" + peer() + "]";
  }
}
