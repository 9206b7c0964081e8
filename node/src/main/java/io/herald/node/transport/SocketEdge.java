package io.herald.node.transport;

import io.herald.node.auth.Revocations;
import io.herald.node.socket.ConnectionActor;
import io.herald.protocol.CloseReason;
import io.herald.node.config.HeraldSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.herald.node.metrics.NodeMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public port: Netty serving Phoenix's WebSocket endpoint and its long-poll one. It stays thin: it upgrades, decodes
 * frames and hands them to the socket's {@link ConnectionActor}, and writes what it is given. One
 * event loop per core, pooled buffers, native epoll where available.
 */
public final class SocketEdge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SocketEdge.class);

  private final Channel serverChannel;
  private final ChannelGroup sockets;
  private final ConnectionAdmission admission;
  /** Null when long-poll is off. */
  private final LongPollSessions longPollSessions;

  private SocketEdge(Channel server, ChannelGroup sockets, ConnectionAdmission admission, LongPollSessions longPollSessions) {
    this.serverChannel = server;
    this.sockets = sockets;
    this.admission = admission;
    this.longPollSessions = longPollSessions;
  }

  /**
   * Binds the port {@code settings} name on {@code loops}; blocks until it is bound. The edge does not
   * own the loops: closing it leaves them running for the next edge.
   *
   * @param name what this edge is, for the logs ("socket edge"; the warm-up binds one of its own)
   */
  public static SocketEdge bind(
      String name,
      HeraldSettings settings,
      EdgeLoops loops,
      ActorSystem system,
      ConnectionActor.Dependencies deps,
      Revocations revocations)
      throws InterruptedException {
    HeraldSettings.Http http = settings.http();
    ChannelGroup sockets = new DefaultChannelGroup("herald-sockets", GlobalEventExecutor.INSTANCE);
    HeraldSettings.Socket socket = settings.socket();
    MalformedFrameLog malformedLog = new MalformedFrameLog(socket.malformedLogInterval());
    StaticAssets assets = StaticAssets.load(settings);
    ConnectionAdmission admission = new ConnectionAdmission(settings, revocations, deps.metrics(), System::nanoTime);
    // Past this many open connections a new one is cut at once, without the HTTP refusal, so that a
    // flood of connects cannot use up the descriptors the reserve keeps for everything else.
    long hardCap = (long) admission.maxConnections() + http.fdReserve() / 2;
    HeraldSettings.LongPoll lp = settings.longPoll();
    LongPollSessions longPollSessions =
        lp.enabled()
            ? new LongPollSessions(
                Cluster.get(system).selfAddress().toString(),
                lp.secret().isEmpty() ? LongPollToken.randomSecret() : lp.secret(),
                lp,
                socket,
                deps.metrics(),
                malformedLog,
                loops.workers().next(),
                System::nanoTime)
            : null;
    // A long-poll session is a socket to the limits: it holds an actor and its channels.
    IntSupplier openConnections =
        longPollSessions == null ? sockets::size : () -> sockets.size() + longPollSessions.size();
    LongPollEndpoint longPoll =
        longPollSessions == null ? null : new LongPollEndpoint(settings, longPollSessions, admission, system, deps, openConnections);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(loops.acceptor(), loops.workers())
            .channel(loops.serverChannelType())
            .handler(new AcceptFailureLog())
            .option(ChannelOption.SO_BACKLOG, 4096)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(socket.outboundLowWaterMark(), socket.outboundHighWaterMark()))
            .childOption(ChannelOption.SO_SNDBUF, socket.sendBufferSize() > 0 ? socket.sendBufferSize() : null)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (sockets.size() >= hardCap) {
                      ch.close();
                      return;
                    }
                    InetAddress client = admission.clientOf(ch.remoteAddress());
                    if (!admission.openPending(client)) {
                      ch.close(); // this address holds enough connections that have not upgraded
                      return;
                    }
                    sockets.add(ch);
                    ch.pipeline()
                        // The request line carries the connect params (a token among them): it gets the
                        // same bound as the header block.
                        .addLast(
                            "http",
                            new HttpServerCodec(http.maxHandshakeRequestSize(), http.maxHandshakeRequestSize(), 8192))
                        .addLast(LongPollRoute.AGGREGATOR, new HttpObjectAggregator(http.maxHandshakeRequestSize()))
                        .addLast(
                            "upgrade",
                            new UpgradeHandler(
                                settings, system, deps, malformedLog, assets, admission, openConnections, client, longPoll));
                    if (longPoll != null) {
                      // A long-poll POST has a body; an upgrade has none, and keeps the smaller bound.
                      ch.pipeline().addBefore(LongPollRoute.AGGREGATOR, "longpoll-route", new LongPollRoute(longPoll.path, lp.maxBodySize()));
                    }
                  }
                });
    Channel server;
    try {
      server = bootstrap.bind(new InetSocketAddress(http.host(), http.port())).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      admission.close();
      if (longPollSessions != null) {
        longPollSessions.close();
      }
      throw e;
    }
    log.info(
        "{} listening on {} ({} transport, {} event loops), WebSocket at {}/websocket{}; {}",
        name,
        server.localAddress(),
        loops.transportName(),
        loops.threads(),
        http.socketPath(),
        lp.enabled() ? ", long-poll at " + http.socketPath() + "/longpoll" : "",
        admission.limits());
    return new SocketEdge(server, sockets, admission, longPollSessions);
  }

  /**
   * Serves the long-poll requests other nodes forward to this edge's sessions ({@link LongPollRelay});
   * once per node, for its public edge.
   */
  public void serveForwardedPolls(ActorSystem system) {
    if (longPollSessions != null) {
      Adapter.spawn(system, LongPollRelay.create(longPollSessions), LongPollRelay.NAME);
    }
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** Open WebSocket and long-poll connections, and long-poll sessions. */
  public int openSockets() {
    return sockets.size() + (longPollSessions == null ? 0 : longPollSessions.size());
  }

  /** Unsent bytes over all sockets and how many are over their bound (read racily: a metric, not a decision). */
  public NodeMetrics.OutboundQueues outboundQueues() {
    long queued = 0;
    int unwritable = 0;
    for (Channel ch : sockets) {
      ChannelOutboundBuffer buffer = ch.unsafe().outboundBuffer();
      if (buffer != null) {
        queued += buffer.totalPendingWriteBytes();
      }
      if (!ch.isWritable() && ch.isActive()) {
        unwritable++;
      }
    }
    return new NodeMetrics.OutboundQueues(queued, unwritable);
  }

  /** Stops accepting new connections; open sockets stay. */
  public void unbind() {
    serverChannel.close().awaitUninterruptibly();
  }

  /**
   * Closes every open socket with 1012, {@code batchSize} at a time every {@code batchInterval}, each
   * at a random moment within its batch's interval, so that clients do not reconnect to the other
   * nodes all at once (Phoenix's drainer does the same). Sockets still open at {@code deadline} are
   * closed at once. The future completes when every socket is closed.
   */
  public CompletableFuture<Void> drain(int batchSize, Duration batchInterval, Duration deadline, Duration closeTimeout) {
    List<Channel> open = new ArrayList<>(sockets);
    Collections.shuffle(open);
    log.info("draining {} sockets in batches of {} every {}", open.size(), batchSize, batchInterval);
    long intervalMillis = Math.max(1, batchInterval.toMillis());
    long deadlineMillis = deadline.toMillis();
    EventExecutor timer = GlobalEventExecutor.INSTANCE;
    // Long-poll sessions are closed like sockets (their next poll gets 410 and phoenix.js moves on);
    // a long-poll HTTP connection is just closed (it carries no WebSocket close frame).
    List<Runnable> closes = new ArrayList<>();
    for (Channel ch : open) {
      closes.add(
          ch.pipeline().get(LongPollHandler.class) != null
              ? () -> ch.close()
              : () -> Outbound.close(ch, CloseReason.SERVER_SHUTTING_DOWN, closeTimeout));
    }
    if (longPollSessions != null) {
      for (LongPollSession session : longPollSessions.all()) {
        closes.add(() -> session.close(CloseReason.SERVER_SHUTTING_DOWN));
      }
    }
    Collections.shuffle(closes);
    for (int i = 0; i < closes.size(); i++) {
      long at = (i / batchSize) * intervalMillis + ThreadLocalRandom.current().nextLong(intervalMillis);
      timer.schedule(closes.get(i), Math.min(at, deadlineMillis), TimeUnit.MILLISECONDS);
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    ScheduledFuture<?> watch =
        timer.scheduleAtFixedRate(
            () -> {
              if (sockets.isEmpty() && (longPollSessions == null || longPollSessions.openCount() == 0)) {
                drained.complete(null);
              }
            },
            0,
            50,
            TimeUnit.MILLISECONDS);
    ScheduledFuture<?> giveUp =
        timer.schedule(() -> drained.complete(null), deadlineMillis + closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    drained.whenComplete(
        (v, e) -> {
          watch.cancel(false);
          giveUp.cancel(false);
        });
    return drained;
  }

  /** Stops accepting and closes every open socket; the loops stay (see {@link EdgeLoops#close}). */
  @Override
  public void close() {
    unbind();
    if (longPollSessions != null) {
      longPollSessions.close();
    }
    sockets.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    admission.close();
  }
}
