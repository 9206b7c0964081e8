package io.herald.node.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Sits before the HTTP aggregator until a connection's first request: a request to the long-poll path
 * gets an aggregator that takes POST bodies up to {@code herald.longpoll.max-body-size}; every other
 * request keeps the upgrade's bound ({@code herald.http.max-handshake-request-size}), so that a body
 * sent to the WebSocket path is still refused at that size.
 */
final class LongPollRoute extends ChannelInboundHandlerAdapter {
  static final String AGGREGATOR = "http-aggregator";

  private final String path;
  private final int maxBody;

  LongPollRoute(String path, int maxBody) {
    this.path = path;
    this.maxBody = maxBody;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      String uri = request.uri();
      int query = uri.indexOf('?');
      if (path.equals(query < 0 ? uri : uri.substring(0, query))) {
        ctx.pipeline().replace(AGGREGATOR, AGGREGATOR, new HttpObjectAggregator(maxBody));
      }
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }
}
