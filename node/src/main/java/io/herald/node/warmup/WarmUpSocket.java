package io.herald.node.warmup;

import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import io.herald.protocol.ReplyReason;
import io.herald.protocol.ReservedEvents;
import io.herald.protocol.Serializer;
import io.herald.protocol.Serializers;
import io.herald.protocol.ServerFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One warm-up client socket, speaking Phoenix V2 JSON as phoenix.js does. When the upgrade completes it
 * joins its topics, all at once, then follows its {@link Script}: either publish until the shared
 * budget is spent (a window of pushes in flight, one more per reply), or push, heartbeat, leave and
 * close. It runs on the warm-up client's event loop only, so its fields need no synchronisation.
 */
final class WarmUpSocket extends SimpleChannelInboundHandler<TextWebSocketFrame> {

  /** What the socket does once it has joined. */
  interface Script {
    /**
     * The joins are sent and not yet answered: what is sent now waits in the node behind them, as the
     * frames of a client that does not wait for its join's answer do.
     */
    default void opened(WarmUpSocket socket) {}

    /** Called on the socket's event loop when every join is answered {@code ok}. */
    void joined(WarmUpSocket socket);

    /** A reply to one of this socket's pushes, leaves or heartbeats arrived. */
    void replied(WarmUpSocket socket);

    /** A broadcast to one of this socket's topics arrived. */
    void delivered(WarmUpSocket socket);

    /** A join was refused or the socket closed before it was done (called at most once). */
    void failed(WarmUpSocket socket, String why);
  }

  private static final Serializer V2 = Serializers.V2;
  /**
   * Joins of this socket sent again after a "join timed out" reply, at most: enough to outlast a shard
   * coordinator that waits for members still starting sharding (each try waits herald.socket.join-timeout,
   * 10 s), few enough that a warm-up that cannot join fails within its timeout and says why.
   */
  private static final int MAX_JOIN_RETRIES = 2;
  /** How every V2 broadcast begins: {@code [null,null,} (no join_ref, no ref). */
  private static final ByteBuf BROADCAST_START =
      Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("[null,null,", StandardCharsets.US_ASCII));

  /** Its topics; the first is the one it pushes to. Topic {@code i} is joined with join ref {@code i + 1}. */
  private final List<String> topics;
  private final int topicIndex;
  private final Script script;
  private final String pushEvent;
  private final List<Payload> bodies;
  private ChannelHandlerContext ctx;
  private long ref;
  private int unansweredJoins;
  private boolean finished;
  private int joinRetries;
  /** The script's own progress through its steps. */
  int step;

  /**
   * @param bodies the push payloads (JSON objects), taken in turn
   */
  WarmUpSocket(List<String> topics, int topicIndex, String event, List<String> bodies, Script script) {
    this.topics = List.copyOf(topics);
    this.topicIndex = topicIndex;
    this.script = script;
    this.pushEvent = event;
    this.bodies = bodies.stream().<Payload>map(Payload::json).toList();
    this.ref = topics.size();
  }

  int topicIndex() {
    return topicIndex;
  }

  void push() {
    // A push goes to the first topic, joined with join ref "1".
    ref++;
    send(new Message("1", Long.toString(ref), topics.get(0), pushEvent, bodies.get((int) (ref % bodies.size()))));
  }

  void heartbeat() {
    send(new Message(null, Long.toString(++ref), ReservedEvents.PHOENIX_TOPIC, ReservedEvents.HEARTBEAT, Payload.EMPTY_OBJECT));
  }

  /** Leaves every topic: one reply each. */
  void leave() {
    for (int i = 0; i < topics.size(); i++) {
      send(new Message(Integer.toString(i + 1), Long.toString(++ref), topics.get(i), ReservedEvents.LEAVE, Payload.EMPTY_OBJECT));
    }
  }

  /** Closes the socket as done: its close is not a failure. */
  void close() {
    finished = true;
    if (ctx != null) {
      ctx.close();
    }
  }

  void connectFailed(Throwable cause) {
    fail("connect failed: " + cause);
  }

  private void fail(String why) {
    if (!finished) {
      finished = true;
      script.failed(this, why);
    }
  }

  private void send(Message message) {
    byte[] frame = V2.encodeClientMessage(message).bytes();
    ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame)), ctx.voidPromise());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      unansweredJoins = topics.size();
      for (int i = 0; i < topics.size(); i++) {
        String joinRef = Integer.toString(i + 1);
        send(new Message(joinRef, joinRef, topics.get(i), ReservedEvents.JOIN, Payload.EMPTY_OBJECT));
      }
      script.opened(this);
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      fail("upgrade timed out");
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
    // Most frames are broadcasts, which carry no refs: told apart by their first bytes, not decoded,
    // so that the warm-up's own client leaves the cores to the node it warms. The rest are decoded.
    if (ByteBufUtil.equals(frame.content(), frame.content().readerIndex(), BROADCAST_START, 0, BROADCAST_START.readableBytes())) {
      script.delivered(this);
      return;
    }
    ServerFrame decoded = V2.decodeServerFrame(false, ByteBufUtil.getBytes(frame.content()));
    if (decoded instanceof Message message) {
      // A broadcast, or the phx_close that follows a leave, which counts as the leave's reply.
      if (ReservedEvents.CLOSE.equals(message.event())) {
        script.replied(this);
      } else {
        script.delivered(this);
      }
    } else if (decoded instanceof Reply reply && unansweredJoins > 0 && isJoinReply(reply)) {
      if (!"ok".equals(reply.status())) {
        if (isJoinTimeout(reply) && joinRetries < MAX_JOIN_RETRIES) {
          joinRetries++;
          send(new Message(reply.ref(), reply.ref(), topics.get(Integer.parseInt(reply.ref()) - 1), ReservedEvents.JOIN, Payload.EMPTY_OBJECT));
        } else {
          fail("join refused: " + reply);
        }
      } else if (--unansweredJoins == 0) {
        script.joined(this);
      }
    } else {
      script.replied(this);
    }
  }

  /**
   * A join refused as timed out: the topic's owner did not answer in time, as when the shard
   * coordinator cannot allocate the shard yet because a member that just joined has not started
   * sharding (nodes started at the same moment).
   */
  private static boolean isJoinTimeout(Reply reply) {
    return reply.response() != null && reply.response().toString().contains(ReplyReason.JOIN_TIMED_OUT.text());
  }

  /** A join's reply carries the join's ref as both its join ref and its ref, one of 1..topics. */
  private boolean isJoinReply(Reply reply) {
    if (reply.joinRef() == null || !reply.joinRef().equals(reply.ref())) {
      return false;
    }
    try {
      int i = Integer.parseInt(reply.ref());
      return i >= 1 && i <= topics.size();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    fail("closed by the server");
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause.toString());
    ctx.close();
  }
}
