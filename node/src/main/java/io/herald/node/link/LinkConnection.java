package io.herald.node.link;

import io.herald.node.metrics.NodeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection of a node link, both ways: frames from the other node go to this node's fan-out
 * or shard region on the connection's event loop (so the actors run there, the same-loop dispatcher),
 * and this node's frames for it are written on that loop.
 *
 * <p>The connecting side ({@code dialer}) says hello first; the accepting side takes no other frame
 * before a hello from a current member that is entitled to connect to it ({@link PeerLinks#accepted}),
 * and answers with its own hello. Each side counts the link connected only then, so a connection the
 * other side refuses (it is still starting, or does not know this member yet) never carries frames.
 */
final class LinkConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(LinkConnection.class);

  private final PeerLinks links;
  private final NodeMetrics metrics;
  private final boolean dialer;
  private final Runnable flush = this::flush;
  private volatile Channel channel;
  /** The node at the other end: known from the start when dialing, after its hello when accepting. */
  private PeerLink peer;
  /** Both hellos exchanged. */
  private boolean open;
  private boolean flushScheduled;

  LinkConnection(PeerLinks links, NodeMetrics metrics, PeerLink peer) {
    this.links = links;
    this.metrics = metrics;
    this.dialer = peer != null;
    this.peer = peer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    if (dialer) {
      ctx.writeAndFlush(links.hello(ctx.alloc()));
    }
    ctx.fireChannelActive();
  }

  /** The accepting side's hello, written at once (it runs on the loop, before any held frame). */
  void sendHello(ByteBuf hello) {
    channel.writeAndFlush(hello);
  }

  /**
   * Writes {@code frame} on the connection's loop, always as a task of the loop, even from the loop
   * itself: an actor's turns can run on different threads, and a write made directly on the loop
   * would overtake the same actor's earlier writes still queued from another thread.
   */
  void send(ByteBuf frame) {
    Channel ch = channel;
    try {
      ch.eventLoop().execute(() -> write(ch, frame));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      frame.release(); // the node is stopping
      metrics.linkDropped.labelValues("closed").inc();
    }
  }

  private void write(Channel ch, ByteBuf frame) {
    if (!ch.isActive()) {
      frame.release();
      metrics.linkDropped.labelValues("closed").inc();
      return;
    }
    if (!ch.isWritable()) {
      frame.release();
      metrics.linkDropped.labelValues("unwritable").inc();
      return;
    }
    ch.write(frame, ch.voidPromise());
    metrics.linkSent.inc();
    if (!flushScheduled) {
      // One flush after the writes queued now: a burst of deliveries leaves in one system call.
      flushScheduled = true;
      ch.eventLoop().execute(flush);
    }
  }

  private void flush() {
    flushScheduled = false;
    Channel ch = channel;
    if (ch != null) {
      ch.flush();
    }
  }

  void close() {
    Channel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      LinkFrames.Frame read = LinkFrames.read(frame);
      if (read instanceof LinkFrames.Hello hello) {
        if (open) {
          throw new LinkFrames.BadFrame("a second hello");
        }
        if (dialer) {
          // The accepting node's answer: the node this side dialled, and it took the connection.
          if (hello.uid() != peer.uid || !peer.connected(this)) {
            ctx.close();
            return;
          }
        } else {
          peer = links.accepted(hello, this);
          if (peer == null) {
            ctx.close();
            return;
          }
        }
        open = true;
        return;
      }
      if (!open) {
        throw new LinkFrames.BadFrame("a message before hello");
      }
      links.received(read);
      metrics.linkReceived.inc();
    } catch (RuntimeException e) {
      log.warn("link {} from {}: {}; closing it", peer == null ? "(no hello yet)" : peer.address, ctx.channel().remoteAddress(), e.toString());
      ctx.close();
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer != null) {
      links.closed(peer, this, dialer, open);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("link to {}: {}", peer == null ? ctx.channel().remoteAddress() : peer.address, cause.toString());
    ctx.close();
  }
}
