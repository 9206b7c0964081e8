package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The transport and event loops the node's socket edges run on: one acceptor loop and one loop per
 * core (or {@code herald.http.event-loop-threads}), native epoll where available.
 *
 * <p>The start-up warm-up's edge and the public edge share them, so what the warm-up prepares stays
 * with the threads the public edge uses: each loop's buffer caches and thread locals, and code compiled
 * for these very loops. On loops of its own the public edge met all of that for the first time with
 * its first users (docs/benchmarks.md, "Cold start").
 */
public final class EdgeLoops implements AutoCloseable {
  private final boolean epoll;
  private final int threads;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;

  private EdgeLoops(boolean epoll, int threads) {
    this.epoll = epoll;
    this.threads = threads;
    this.acceptor = new MultiThreadIoEventLoopGroup(1, ioHandlerFactory());
    this.workers = new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
  }

  /** The loops {@code http} asks for; their threads start with the first channel. */
  public static EdgeLoops create(HeraldSettings.Http http) {
    boolean epoll = http.nativeTransport() && Epoll.isAvailable();
    int threads = http.eventLoopThreads() > 0 ? http.eventLoopThreads() : Runtime.getRuntime().availableProcessors();
    return new EdgeLoops(epoll, threads);
  }

  public EventLoopGroup acceptor() {
    return acceptor;
  }

  public EventLoopGroup workers() {
    return workers;
  }

  int threads() {
    return threads;
  }

  String transportName() {
    return epoll ? "epoll" : "nio";
  }

  public Class<? extends ServerChannel> serverChannelType() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** A new I/O handler of this transport, for client loops of the node's own (the warm-up's). */
  public IoHandlerFactory ioHandlerFactory() {
    return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** Client sockets of this transport: the same channel class as the edge's own sockets. */
  public Class<? extends SocketChannel> clientChannelType() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** Stops the loops; the edges on them must be closed first. */
  @Override
  public void close() {
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
