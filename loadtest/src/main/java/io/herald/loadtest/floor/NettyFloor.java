package io.herald.loadtest.floor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The floor Herald is measured against: a Phoenix V2 WebSocket server in bare Netty, with no actors,
 * no cluster, no checks and no limits. A join adds the socket to its topic's {@link ChannelGroup};
 * any other event is answered {@code ok} and broadcast to the topic (the sender included), encoded
 * once; a heartbeat is answered. That is all phx-bench and the fan-out harness need, so the same
 * commands measure it and Herald side by side, in the same hour (docs/benchmarks.md, "The floor in
 * the same hour"). A benchmark tool, not a server: malformed frames are dropped.
 *
 * <p>{@code java -cp loadtest/target/herald-fanout.jar io.herald.loadtest.floor.NettyFloor [--port
 * 4000] [--host 127.0.0.1] [--loops N]} (N defaults to the number of CPUs, as Herald's event loops).
 */
public final class NettyFloor implements AutoCloseable {
  private static final String SOCKET_PATH = "/socket/websocket";
  private static final int MAX_HANDSHAKE = 64 * 1024;
  private static final int MAX_FRAME = 1024 * 1024;
  private static final String OK = "{\"status\":\"ok\",\"response\":{}}";

  private final EventLoopGroup loops;
  private final Channel server;
  private final Map<String, ChannelGroup> topics = new ConcurrentHashMap<>();

  private NettyFloor(String host, int port, int loopCount) throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.loops = new MultiThreadIoEventLoopGroup(loopCount, io);
    WebSocketServerProtocolConfig ws =
        WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(SOCKET_PATH)
            .checkStartsWith(true) // the query string: ?vsn=2.0.0
            .maxFramePayloadLength(MAX_FRAME)
            .build();
    PhoenixHandler phoenix = new PhoenixHandler();
    this.server =
        new ServerBootstrap()
            .group(loops)
            .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_HANDSHAKE))
                        .addLast(new WebSocketServerProtocolHandler(ws))
                        .addLast(phoenix);
                  }
                })
            .bind(host, port)
            .sync()
            .channel();
  }

  /** Starts a floor server; port 0 picks a free one. */
  public static NettyFloor start(String host, int port, int loops) throws InterruptedException {
    return new NettyFloor(host, port, loops);
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    loops.shutdownGracefully().syncUninterruptibly();
  }

  public static void main(String[] args) throws InterruptedException {
    String host = "127.0.0.1";
    int port = 4000;
    int loops = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--loops" -> loops = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--host, --port, --loops)");
      }
    }
    NettyFloor floor = start(host, port, loops);
    // a benchmark tool run by hand or by with-server.sh: it reports where it listens on stderr
    System.err.printf("netty floor: ws://%s:%d%s?vsn=2.0.0, %d event loops, %s%n",
        host, floor.port(), SOCKET_PATH, loops, Epoll.isAvailable() ? "epoll" : "nio");
    Runtime.getRuntime().addShutdownHook(new Thread(floor::close));
    floor.server.closeFuture().sync();
  }

  @ChannelHandler.Sharable
  private final class PhoenixHandler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      V2Message m = V2Message.parse(frame.text());
      if (m == null) return;
      Channel ch = ctx.channel();
      switch (m.event()) {
        case "heartbeat" -> reply(ch, m);
        case "phx_leave" -> {
          ChannelGroup group = topics.get(m.topic());
          if (group != null) group.remove(ch);
          reply(ch, m);
        }
        case "phx_join" -> {
          // a closed channel leaves its groups by itself (DefaultChannelGroup watches closeFuture)
          topics.computeIfAbsent(m.topic(), t -> new DefaultChannelGroup(t, GlobalEventExecutor.INSTANCE)).add(ch);
          reply(ch, m);
        }
        default -> {
          reply(ch, m);
          ChannelGroup group = topics.get(m.topic());
          if (group != null) {
            String text = "[null,null," + m.rawTopic() + "," + m.rawEvent() + "," + m.payload() + "]";
            ByteBuf once = ByteBufUtil.writeUtf8(ch.alloc(), text);
            group.writeAndFlush(new TextWebSocketFrame(once));
          }
        }
      }
    }

    private void reply(Channel ch, V2Message m) {
      ch.writeAndFlush(
          new TextWebSocketFrame("[" + m.rawJoinRef() + "," + m.rawRef() + "," + m.rawTopic() + ",\"phx_reply\"," + OK + "]"));
    }
  }
}
