package io.herald.node.transport;

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
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before the WebSocket upgrade, whether a connect may open a socket on this node: the socket
 * count against {@code herald.http.max-connections} (by default the process's file-descriptor limit
 * minus a reserve, so running out of descriptors refuses new connects instead of failing existing
 * ones), the node-wide rate of new connections, the {@code Origin} check and the token. Checks run
 * cheapest first. Shared by every event loop of the edge.
 */
final class ConnectionAdmission {
  private static final Logger log = LoggerFactory.getLogger(ConnectionAdmission.class);

  /** The outcome for one connect. */
  sealed interface Decision {}

  /** Open the socket for this identity. */
  record Admit(Identity identity) implements Decision {}

  /** Answer {@code status} with {@code reason}; {@code retryAfterSeconds} > 0 adds a Retry-After. */
  record Refuse(HttpResponseStatus status, String reason, long retryAfterSeconds) implements Decision {}

  private final int maxConnections;
  private final TokenBucket newConnections;
  private final LongSupplier nanoClock;
  private final OriginCheck originCheck;
  private final TokenVerifier tokenVerifier;
  private final String tokenParam;
  private final NodeMetrics metrics;
  private final Revocations revocations;
  private final String limits;

  ConnectionAdmission(HeraldSettings settings, Revocations revocations, NodeMetrics metrics, LongSupplier nanoClock) {
    this.revocations = revocations;
    HeraldSettings.Http http = settings.http();
    HeraldSettings.Auth auth = settings.auth();
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.maxConnections = http.maxConnections() > 0 ? http.maxConnections() : fromDescriptorLimit(http.fdReserve());
    int perSecond = http.newConnectionsPerSecond();
    this.newConnections = perSecond > 0 ? new TokenBucket(perSecond, perSecond, nanoClock.getAsLong()) : null;
    boolean authRequired = auth.mode() == HeraldSettings.AuthMode.REQUIRED;
    boolean checkOrigin =
        switch (http.checkOrigin()) {
          case ON -> true;
          case OFF -> false;
          case AUTO -> authRequired;
        };
    this.originCheck = checkOrigin ? OriginCheck.of(http.allowedOrigins()) : null;
    this.tokenVerifier = authRequired ? TokenVerifier.from(auth) : null;
    this.tokenParam = auth.tokenParam();
    this.limits =
        String.format(
            "at most %d sockets, %s new per second, origin check %s",
            maxConnections,
            perSecond > 0 ? perSecond : "unlimited",
            checkOrigin ? (http.allowedOrigins().isEmpty() ? "on (same host)" : "on " + http.allowedOrigins()) : "off");
  }

  /** The limits this admission applies, for the start-up log. */
  String limits() {
    return limits;
  }

  int maxConnections() {
    return maxConnections;
  }

  /**
   * @param openConnections connections open on this node, this one included
   * @param params the connect params; when auth is required the token param is removed from them
   */
  Decision admit(int openConnections, Map<String, String> params, String origin, String host, String subprotocols) {
    if (openConnections > maxConnections) {
      return refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connections", "connections", 1);
    }
    if (newConnections != null) {
      long retryAfter;
      synchronized (newConnections) {
        retryAfter = newConnections.tryTake(nanoClock.getAsLong()) ? 0 : newConnections.secondsUntilNextToken();
      }
      if (retryAfter > 0) {
        return refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many new connections", "rate", retryAfter);
      }
    }
    if (originCheck != null && !originCheck.allows(origin, host)) {
      return refuse(HttpResponseStatus.FORBIDDEN, "origin not allowed", "origin", 0);
    }
    if (tokenVerifier == null) {
      return new Admit(Identity.anonymous()); // params untouched: a handler may read its own token, as in Phoenix
    }
    String token = AuthToken.from(params, tokenParam, subprotocols);
    params.remove(tokenParam); // a verified credential: channel handlers get the identity instead
    if (token == null) {
      return refuse(HttpResponseStatus.FORBIDDEN, "missing token", "auth", 0);
    }
    Identity identity;
    try {
      identity = tokenVerifier.verify(token);
    } catch (TokenRejected e) {
      return refuse(HttpResponseStatus.FORBIDDEN, e.reason(), "auth", 0);
    }
    if (revocations.isRevoked(identity)) {
      return refuse(HttpResponseStatus.FORBIDDEN, "revoked", "auth", 0);
    }
    return new Admit(identity);
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
