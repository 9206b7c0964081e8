package io.herald.node.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failures of the listening socket, such as "Too many open files" from accept, at most once a
 * minute. Netty's acceptor then pauses accepting for a second and tries again; open sockets are not
 * touched (Phoenix's listener crashes and drops every socket in this case).
 */
@ChannelHandler.Sharable
final class AcceptFailureLog extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(AcceptFailureLog.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private long lastLogged = System.nanoTime() - LOG_INTERVAL_NANOS;
  private long suppressed;

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    long now = System.nanoTime(); // the listening socket's events all run on its one event loop
    if (now - lastLogged >= LOG_INTERVAL_NANOS) {
      log.warn("accepting connections failed ({} more since the last report): {}", suppressed, cause.toString());
      lastLogged = now;
      suppressed = 0;
    } else {
      suppressed++;
    }
    ctx.fireExceptionCaught(cause); // Netty's acceptor pauses accepting briefly
  }
}
