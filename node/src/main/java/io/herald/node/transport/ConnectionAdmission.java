package io.herald.node.transport;

import com.nimbusds.jwt.SignedJWT;
import com.sun.management.UnixOperatingSystemMXBean;
import io.herald.node.auth.AuthToken;
import io.herald.node.auth.Identity;
import io.herald.node.auth.OriginCheck;
import io.herald.node.auth.Revocations;
import io.herald.node.auth.TokenRejected;
import io.herald.node.auth.TokenVerifier;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before the WebSocket upgrade, whether a connect may open a socket on this node. Checks run
 * cheapest first, so that a refused connect costs little and spends nothing a valid one needs:
 *
 * <ol>
 *   <li>connects per second from the client's address ({@link AddressLimits}): 429 + Retry-After;
 *   <li>the {@code Origin} check: 403;
 *   <li>with auth required, the token's presence and form (a compact JWS naming an algorithm of the
 *       configured key; no cryptography): 403;
 *   <li>the socket count against {@code herald.http.max-connections} (by default the process's
 *       file-descriptor limit minus a reserve, so running out of descriptors refuses new connects
 *       instead of failing existing ones): 503 + Retry-After;
 *   <li>the token's signature and claims, on the {@link TokenVerificationPool} (503 + Retry-After when
 *       its queue is full), then revocation: 403;
 *   <li>last, the node-wide rate of new connections: 503 + Retry-After. Only connects that passed every
 *       other check spend it, so a flood of bad connects cannot lock valid clients out of it.
 * </ol>
 *
 * <p>It also counts, per address, the connections that have not upgraded yet. Shared by every event
 * loop of the edge.
 */
final class ConnectionAdmission implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionAdmission.class);
  /** A connect that found the verification queue full may try again at once: the queue drains fast. */
  private static final long VERIFICATION_BUSY_RETRY_SECONDS = 1;

  /** The outcome for one connect. */
  sealed interface Decision {}

  /** Open the socket for this identity. */
  record Admit(Identity identity) implements Decision {}

  /** Answer {@code status} with {@code reason}; {@code retryAfterSeconds} > 0 adds a Retry-After. */
  record Refuse(HttpResponseStatus status, String reason, long retryAfterSeconds) implements Decision {}

  /** Passed every cheap check; decided by {@link #verify}, which checks the token's signature. */
  record CheckToken(SignedJWT token) implements Decision {}

  private final int maxConnections;
  private final TokenBucket newConnections;
  private final LongSupplier nanoClock;
  private final OriginCheck originCheck;
  private final TokenVerifier tokenVerifier;
  private final String tokenParam;
  private final NodeMetrics metrics;
  private final Revocations revocations;
  private final AddressLimits addressLimits;
  /** Null when auth is off. */
  private final TokenVerificationPool pool;
  private final Executor verification;
  private final String limits;

  ConnectionAdmission(HeraldSettings settings, Revocations revocations, NodeMetrics metrics, LongSupplier nanoClock) {
    this(settings, revocations, metrics, nanoClock, null);
  }

  /** @param verification where token signatures are checked; null: a {@link TokenVerificationPool} */
  ConnectionAdmission(
      HeraldSettings settings, Revocations revocations, NodeMetrics metrics, LongSupplier nanoClock, Executor verification) {
    this.revocations = revocations;
    HeraldSettings.Http http = settings.http();
    HeraldSettings.Auth auth = settings.auth();
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.maxConnections = http.maxConnections() > 0 ? http.maxConnections() : fromDescriptorLimit(http.fdReserve());
    int perSecond = http.newConnectionsPerSecond();
    this.newConnections = perSecond > 0 ? new TokenBucket(perSecond, perSecond, nanoClock.getAsLong()) : null;
    this.addressLimits = new AddressLimits(http.perAddress());
    boolean authRequired = auth.mode() == HeraldSettings.AuthMode.REQUIRED;
    boolean checkOrigin =
        switch (http.checkOrigin()) {
          case ON -> true;
          case OFF -> false;
          case AUTO -> authRequired;
        };
    this.originCheck = checkOrigin ? OriginCheck.of(http.allowedOrigins()) : null;
    this.tokenVerifier = authRequired ? TokenVerifier.from(auth) : null;
    this.pool = authRequired && verification == null ? new TokenVerificationPool(http.tokenVerification()) : null;
    this.verification = pool != null ? pool.executor() : verification;
    this.tokenParam = auth.tokenParam();
    this.limits =
        String.format(
            "at most %d sockets, %s new per second, %s, origin check %s%s",
            maxConnections,
            perSecond > 0 ? perSecond : "unlimited",
            addressLimits.describe(),
            checkOrigin ? (http.allowedOrigins().isEmpty() ? "on (same host)" : "on " + http.allowedOrigins()) : "off",
            pool != null ? ", " + pool.describe() : "");
  }

  /**
   * Whether a request with this {@code Origin} may be served (long-poll requests and their CORS
   * preflights): the check connects get, true when it is off or the request has no Origin.
   */
  boolean originAllowed(String origin, String host) {
    return origin == null || originCheck == null || originCheck.allows(origin, host);
  }

  /** The limits this admission applies, for the start-up log. */
  String limits() {
    return limits;
  }

  int maxConnections() {
    return maxConnections;
  }

  /** What the per-address limits count a connection from {@code remote} as; null: none applies. */
  InetAddress clientOf(SocketAddress remote) {
    return addressLimits.clientOf(remote);
  }

  /**
   * A new connection from {@code client} (from {@link #clientOf}; null passes): false when that address
   * already holds as many connections that have not upgraded as it may. A true must be followed by one
   * {@link #pendingEnded} when the connection upgrades or closes.
   */
  boolean openPending(InetAddress client) {
    if (client == null || addressLimits.openPending(client)) {
      return true;
    }
    metrics.connectsRefused.labelValues("address-pending").inc();
    return false;
  }

  void pendingEnded(InetAddress client) {
    if (client != null) {
      addressLimits.pendingEnded(client);
    }
  }

  /** For tests: the connections of {@code client} that have not upgraded yet. */
  int pending(InetAddress client) {
    return addressLimits.pending(client);
  }

  /**
   * The checks that need no cryptography, on the event loop: an {@link Admit} or {@link Refuse} when they
   * decide, a {@link CheckToken} for {@link #verify} when a token must be verified.
   *
   * @param client from {@link #clientOf}; null: no per-address limit
   * @param openConnections connections open on this node, this one included
   * @param params the connect params; when auth is required the token param is removed from them
   */
  Decision screen(
      InetAddress client, int openConnections, Map<String, String> params, String origin, String host, String subprotocols) {
    if (client != null) {
      long retryAfter = addressLimits.takeConnect(client, nanoClock.getAsLong());
      if (retryAfter > 0) {
        return refuse(HttpResponseStatus.TOO_MANY_REQUESTS, "too many connects from this address", "address-rate", retryAfter);
      }
    }
    if (originCheck != null && !originCheck.allows(origin, host)) {
      return refuse(HttpResponseStatus.FORBIDDEN, "origin not allowed", "origin", 0);
    }
    if (tokenVerifier == null) {
      Refuse full = checkCount(openConnections);
      if (full != null) {
        return full;
      }
      Refuse fast = takeNewConnection();
      return fast != null ? fast : new Admit(Identity.anonymous()); // params untouched: a handler may read its own token, as in Phoenix
    }
    String token = AuthToken.from(params, tokenParam, subprotocols);
    params.remove(tokenParam); // a verified credential: channel handlers get the identity instead
    SignedJWT parsed;
    try {
      parsed = tokenVerifier.parse(token);
    } catch (TokenRejected e) {
      return refuse(HttpResponseStatus.FORBIDDEN, e.reason(), "auth", 0);
    }
    Refuse full = checkCount(openConnections);
    return full != null ? full : new CheckToken(parsed);
  }

  /**
   * Verifies the token of a {@link CheckToken} on the verification pool and hands the decision to
   * {@code then} on {@code loop} (the connection's event loop; revocation and the node's connect rate are
   * checked there). When the pool's queue is full, {@code then} gets a 503 at once, on the caller's thread.
   */
  void verify(CheckToken check, Executor loop, Consumer<Decision> then) {
    try {
      verification.execute(
          () -> {
            Identity identity;
            String rejected;
            try {
              identity = tokenVerifier.verifySignature(check.token());
              rejected = null;
            } catch (TokenRejected e) {
              identity = null;
              rejected = e.reason();
            }
            Identity verified = identity;
            String reason = rejected;
            try {
              loop.execute(() -> then.accept(reason != null ? refuse(HttpResponseStatus.FORBIDDEN, reason, "auth", 0) : admitVerified(verified)));
            } catch (RejectedExecutionException loopClosed) {
              log.debug("event loop closed while a token was verified");
            }
          });
    } catch (RejectedExecutionException full) {
      then.accept(
          refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connects verifying", "verification", VERIFICATION_BUSY_RETRY_SECONDS));
    }
  }

  private Decision admitVerified(Identity identity) {
    if (revocations.isRevoked(identity)) {
      return refuse(HttpResponseStatus.FORBIDDEN, "revoked", "auth", 0);
    }
    Refuse fast = takeNewConnection();
    return fast != null ? fast : new Admit(identity);
  }

  private Refuse checkCount(int openConnections) {
    return openConnections > maxConnections
        ? refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connections", "connections", 1)
        : null;
  }

  private Refuse takeNewConnection() {
    if (newConnections == null) {
      return null;
    }
    long retryAfter;
    synchronized (newConnections) {
      retryAfter = newConnections.tryTake(nanoClock.getAsLong()) ? 0 : newConnections.secondsUntilNextToken();
    }
    return retryAfter > 0 ? refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many new connections", "rate", retryAfter) : null;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
  }

  private Refuse refuse(HttpResponseStatus status, String reason, String metricReason, long retryAfterSeconds) {
    metrics.connectsRefused.labelValues(metricReason).inc();
    return new Refuse(status, reason, retryAfterSeconds);
  }

  private static int fromDescriptorLimit(int reserve) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof UnixOperatingSystemMXBean unix) {
      long limit = unix.getMaxFileDescriptorCount();
      if (limit - reserve < 1) {
        throw new IllegalStateException(
            "the file-descriptor limit (" + limit + ") leaves no room for sockets after herald.http.fd-reserve (" + reserve + ")");
      }
      return (int) Math.min(Integer.MAX_VALUE, limit - reserve);
    }
    log.warn("cannot read the file-descriptor limit here; set herald.http.max-connections");
    return Integer.MAX_VALUE;
  }
}
