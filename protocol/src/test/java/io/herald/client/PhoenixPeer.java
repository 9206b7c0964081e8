package io.herald.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A scripted Phoenix server for the client's tests: Netty on 127.0.0.1, an ephemeral port, V2 JSON
 * and V2 binary frames parsed with Jackson (independently of the codecs under test).
 *
 * <p>Script, by event: {@code phx_join} replies ok {@code {"topic":..,"params":<join payload>}}, or
 * error {@code {"reason":"denied"}} for topics starting with {@code denied:}, or nothing for topics
 * starting with {@code silent:}; {@code phx_leave} replies ok then sends {@code phx_close};
 * {@code echo} replies ok with the payload; {@code broadcast} replies ok then sends {@code broadcasted}
 * with the payload to every connection that joined the topic; {@code push_back} replies ok then pushes
 * {@code pushed} with the channel's join_ref; {@code noreply} does nothing; {@code error_reply}
 * replies error; anything else replies ok {@code {}}. A binary push is answered by a binary ok reply
 * with the same bytes. Heartbeats are answered unless {@link #answerHeartbeats} is false. A {@link
 * #joinHandler} takes over the joins it accepts (a test's scripted topic with history, say).
 */
final class PhoenixPeer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PATH = "/socket/websocket";

  /** One client frame as the peer saw it. */
  record Frame(Conn conn, boolean binary, String joinRef, String ref, String topic, String event,
      JsonNode payload, byte[] data, long nanos) {
    String param(String field) {
      JsonNode n = payload == null ? null : payload.get(field);
      return n == null ? null : n.asText();
    }
  }

  /** Answers a join itself (replying, and marking the topic joined) when it returns true. */
  interface JoinHandler {
    boolean handle(Conn conn, Frame join);
  }

  volatile JoinHandler joinHandler;
  final AtomicBoolean answerHeartbeats = new AtomicBoolean(true);
  final AtomicBoolean refuseConnections = new AtomicBoolean(false);
  final AtomicInteger heartbeats = new AtomicInteger();
  final List<Conn> connections = new CopyOnWriteArrayList<>();
  final List<Frame> frames = new CopyOnWriteArrayList<>();
  final List<String> requestedSubprotocols = new CopyOnWriteArrayList<>();

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final io.netty.channel.Channel server;

  /** A client connection, after the WebSocket handshake. */
  final class Conn {
    final io.netty.channel.Channel ch;
    final String uri;
    final HttpHeaders headers;
    final Map<String, List<String>> params;
    final Map<String, String> joined = new ConcurrentHashMap<>(); // topic -> join_ref

    Conn(io.netty.channel.Channel ch, String uri, HttpHeaders headers) {
      this.ch = ch;
      this.uri = uri;
      this.headers = headers;
      this.params = new QueryStringDecoder(uri).parameters();
    }

    String param(String name) {
      List<String> v = params.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Sends a V2 array; elements may be null, strings, or JsonNodes; a String payload is parsed. */
    void send(String joinRef, String ref, String topic, String event, Object payload) {
      sendText(array(joinRef, ref, topic, event, payload));
    }

    /** A phx_reply to {@code f}. */
    void reply(Frame f, String status, JsonNode response) {
      ObjectNode body = JSON.createObjectNode().put("status", status);
      body.set("response", response);
      send(f.joinRef(), f.ref(), f.topic(), "phx_reply", body);
    }

    void sendText(String text) {
      ch.writeAndFlush(new TextWebSocketFrame(text));
    }

    void sendBinary(byte[] bytes) {
      ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /** One text message in several WebSocket frames (continuations). */
    void sendFragmentedText(String... parts) {
      for (int i = 0; i < parts.length; i++) {
        ByteBuf buf = Unpooled.copiedBuffer(parts[i], StandardCharsets.UTF_8);
        boolean last = i == parts.length - 1;
        ch.write(i == 0 ? new TextWebSocketFrame(last, 0, buf) : new ContinuationWebSocketFrame(last, 0, buf));
      }
      ch.flush();
    }

    void sendFragmentedBinary(byte[]... parts) {
      for (int i = 0; i < parts.length; i++) {
        ByteBuf buf = Unpooled.wrappedBuffer(parts[i]);
        boolean last = i == parts.length - 1;
        ch.write(i == 0 ? new BinaryWebSocketFrame(last, 0, buf) : new ContinuationWebSocketFrame(last, 0, buf));
      }
      ch.flush();
    }

    /** Closes the TCP connection without a close frame. */
    void drop() {
      ch.close();
    }

    /** A close frame, then the TCP close. */
    void close(int code, String reason) {
      ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    boolean isActive() {
      return ch.isActive();
    }
  }

  private PhoenixPeer() throws InterruptedException {
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(
                new HttpServerCodec(),
                new HttpObjectAggregator(1 << 16),
                new Gate(),
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(PATH)
                    .checkStartsWith(true)
                    .subprotocols("phoenix")
                    .maxFramePayloadLength(1 << 20)
                    // Netty's default sends "1000 Bye" on any close; drop() must be abrupt
                    .sendCloseFrame(null)
                    .build()),
                new WebSocketFrameAggregator(1 << 20),
                new Script());
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  static PhoenixPeer start() throws InterruptedException {
    return new PhoenixPeer();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  URI endpoint() {
    return URI.create("ws://127.0.0.1:" + port() + PATH);
  }

  Conn connection(int index) {
    return connections.get(index);
  }

  Conn lastConnection() {
    return connections.get(connections.size() - 1);
  }

  List<Frame> frames(Predicate<Frame> filter) {
    List<Frame> out = new ArrayList<>();
    for (Frame f : frames) {
      if (filter.test(f)) {
        out.add(f);
      }
    }
    return out;
  }

  List<Frame> joins(String topic) {
    return frames(f -> Channel.JOIN.equals(f.event()) && topic.equals(f.topic()));
  }

  /** Sends to every connection that joined {@code topic}, as a fastlane broadcast. */
  void broadcast(String topic, String event, Object payload) {
    for (Conn c : connections) {
      if (c.isActive() && c.joined.containsKey(topic)) {
        c.send(null, null, topic, event, payload);
      }
    }
  }

  void dropAll() {
    connections.forEach(Conn::drop);
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  static String array(String joinRef, String ref, String topic, String event, Object payload) {
    ArrayNode a = JSON.createArrayNode();
    a.add(joinRef);
    a.add(ref);
    a.add(topic);
    a.add(event);
    if (payload instanceof JsonNode n) {
      a.add(n);
    } else if (payload instanceof String s) {
      a.add(parse(s));
    } else {
      a.add(JSON.createObjectNode());
    }
    return a.toString();
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  // ---- pipeline ----

  /** Refuses the upgrade with 403 while {@link #refuseConnections} is set; records subprotocols. */
  private final class Gate extends SimpleChannelInboundHandler<FullHttpRequest> {
    Gate() {
      super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String sp = req.headers().get("Sec-WebSocket-Protocol");
      if (sp != null) {
        requestedSubprotocols.add(sp);
      }
      if (refuseConnections.get()) {
        req.release();
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.fireChannelRead(req);
    }
  }

  private final class Script extends SimpleChannelInboundHandler<WebSocketFrame> {
    private Conn conn;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hs) {
        conn = new Conn(ctx.channel(), hs.requestUri(), hs.requestHeaders());
        connections.add(conn);
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame text) {
        JsonNode a = parse(text.text());
        Frame f = new Frame(conn, false, str(a.get(0)), str(a.get(1)), a.get(2).asText(),
            a.get(3).asText(), a.get(4), null, System.nanoTime());
        frames.add(f);
        onText(f);
      } else if (frame instanceof BinaryWebSocketFrame bin) {
        byte[] b = ByteBufUtil.getBytes(bin.content());
        Frame f = decodeBinaryPush(b);
        frames.add(f);
        conn.sendBinary(binaryReply(f.joinRef(), f.ref(), f.topic(), "ok", f.data()));
      }
    }

    private void onText(Frame f) {
      if ("phoenix".equals(f.topic()) && "heartbeat".equals(f.event())) {
        heartbeats.incrementAndGet();
        if (answerHeartbeats.get()) {
          reply(f, "ok", JSON.createObjectNode());
        }
        return;
      }
      switch (f.event()) {
        case Channel.JOIN -> {
          JoinHandler custom = joinHandler;
          if (custom != null && custom.handle(conn, f)) {
            return;
          }
          if (f.topic().startsWith("denied:")) {
            reply(f, "error", JSON.createObjectNode().put("reason", "denied"));
          } else if (!f.topic().startsWith("silent:")) {
            conn.joined.put(f.topic(), f.ref());
            ObjectNode resp = JSON.createObjectNode().put("topic", f.topic());
            resp.set("params", f.payload());
            reply(f, "ok", resp);
          }
        }
        case Channel.LEAVE -> {
          conn.joined.remove(f.topic());
          reply(f, "ok", JSON.createObjectNode());
          conn.send(f.joinRef(), f.joinRef(), f.topic(), Channel.CLOSE, null);
        }
        case "echo" -> reply(f, "ok", f.payload());
        case "broadcast" -> {
          reply(f, "ok", JSON.createObjectNode());
          broadcast(f.topic(), "broadcasted", f.payload());
        }
        case "push_back" -> {
          reply(f, "ok", JSON.createObjectNode());
          conn.send(f.joinRef(), null, f.topic(), "pushed", f.payload());
        }
        case "error_reply" -> reply(f, "error", JSON.createObjectNode().put("reason", "nope"));
        case "noreply" -> { }
        default -> reply(f, "ok", JSON.createObjectNode());
      }
    }

    private void reply(Frame f, String status, JsonNode response) {
      conn.reply(f, status, response);
    }

    private Frame decodeBinaryPush(byte[] b) {
      if (b[0] != 0) {
        throw new IllegalArgumentException("not a client push: kind " + b[0]);
      }
      int jr = b[1] & 0xff;
      int r = b[2] & 0xff;
      int t = b[3] & 0xff;
      int e = b[4] & 0xff;
      int at = 5;
      String joinRef = new String(b, at, jr, StandardCharsets.UTF_8);
      at += jr;
      String ref = new String(b, at, r, StandardCharsets.UTF_8);
      at += r;
      String topic = new String(b, at, t, StandardCharsets.UTF_8);
      at += t;
      String event = new String(b, at, e, StandardCharsets.UTF_8);
      at += e;
      byte[] data = java.util.Arrays.copyOfRange(b, at, b.length);
      return new Frame(conn, true, joinRef, ref, topic, event, null, data, System.nanoTime());
    }
  }

  static byte[] binaryReply(String joinRef, String ref, String topic, String status, byte[] data) {
    byte[] jr = joinRef.getBytes(StandardCharsets.UTF_8);
    byte[] r = ref.getBytes(StandardCharsets.UTF_8);
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    byte[] s = status.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    out.write(jr.length);
    out.write(r.length);
    out.write(t.length);
    out.write(s.length);
    out.writeBytes(jr);
    out.writeBytes(r);
    out.writeBytes(t);
    out.writeBytes(s);
    out.writeBytes(data);
    return out.toByteArray();
  }

  /** Server push layout (kind 0, no ref). */
  static byte[] binaryPush(String joinRef, String topic, String event, byte[] data) {
    byte[] jr = joinRef.getBytes(StandardCharsets.UTF_8);
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    byte[] e = event.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(jr.length);
    out.write(t.length);
    out.write(e.length);
    out.writeBytes(jr);
    out.writeBytes(t);
    out.writeBytes(e);
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static String str(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
