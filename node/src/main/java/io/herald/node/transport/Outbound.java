package io.herald.node.transport;

import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to sockets. Server frames are unmasked, so one WebSocket frame (header and payload) encoded
 * once is valid on every socket: deliveries write retained duplicates of the same buffer, and Netty's
 * frame encoder passes a {@link ByteBuf} through untouched.
 */
public final class Outbound {
  private static final Logger log = LoggerFactory.getLogger(Outbound.class);
  private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("herald.closing");
  private static final AttributeKey<Integer> CLOSE_CODE = AttributeKey.valueOf("herald.close-code");

  private Outbound() {}

  /** Encodes a complete, unmasked, final WebSocket frame around {@code frame}'s bytes. */
  public static ByteBuf wsFrame(ByteBufAllocator alloc, EncodedFrame frame) {
    byte[] data = frame.bytes();
    int length = data.length;
    int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
    ByteBuf buf = alloc.directBuffer(header + length);
    buf.writeByte(0x80 | (frame.binary() ? 0x2 : 0x1));
    if (length < 126) {
      buf.writeByte(length);
    } else if (length <= 0xFFFF) {
      buf.writeByte(126);
      buf.writeShort(length);
    } else {
      buf.writeByte(127);
      buf.writeLong(length);
    }
    buf.writeBytes(data);
    return buf;
  }

  /**
   * Writes one frame (a reply, a push, a lifecycle event) from any thread, within the same bound as
   * broadcasts: a socket past its outbound high water mark is a slow consumer and is closed instead.
   * Frames to a socket being closed are dropped.
   */
  public static void send(Channel channel, EncodedFrame frame, Duration slowCloseTimeout) {
    if (admits(channel, slowCloseTimeout)) {
      writeFrame(channel, wsFrame(channel.alloc(), frame));
    }
  }

  /** Answers a ping with its payload, within the same bound as every other write. */
  static void pong(Channel channel, ByteBuf payload, Duration slowCloseTimeout) {
    if (admits(channel, slowCloseTimeout)) {
      channel.writeAndFlush(new PongWebSocketFrame(payload.retain()), channel.voidPromise());
    }
  }

  /**
   * The one bound on what a socket may hold unsent: every write asks here first. A socket whose
   * unsent bytes passed the high water mark does not read; it is closed with 3008 rather than let
   * the node queue for it without limit.
   */
  private static boolean admits(Channel channel, Duration slowCloseTimeout) {
    if (!channel.isActive() || closing(channel)) {
      return false;
    }
    if (!channel.isWritable()) {
      close(channel, CloseReason.SLOW_CONSUMER, slowCloseTimeout);
      return false;
    }
    return true;
  }

  /**
   * Delivers a pre-encoded frame on the channel's event loop. A channel past its outbound high water
   * mark is a slow consumer and is closed instead. Returns whether the frame was written.
   */
  public static boolean deliver(Channel channel, ByteBuf frame, Duration slowCloseTimeout) {
    if (!admits(channel, slowCloseTimeout)) {
      return false;
    }
    writeFrame(channel, frame.retainedDuplicate());
    return true;
  }

  /**
   * Writes a complete WebSocket frame from the pipeline's first handler, so that it goes straight to
   * the socket. No handler has anything to do with a ready frame (Netty's frame encoder passes a
   * {@link ByteBuf} through), and walking the write and the flush past each of them cost about a tenth
   * of a delivery's CPU (docs/benchmarks.md). Every write runs on the channel's event loop in the order
   * it was made, so frames written this way and frames written through the pipeline keep their order.
   */
  private static void writeFrame(Channel channel, ByteBuf frame) {
    ChannelHandlerContext first = channel.pipeline().firstContext();
    if (first == null) { // the channel is gone and its pipeline emptied
      frame.release();
      return;
    }
    first.writeAndFlush(frame, channel.voidPromise());
  }

  /**
   * Starts the WebSocket closing handshake: sends a close frame and closes the connection when the
   * peer's close frame comes back ({@link FrameHandler}) or after {@code timeout}, whichever is first.
   * Cutting TCP right after the close frame would make some clients (java.net.http) report 1006
   * instead of the code; the timeout bounds a peer that never answers (or never reads).
   */
  public static void close(Channel channel, CloseReason reason, Duration timeout) {
    close(channel, reason.code(), reason.text(), timeout);
  }

  /** As {@link #close(Channel, CloseReason, Duration)}, with a reason text that carries a detail. */
  static void close(Channel channel, int code, String reason, Duration timeout) {
    if (!channel.isActive() || channel.attr(CLOSING).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    log.debug("closing {} with {} {}", channel.remoteAddress(), code, reason);
    channel.attr(CLOSE_CODE).set(code);
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    channel.eventLoop().schedule(() -> channel.close(), timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Sends a close frame and closes the connection once it is written, without waiting for the peer's:
   * for a peer that broke the framing, whose further bytes cannot be read.
   */
  static void closeNow(Channel channel, int code, String reason) {
    if (!channel.isActive() || channel.attr(CLOSING).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    log.debug("closing {} at once with {} {}", channel.remoteAddress(), code, reason);
    channel.attr(CLOSE_CODE).set(code);
    channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
  }

  /** The close code the server sent on this channel, or null if it did not close it. */
  static Integer closeCode(Channel channel) {
    return channel.hasAttr(CLOSE_CODE) ? channel.attr(CLOSE_CODE).get() : null;
  }

  static boolean closing(Channel channel) {
    return channel.hasAttr(CLOSING) && channel.attr(CLOSING).get() != null;
  }
}
