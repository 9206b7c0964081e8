package io.herald.node.transport;

import io.herald.node.socket.ConnectionActor;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.config.HeraldSettings;
import io.herald.protocol.Message;
import io.herald.protocol.CloseReason;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Reply;
import io.herald.protocol.ReplyReason;
import io.herald.protocol.Serializer;
import io.herald.protocol.Topics;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes in, messages out: decodes each WebSocket message once, on the event loop, and hands it to the
 * socket's {@link ConnectionActor}. A frame that cannot be decoded never reaches the actor: when it
 * named a topic and ref it is answered with an error reply, otherwise the socket is closed with 1007.
 * Either way only this socket is affected. Every data frame takes a token from the socket's rate
 * limit first; a frame over it is answered {@code {"reason": "rate limited"}} and dropped, and
 * {@code max-rejected} of those in a row close the socket with 1008.
 */
final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
  private static final Logger log = LoggerFactory.getLogger(FrameHandler.class);

  private final Serializer serializer;
  private final ActorRef<ConnectionActor.Command> connection;
  private final MalformedFrameLog malformedLog;
  private final Duration closeTimeout;
  private final NodeMetrics metrics;
  private final TokenBucket rate;
  private final int maxRejected;
  /** Replies echo at most this much of a topic (herald.socket.max-topic-length). */
  private final int maxTopicLength;
  /** Frames refused by the rate limit since the last one admitted. */
  private int rejectedInARow;
  private final long idleNanos;
  private long lastReadNanos;
  private ScheduledFuture<?> idleCheck;

  FrameHandler(
      Serializer serializer,
      ActorRef<ConnectionActor.Command> connection,
      MalformedFrameLog malformedLog,
      Duration closeTimeout,
      Duration idleTimeout,
      HeraldSettings.RateLimit rateLimit,
      int maxTopicLength,
      NodeMetrics metrics) {
    this.maxTopicLength = maxTopicLength;
    this.idleNanos = idleTimeout.toNanos();
    this.metrics = metrics;
    this.rate = new TokenBucket(rateLimit.messagesPerSecond(), rateLimit.burst(), System.nanoTime());
    this.maxRejected = rateLimit.maxRejected();
    this.serializer = serializer;
    this.connection = connection;
    this.malformedLog = malformedLog;
    this.closeTimeout = closeTimeout;
  }

  /**
   * The idle timeout is a timer of this handler's own rather than Netty's {@code IdleStateHandler}:
   * the same check without a handler and a pipeline slot per socket (about 180 bytes each).
   */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    lastReadNanos = System.nanoTime();
    idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), idleNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
  }

  /**
   * Closes with 1001 a socket that sent nothing for the idle timeout (a message counts when it is
   * complete: this handler sees fragmented ones assembled); else looks again when it could be.
   */
  private void checkIdle(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    long idleFor = System.nanoTime() - lastReadNanos;
    if (idleFor >= idleNanos) {
      Outbound.close(ctx.channel(), CloseReason.IDLE_TIMEOUT, closeTimeout);
    } else {
      idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), idleNanos - idleFor, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    long now = System.nanoTime();
    lastReadNanos = now;
    if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
      boolean binary = frame instanceof BinaryWebSocketFrame;
      byte[] bytes = ByteBufUtil.getBytes(frame.content());
      // Taken before decoding: a flood of malformed frames is a flood too.
      boolean admitted = rate.tryTake(now);
      Message message;
      try {
        message = serializer.decode(binary, bytes);
      } catch (ProtocolException e) {
        if (admitted) {
          malformed(ctx, e);
        } else {
          rateLimited(ctx, null);
        }
        return;
      }
      if (!admitted) {
        rateLimited(ctx, message);
        return;
      }
      rejectedInARow = 0;
      metrics.messagesIn.inc();
      connection.tell(new ConnectionActor.Inbound(message));
    } else if (frame instanceof PingWebSocketFrame) {
      // A ping is a frame like any other: it takes from the rate limit, and its pong is bounded.
      if (rate.tryTake(now)) {
        rejectedInARow = 0;
        Outbound.pong(ctx.channel(), frame.content(), closeTimeout);
      } else {
        rateLimited(ctx, null);
      }
    } else if (frame instanceof CloseWebSocketFrame) {
      if (Outbound.closing(ctx.channel())) {
        ctx.close(); // the peer answered our close frame: the handshake is complete
      } else {
        // The peer closes: echo its close frame, then close (what Netty's handshaker does; not keeping
        // the handshaker for this is a tenth of a kilobyte per socket).
        ctx.channel().writeAndFlush(frame.retain()).addListener(ChannelFutureListener.CLOSE);
      }
    }
    // Pong frames need no answer.
  }

  /** Over the rate limit: an error reply when the frame can be answered; too many in a row close 1008. */
  private void rateLimited(ChannelHandlerContext ctx, Message message) {
    metrics.rateLimited.inc();
    if (++rejectedInARow > maxRejected) {
      if (!Outbound.closing(ctx.channel())) {
        CloseReason close = CloseReason.RATE_LIMIT_EXCEEDED;
        malformedLog.record(ctx.channel().remoteAddress(), close.text(), "closed " + close.code());
        Outbound.close(ctx.channel(), close, closeTimeout);
      }
      return;
    }
    if (message != null && message.ref() != null) {
      Reply reply =
          new Reply(message.joinRef(), message.ref(), Topics.cut(message.topic(), maxTopicLength), "error", ReplyReason.RATE_LIMITED.response());
      try {
        Outbound.send(ctx.channel(), serializer.encodeReply(reply), closeTimeout);
      } catch (ProtocolException cannotEncode) {
        // nothing to answer with; the frame is dropped all the same
      }
    }
  }

  private void malformed(ChannelHandlerContext ctx, ProtocolException e) {
    metrics.malformedFrames.inc();
    if (e.canReply()) {
      malformedLog.record(ctx.channel().remoteAddress(), e.reason(), "error reply");
      Reply reply =
          new Reply(
              e.joinRef(), e.ref(), Topics.cut(e.topic(), maxTopicLength), "error", ReplyReason.MALFORMED_MESSAGE.response(e.reason()));
      try {
        Outbound.send(ctx.channel(), serializer.encodeReply(reply), closeTimeout);
        return;
      } catch (ProtocolException cannotEncode) {
        // fall through to closing the socket
      }
    }
    CloseReason close = CloseReason.MALFORMED_MESSAGE;
    malformedLog.record(ctx.channel().remoteAddress(), e.reason(), "closed " + close.code());
    Outbound.close(ctx.channel(), close.code(), close.text(e.reason()), closeTimeout);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Integer code = Outbound.closeCode(ctx.channel());
    metrics.socketCloses.labelValues(code == null ? "peer" : code.toString()).inc();
    connection.tell(new ConnectionActor.Disconnected());
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      // a fragmented message whose parts add up past the limit (the aggregator)
      Outbound.close(ctx.channel(), CloseReason.MESSAGE_TOO_BIG, closeTimeout);
    } else if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      // The frame decoder found a violation (a frame over the limit, an unmasked or reserved frame, a bad
      // control frame) and reads nothing more from this peer: close at once with the code it chose.
      int code = corrupted.closeStatus().code();
      String reason;
      if (code == CloseReason.MESSAGE_TOO_BIG.code()) {
        reason = CloseReason.MESSAGE_TOO_BIG.text();
      } else if (code == CloseReason.MALFORMED_MESSAGE.code()) {
        reason = CloseReason.MALFORMED_MESSAGE.text(cause.getMessage()); // text that is not UTF-8
      } else {
        reason = CloseReason.PROTOCOL_ERROR.text(cause.getMessage());
      }
      malformedLog.record(ctx.channel().remoteAddress(), cause.getMessage(), "closed " + code);
      metrics.malformedFrames.inc();
      Outbound.closeNow(ctx.channel(), code, reason);
    } else if (cause instanceof CorruptedFrameException) {
      malformedLog.record(ctx.channel().remoteAddress(), cause.getMessage(), "closed");
      ctx.close();
    } else {
      log.debug("socket error from {}", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }
}
