package io.herald.node.warmup;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;

/**
 * One warm-up client socket, speaking Phoenix V2 JSON as phoenix.js does. It joins its topic when the
 * upgrade completes, then follows its {@link Script}: either publish until the shared budget is spent
 * (a window of pushes in flight, one more per reply), or heartbeat, leave and close. It runs on the
 * warm-up client's event loop only, so its fields need no synchronisation.
 */
final class WarmUpSocket extends SimpleChannelInboundHandler<TextWebSocketFrame> {

  /** What the socket does once it has joined. */
  interface Script {
    /** Called on the socket's event loop when its join is answered {@code ok}. */
    void joined(WarmUpSocket socket);

    /** A reply to one of this socket's pushes, leave or heartbeat arrived. */
    void replied(WarmUpSocket socket, String frame);

    /** A broadcast to this socket's topic arrived. */
    void delivered(WarmUpSocket socket);

    /** The join was refused or the socket closed before it was done (called at most once). */
    void failed(WarmUpSocket socket, String why);
  }

  private static final String JOIN_REF = "1";

  private final String topic;
  private final int topicIndex;
  private final Script script;
  private final String pushPrefix;
  private final String pushSuffix;
  private ChannelHandlerContext ctx;
  private long ref = 1;
  private boolean joined;
  private boolean finished;
  /** The script's own progress through its steps. */
  int step;

  WarmUpSocket(String topic, int topicIndex, String event, String body, Script script) {
    this.topic = topic;
    this.topicIndex = topicIndex;
    this.script = script;
    this.pushPrefix = "[\"" + JOIN_REF + "\",\"";
    this.pushSuffix = "\",\"" + topic + "\",\"" + event + "\",{\"body\":\"" + body + "\"}]";
  }

  int topicIndex() {
    return topicIndex;
  }

  void push() {
    send(pushPrefix + (++ref) + pushSuffix);
  }

  void heartbeat() {
    send("[null,\"" + (++ref) + "\",\"phoenix\",\"heartbeat\",{}]");
  }

  void leave() {
    send("[\"" + JOIN_REF + "\",\"" + (++ref) + "\",\"" + topic + "\",\"phx_leave\",{}]");
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

  private void send(String frame) {
    ctx.writeAndFlush(new TextWebSocketFrame(frame), ctx.voidPromise());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
      send("[\"" + JOIN_REF + "\",\"" + JOIN_REF + "\",\"" + topic + "\",\"phx_join\",{}]");
    } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
      fail("upgrade timed out");
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
    String text = frame.text();
    // Broadcasts have no refs ([null,null,topic,event,payload]); everything else here is a reply.
    if (text.startsWith("[null,null,")) {
      script.delivered(this);
    } else if (!joined) {
      if (text.contains("\"status\":\"ok\"")) {
        joined = true;
        script.joined(this);
      } else {
        fail("join refused: " + text);
      }
    } else {
      script.replied(this, text);
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
