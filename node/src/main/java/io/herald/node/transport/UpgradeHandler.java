package io.herald.node.transport;

import io.herald.node.dispatch.SameLoopExecutorConfigurator;
import io.herald.node.auth.Identity;
import io.herald.node.socket.ConnectionActor;
import io.herald.node.config.HeraldSettings;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Serializer;
import io.herald.protocol.Serializers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the public port: answers Phoenix's WebSocket upgrade at
 * {@code <socket-path>/websocket}, negotiating the protocol version from {@code vsn} (missing is
 * 1.0.0 as in Phoenix; unsupported is HTTP 403), asking {@link ConnectionAdmission} whether the
 * connect may open a socket (429 or 503 with Retry-After, or 403; a token's signature is checked off the
 * event loop, and the upgrade goes on here on the connection's loop), and answering the {@code phoenix}
 * sub-protocol when offered. After the upgrade it replaces itself with a {@link FrameHandler} and the socket's
 * {@link ConnectionActor}; frames the client sent right behind its request are kept for them. A request to
 * {@code <socket-path>/longpoll} hands the connection to a {@link LongPollHandler}. A {@code GET} of
 * one of the {@link StaticAssets} (the demo chat page at {@code /} among them) serves it.
 */
final class UpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(UpgradeHandler.class);
  private static final String SUBPROTOCOL = "phoenix";

  private final HeraldSettings settings;
  private final ActorSystem system;
  private final ConnectionActor.Dependencies deps;
  private final MalformedFrameLog malformedLog;
  private final String websocketPath;
  private final StaticAssets assets;
  private final ConnectionAdmission admission;
  private final IntSupplier openConnections;
  /** Null when long-poll is off. */
  private final LongPollEndpoint longPoll;
  /** The client's address as the per-address limits count it (null: none applies); counted as pending. */
  private final InetAddress client;
  private ScheduledFuture<?> upgradeDeadline;
  /** Bytes read after the upgrade request, for the WebSocket decoder; null until the request is accepted. */
  private List<ByteBuf> heldInput;

  UpgradeHandler(
      HeraldSettings settings,
      ActorSystem system,
      ConnectionActor.Dependencies deps,
      MalformedFrameLog malformedLog,
      StaticAssets assets,
      ConnectionAdmission admission,
      IntSupplier openConnections,
      InetAddress client,
      LongPollEndpoint longPoll) {
    this.settings = settings;
    this.longPoll = longPoll;
    this.client = client;
    this.admission = admission;
    this.openConnections = openConnections;
    this.system = system;
    this.deps = deps;
    this.malformedLog = malformedLog;
    this.websocketPath = settings.http().socketPath() + "/websocket";
    this.assets = assets;
  }

  /** A connection that has not upgraded within the handshake timeout is cut: it must not hold a descriptor. */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Cancelled in handlerRemoved (upgrade or close), on this same event loop: if it runs, no upgrade came.
    upgradeDeadline =
        ctx.executor()
            .schedule(
                () -> {
                  log.debug("no upgrade from {} within {}", ctx.channel().remoteAddress(), settings.http().handshakeTimeout());
                  ctx.close();
                },
                settings.http().handshakeTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
  }

  /** Upgraded (or closed): the deadline task need not wait in the event loop's queue. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (upgradeDeadline != null) {
      upgradeDeadline.cancel(false);
    }
    admission.pendingEnded(client);
    if (heldInput != null) { // closed before the upgrade
      heldInput.forEach(ByteBuf::release);
      heldInput = null;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (heldInput != null && msg instanceof ByteBuf bytes) {
      heldInput.add(bytes); // sent after the upgrade request: WebSocket frames for after the 101
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      refuseUndecodable(ctx, request, request.decoderResult().cause());
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    StaticAssets.Asset asset = request.method() == HttpMethod.GET ? assets.get(uri.path()) : null;
    if (asset != null) {
      respond(ctx, HttpResponseStatus.OK, asset.contentType(), Unpooled.wrappedBuffer(asset.body()));
      return;
    }
    if (longPoll != null && longPoll.path.equals(uri.path())) {
      // A long-poll connection from now on: it stops counting as a pending upgrade, and its handler
      // keeps it alive between requests.
      LongPollHandler handler = new LongPollHandler(longPoll, client);
      ctx.pipeline().replace(this, "longpoll", handler);
      handler.handle(request);
      return;
    }
    if (!websocketPath.equals(uri.path())) {
      respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found\n");
      return;
    }
    if (request.method() != HttpMethod.GET) {
      respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
      return;
    }
    Map<String, String> params = connectParams(uri);
    Serializer serializer;
    try {
      serializer = Serializers.forVsn(params.remove("vsn"));
    } catch (ProtocolException e) {
      respond(ctx, request, HttpResponseStatus.FORBIDDEN, e.reason() + "\n");
      return;
    }
    HttpHeaders headers = request.headers();
    ConnectionAdmission.Decision decision =
        admission.screen(
            client,
            openConnections.getAsInt(),
            params,
            headers.get(HttpHeaderNames.ORIGIN),
            headers.get(HttpHeaderNames.HOST),
            headers.get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
    if (decision instanceof ConnectionAdmission.Refuse refuse) {
      refuse(ctx, refuse);
      return;
    }
    holdInput(ctx);
    if (decision instanceof ConnectionAdmission.Admit admit) {
      upgrade(ctx, request, params, serializer, admit.identity());
      return;
    }
    FullHttpRequest kept = request.retainedDuplicate(); // released when the verification has decided
    admission.verify(
        (ConnectionAdmission.CheckToken) decision,
        ctx.executor(),
        verified -> {
          try {
            if (!ctx.channel().isActive()) {
              return; // the client left, or the handshake deadline passed, while its token was checked
            }
            if (verified instanceof ConnectionAdmission.Admit admit) {
              upgrade(ctx, kept, params, serializer, admit.identity());
            } else {
              refuse(ctx, (ConnectionAdmission.Refuse) verified);
            }
          } catch (RuntimeException e) { // as exceptionCaught would for the same failure on the read path
            exceptionCaught(ctx, e);
          } finally {
            kept.release();
          }
        });
  }

  /**
   * From here on the HTTP decoder is gone: a client may send its first frames right behind the upgrade
   * request, even in the same TCP segment, and the decoder would take them for the next HTTP request.
   * Its unread bytes, and anything read before the upgrade completes, come to {@link #channelRead} and
   * are held until the 101 is written. Reading pauses meanwhile, so at most one read is held.
   */
  private void holdInput(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(false);
    heldInput = new ArrayList<>();
    ctx.pipeline().remove(HttpObjectAggregator.class); // the bytes must come here, past it
    ctx.pipeline().get(HttpServerCodec.class).removeInboundHandler(); // the encoder stays for the answer
  }

  private void upgrade(
      ChannelHandlerContext ctx, FullHttpRequest request, Map<String, String> params, Serializer serializer, Identity identity) {
    HttpHeaders headers = request.headers();
    String url = "ws://" + headers.get(HttpHeaderNames.HOST, "localhost") + websocketPath;
    // The decoder reports violations to FrameHandler instead of closing by itself, so that every close
    // the server makes carries Herald's reason and is counted by its code.
    WebSocketDecoderConfig decoderConfig =
        WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(settings.http().maxFrameSize())
            .allowExtensions(false)
            .closeOnProtocolViolation(false)
            .build();
    WebSocketServerHandshakerFactory factory = new WebSocketServerHandshakerFactory(url, SUBPROTOCOL, decoderConfig);
    WebSocketServerHandshaker handshaker = factory.newHandshaker(request);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ActorRef<ConnectionActor.Command> connection =
        Adapter.spawnAnonymous(
            system,
            ConnectionActor.create(
                new ChannelOutlet(ctx.channel(), serializer, settings.socket().slowConsumerCloseTimeout()),
                Map.copyOf(params),
                identity,
                deps),
            SameLoopExecutorConfigurator.DISPATCHER);
    ctx.pipeline()
        .addAfter(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(settings.http().maxFrameSize()))
        .addAfter(
            "ws-aggregator",
            "frames",
            new FrameHandler(
                serializer,
                connection,
                malformedLog,
                settings.socket().slowConsumerCloseTimeout(),
                settings.socket().idleTimeout(),
                settings.socket().rateLimit(),
                settings.socket().maxTopicLength(),
                deps.metrics()));
    handshaker
        .handshake(ctx.channel(), request)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("handshake with {} failed", ctx.channel().remoteAddress(), f.cause());
                ctx.channel().close();
                return;
              }
              // The 101 is out and the WebSocket decoder first in the pipeline: the held bytes go to it.
              List<ByteBuf> held = heldInput;
              heldInput = null;
              ctx.pipeline().remove(this);
              for (ByteBuf bytes : held) {
                ctx.pipeline().fireChannelRead(bytes);
              }
              if (!held.isEmpty()) {
                ctx.pipeline().fireChannelReadComplete();
              }
              ctx.channel().config().setAutoRead(true);
            });
  }

  /**
   * A request the HTTP decoder gave up on: a request line or header block over
   * {@code herald.http.max-handshake-request-size} gets 414 or 431, anything else unreadable 400.
   */
  private static void refuseUndecodable(ChannelHandlerContext ctx, FullHttpRequest request, Throwable cause) {
    log.debug("undecodable HTTP request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    if (cause instanceof TooLongHttpLineException) {
      respond(ctx, request, HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long\n");
    } else if (cause instanceof TooLongHttpHeaderException) {
      respond(ctx, request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large\n");
    } else {
      respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad request\n");
    }
  }

  /** The query string as Phoenix's connect params; a repeated key keeps its last value. */
  private static Map<String, String> connectParams(QueryStringDecoder uri) {
    // Mutable while the connect is checked (vsn is taken out); the socket keeps an immutable copy.
    Map<String, String> params = new HashMap<>();
    uri.parameters().forEach((k, v) -> params.put(k, v.isEmpty() ? "" : v.get(v.size() - 1)));
    return params;
  }

  private static void refuse(ChannelHandlerContext ctx, ConnectionAdmission.Refuse refuse) {
    log.debug("refused connect from {}: {}", ctx.channel().remoteAddress(), refuse.reason()); // debug: clients choose, logs must not flood
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, refuse.status(), Unpooled.copiedBuffer(refuse.reason() + "\n", StandardCharsets.UTF_8));
    if (refuse.retryAfterSeconds() > 0) {
      response.headers().set(HttpHeaderNames.RETRY_AFTER, refuse.retryAfterSeconds());
    }
    send(ctx, response, "text/plain; charset=utf-8");
  }

  private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String body) {
    respond(ctx, status, "text/plain; charset=utf-8", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, ByteBuf body) {
    send(ctx, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body), contentType);
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse response, String contentType) {
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("HTTP error from {}", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
