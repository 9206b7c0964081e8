package io.herald.loadtest.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The harness's threads and socket factory: {@code loops} event loop threads for the subscriber (or
 * idle) sockets and, for fan-out, one more for the publisher, so that the publisher keeps its schedule
 * while the subscribers are busy (phx-bench's {@code --workers 1} does the same with a process).
 * Native epoll where available.
 */
final class Clients implements AutoCloseable {
  private final boolean epoll;
  private final EventLoopGroup subscriberLoops;
  private final EventLoopGroup publisherLoop;
  private final Bootstrap bootstrap;
  private final List<EventLoop> loops = new ArrayList<>();
  final List<Target> targets;
  final Options options;

  Clients(Options o, boolean withPublisher, PrintStream progress) {
    this.options = o;
    this.targets = Target.all(o.strings("url"));
    this.epoll = Epoll.isAvailable();
    if (!epoll) progress.println("WARNING: native epoll unavailable (" + Epoll.unavailabilityCause() + "), using NIO");
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    int n = Math.max(1, o.integer("loops"));
    // A sleeping subscriber loop must be woken for each delivery, and on loopback that wake-up is done
    // (and charged) in the server's send; a spinning loop is awake already. Diagnostic, costs a core.
    IoHandlerFactory subscriberIo = epoll && o.integer("busy-poll") == 1
        ? EpollIoHandler.newFactory(0, () -> (selectNow, hasTasks) -> hasTasks ? selectNow.get() : SelectStrategy.BUSY_WAIT)
        : io;
    this.subscriberLoops = new MultiThreadIoEventLoopGroup(n, subscriberIo);
    this.publisherLoop = withPublisher ? new MultiThreadIoEventLoopGroup(1, io) : null;
    for (int i = 0; i < n; i++) loops.add(subscriberLoops.next());
    this.bootstrap = SocketGroup.configure(
        new Bootstrap().group(subscriberLoops).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class),
        o.number("connect-timeout"));
  }

  String transport() {
    return epoll ? "epoll" : "nio";
  }

  /** One group per subscriber loop; socket i of a run belongs to group {@code i mod loops}. */
  List<SocketGroup> subscriberGroups(List<InetSocketAddress> sources, double heartbeatSeconds) {
    List<SocketGroup> groups = new ArrayList<>();
    int perLoop = Math.max(1, options.integer("concurrency") / loops.size());
    for (EventLoop loop : loops) {
      groups.add(group(loop, sources, perLoop, heartbeatSeconds, true));
    }
    return groups;
  }

  SocketGroup publisherGroup(List<InetSocketAddress> sources) {
    return group(publisherLoop.next(), sources, options.integer("concurrency"), options.number("heartbeat"), false);
  }

  private SocketGroup group(EventLoop loop, List<InetSocketAddress> sources, int concurrency, double heartbeat,
                            boolean recordLatency) {
    String event = options.command().equals("fanout") ? options.str("event") : "shout";
    return new SocketGroup(loop, bootstrap, targets, sources, options.str("prefix"), event, concurrency,
        options.number("join-timeout"), heartbeat, recordLatency);
  }

  /** Specs for sockets {@code 0..n-1} of the group with index {@code g} of {@code groups}: socket i joins topic i mod T. */
  static List<SocketGroup.Spec> spread(int n, int topics, int g, int groups) {
    List<SocketGroup.Spec> specs = new ArrayList<>();
    for (int i = g; i < n; i += groups) specs.add(new SocketGroup.Spec(i, new int[] {i % topics}));
    return specs;
  }

  @Override
  public void close() {
    subscriberLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    if (publisherLoop != null) {
      publisherLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
