package io.herald.node.transport;

import io.herald.node.auth.AuthToken;
import io.herald.node.auth.Identity;
import io.herald.node.dispatch.SameLoopExecutorConfigurator;
import io.herald.node.socket.ConnectionActor;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Serializer;
import io.herald.protocol.Serializers;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection to {@code <socket-path>/longpoll} (Phoenix's long-poll transport), after
 * {@link UpgradeHandler} saw its first request. Requests are served one at a time, in order (reading
 * pauses while one is answered), and the connection is kept alive between them; one that has no
 * request for {@code herald.http.handshake-timeout} is closed.
 *
 * <ul>
 *   <li>{@code GET} without a session token opens a session, through the same {@link ConnectionAdmission}
 *       as a WebSocket upgrade, and answers {@code {"status":410,"token":..}};
 *   <li>{@code GET} with a token answers the session's queued frames, or waits up to the poll window;
 *   <li>{@code POST} hands an ndjson batch to the session;
 *   <li>{@code OPTIONS} answers a browser's CORS preflight for an allowed {@code Origin}.
 * </ul>
 *
 * A token names the session's node: when that is another node, the request is forwarded to it
 * ({@link LongPollEndpoint}). A token that is forged, expired or names a session or node that is gone
 * is answered {@code {"status":410}}. The status phoenix.js acts on is the body's; the HTTP status is 200,
 * except for refusals before a session opens (the body says 403 or 500, the HTTP status the refusal's).
 */
final class LongPollHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(LongPollHandler.class);
  /** Where phoenix.js 1.8.10+ sends the session token; older clients send the {@code token} param. */
  static final String TOKEN_HEADER = "x-phoenix-longpoll-token";
  static final String TOKEN_PARAM = "token";
  /** Where phoenix.js's long-poll transport sends its {@code authToken} option. */
  static final String AUTH_TOKEN_HEADER = "x-phoenix-authtoken";
  private static final String JSON = "application/json; charset=utf-8";
  private static final String NDJSON = "application/x-ndjson";
  /** How long a browser may cache a preflight's answer (as Phoenix: 20 days). */
  private static final long PREFLIGHT_MAX_AGE_SECONDS = TimeUnit.DAYS.toSeconds(20);
  /** The body status phoenix.js answers by reconnecting later (it knows no 429 or 503). */
  private static final int RETRY_LATER = 500;

  private final LongPollEndpoint endpoint;
  private final InetAddress client;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> idleTimer;
  /** The poll this connection waits on, if any, so that it stops waiting when the connection closes. */
  private LongPollSession waitingOn;
  private LongPollSession.Poll waitingPoll;

  LongPollHandler(LongPollEndpoint endpoint, InetAddress client) {
    this.endpoint = endpoint;
    this.client = client;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelIdle();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelIdle();
    if (waitingOn != null) {
      waitingOn.cancel(waitingPoll);
      waitingOn = null;
      waitingPoll = null;
    }
    super.channelInactive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    handle(request);
  }

  /** Serves one request; everything it needs of {@code request} is read before this returns. */
  void handle(FullHttpRequest request) {
    cancelIdle();
    // One request at a time: a pipelined one waits in the kernel until this one is answered.
    ctx.channel().config().setAutoRead(false);
    Request r = new Request(HttpUtil.isKeepAlive(request), request.headers().get(HttpHeaderNames.ORIGIN));
    if (!request.decoderResult().isSuccess()) {
      r.text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    if (!endpoint.path.equals(uri.path())) {
      r.text(HttpResponseStatus.NOT_FOUND, "not found\n");
      return;
    }
    HttpHeaders headers = request.headers();
    String host = headers.get(HttpHeaderNames.HOST);
    if (!endpoint.admission.originAllowed(r.origin, host)) {
      r.cors = false;
      r.json(HttpResponseStatus.FORBIDDEN, LongPollBodies.refusal(403, "origin not allowed"));
      return;
    }
    HttpMethod method = request.method();
    if (method == HttpMethod.OPTIONS) {
      preflight(r, headers);
    } else if (method == HttpMethod.GET) {
      get(r, request, uri);
    } else if (method == HttpMethod.POST) {
      post(r, request, uri);
    } else {
      r.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
    }
  }

  private void preflight(Request r, HttpHeaders headers) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS");
    String asked = headers.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
    if (asked != null) {
      response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, asked);
    }
    response.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS);
    r.send(response, null);
  }

  private void get(Request r, FullHttpRequest request, QueryStringDecoder uri) {
    String token = sessionToken(request, uri);
    if (token == null) {
      open(r, request, uri);
      return;
    }
    LongPollToken.Claims claims = endpoint.sessions.tokens().verify(token, System.currentTimeMillis());
    if (claims == null) {
      r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollSession.Status.GONE.code));
      return;
    }
    if (claims.node().equals(endpoint.sessions.node())) {
      LongPollSession session = endpoint.sessions.get(claims.session());
      if (session == null) {
        r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollSession.Status.GONE.code));
        return;
      }
      LongPollSession.Poll poll = answer -> pollAnswered(r, claims, answer.status().code, frames(answer));
      waitingOn = session;
      waitingPoll = poll;
      session.poll(poll, endpoint.sessions.now());
    } else if (!endpoint.reachable(claims.node())) {
      r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollSession.Status.GONE.code));
    } else {
      endpoint
          .forwardPoll(claims.node(), claims.session())
          .thenAccept(answer -> pollAnswered(r, claims, answer.status(), utf8(answer.messages())));
    }
  }

  private void pollAnswered(Request r, LongPollToken.Claims claims, int status, List<byte[]> messages) {
    if (status == LongPollSession.Status.GONE.code) {
      r.json(HttpResponseStatus.OK, LongPollBodies.status(status));
    } else {
      String fresh = endpoint.sessions.tokenFor(claims.node(), claims.session());
      r.json(HttpResponseStatus.OK, LongPollBodies.poll(status, fresh, messages));
    }
  }

  private void post(Request r, FullHttpRequest request, QueryStringDecoder uri) {
    LongPollToken.Claims claims = endpoint.sessions.tokens().verify(sessionToken(request, uri), System.currentTimeMillis());
    if (claims == null) {
      r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollSession.Status.GONE.code));
      return;
    }
    String body = request.content().toString(StandardCharsets.UTF_8);
    int max = endpoint.settings.longPoll().maxMessagesPerPost();
    String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    List<String> lines;
    if (contentType != null && contentType.startsWith(NDJSON)) {
      lines = LongPollBodies.splitLines(body, max);
    } else {
      lines = body.isEmpty() ? List.of() : List.of(body); // Phoenix's reading of a body that is not ndjson
    }
    if (lines == null) {
      r.json(HttpResponseStatus.OK, LongPollBodies.refusal(413, "more than " + max + " messages in one request"));
      return;
    }
    if (claims.node().equals(endpoint.sessions.node())) {
      LongPollSession session = endpoint.sessions.get(claims.session());
      LongPollSession.PostResult result =
          session == null ? LongPollSession.PostResult.GONE : session.post(LongPollBodies.lines(lines), endpoint.sessions.now());
      r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollBodies.status(result)));
    } else if (!endpoint.reachable(claims.node())) {
      r.json(HttpResponseStatus.OK, LongPollBodies.status(LongPollSession.Status.GONE.code));
    } else {
      endpoint
          .forwardPost(claims.node(), claims.session(), lines)
          .thenAccept(answer -> r.json(HttpResponseStatus.OK, LongPollBodies.status(answer.status())));
    }
  }

  /** Opens a session if {@link ConnectionAdmission} admits the connect, as it would a WebSocket upgrade. */
  private void open(Request r, FullHttpRequest request, QueryStringDecoder uri) {
    Map<String, String> params = new HashMap<>();
    uri.parameters().forEach((k, v) -> params.put(k, v.isEmpty() ? "" : v.get(v.size() - 1)));
    Serializer serializer;
    try {
      serializer = Serializers.forVsn(params.remove("vsn"));
    } catch (ProtocolException e) {
      r.json(HttpResponseStatus.FORBIDDEN, LongPollBodies.refusal(403, e.reason()));
      return;
    }
    HttpHeaders headers = request.headers();
    String authToken = headers.get(AUTH_TOKEN_HEADER);
    // phoenix.js sends its authToken option raw in a header here; the admission reads it in the form the
    // WebSocket transport carries it (the sub-protocol).
    String subprotocols =
        authToken == null || authToken.isEmpty()
            ? null
            : AuthToken.SUB_PROTOCOL_PREFIX
                + Base64.getEncoder().withoutPadding().encodeToString(authToken.getBytes(StandardCharsets.ISO_8859_1));
    ConnectionAdmission.Decision decision =
        endpoint.admission.screen(
            client, endpoint.openConnections.getAsInt(), params, r.origin, headers.get(HttpHeaderNames.HOST), subprotocols);
    if (decision instanceof ConnectionAdmission.Refuse refuse) {
      refused(r, refuse);
    } else if (decision instanceof ConnectionAdmission.Admit admit) {
      start(r, params, serializer, admit.identity());
    } else {
      endpoint.admission.verify(
          (ConnectionAdmission.CheckToken) decision,
          ctx.executor(),
          verified -> {
            if (!ctx.channel().isActive()) {
              return;
            }
            if (verified instanceof ConnectionAdmission.Admit admit) {
              start(r, params, serializer, admit.identity());
            } else {
              refused(r, (ConnectionAdmission.Refuse) verified);
            }
          });
    }
  }

  private void refused(Request r, ConnectionAdmission.Refuse refuse) {
    log.debug("refused long-poll connect from {}: {}", ctx.channel().remoteAddress(), refuse.reason());
    int status = refuse.status() == HttpResponseStatus.FORBIDDEN ? 403 : RETRY_LATER;
    r.retryAfterSeconds = refuse.retryAfterSeconds();
    r.json(refuse.status(), LongPollBodies.refusal(status, refuse.reason()));
  }

  private void start(Request r, Map<String, String> params, Serializer serializer, Identity identity) {
    LongPollSession session =
        endpoint.sessions.open(serializer, Objects.toString(ctx.channel().remoteAddress()), ctx.channel().eventLoop());
    ActorRef<ConnectionActor.Command> connection =
        Adapter.spawnAnonymous(
            endpoint.system,
            ConnectionActor.create(session, Map.copyOf(params), identity, endpoint.deps),
            SameLoopExecutorConfigurator.DISPATCHER);
    session.attach(m -> connection.tell(new ConnectionActor.Inbound(m)), () -> connection.tell(new ConnectionActor.Disconnected()));
    String token = endpoint.sessions.tokenFor(endpoint.sessions.node(), session.id());
    r.json(HttpResponseStatus.OK, LongPollBodies.poll(LongPollSession.Status.GONE.code, token, List.of()));
  }

  /**
   * The session token: the header, else the last {@code token} param that has a session token's form
   * (phoenix.js appends its session token after the connect params, which may hold a {@code token} of
   * their own, such as a JWT).
   */
  static String sessionToken(FullHttpRequest request, QueryStringDecoder uri) {
    String header = request.headers().get(TOKEN_HEADER);
    if (header != null && !header.isEmpty()) {
      return header;
    }
    List<String> values = uri.parameters().get(TOKEN_PARAM);
    if (values == null) {
      return null;
    }
    for (int i = values.size() - 1; i >= 0; i--) {
      if (LongPollToken.looksLikeToken(values.get(i))) {
        return values.get(i);
      }
    }
    return null;
  }

  private static List<byte[]> frames(LongPollSession.Answer answer) {
    List<byte[]> frames = new ArrayList<>(answer.messages().size());
    answer.messages().forEach(f -> frames.add(f.bytes()));
    return frames;
  }

  private static List<byte[]> utf8(List<String> messages) {
    List<byte[]> frames = new ArrayList<>(messages.size());
    messages.forEach(m -> frames.add(m.getBytes(StandardCharsets.UTF_8)));
    return frames;
  }

  private void cancelIdle() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  /** Between requests: a connection that sends none for the handshake timeout is closed. */
  private void awaitNext() {
    ctx.channel().config().setAutoRead(true);
    long millis = endpoint.settings.http().handshakeTimeout().toMillis();
    idleTimer = ctx.executor().schedule(() -> ctx.close(), millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("long-poll connection error from {}", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  /** One request being answered: exactly one response, written on the connection's event loop. */
  private final class Request {
    final boolean keepAlive;
    final String origin;
    boolean cors = true;
    long retryAfterSeconds;
    private boolean answered;

    Request(boolean keepAlive, String origin) {
      this.keepAlive = keepAlive;
      this.origin = origin;
    }

    void json(HttpResponseStatus status, byte[] body) {
      send(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body)), JSON);
    }

    void text(HttpResponseStatus status, String body) {
      send(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)), "text/plain; charset=utf-8");
    }

    void send(FullHttpResponse response, String contentType) {
      if (!ctx.executor().inEventLoop()) {
        ctx.executor().execute(() -> send(response, contentType));
        return;
      }
      if (answered || !ctx.channel().isActive()) {
        response.release();
        return;
      }
      answered = true;
      waitingOn = null;
      waitingPoll = null;
      HttpHeaders h = response.headers();
      if (contentType != null) {
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
      }
      h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
      if (retryAfterSeconds > 0) {
        h.set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
      }
      if (cors && origin != null) {
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        h.set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
      }
      HttpUtil.setContentLength(response, response.content().readableBytes());
      if (keepAlive) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        awaitNext();
      } else {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
