package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.protocol.CloseReason;
import io.herald.protocol.Serializer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's long-poll sessions by id, the signer of their tokens, and the sweeper that ends sessions
 * whose clients stopped polling. Thread-safe; shared by every event loop of an edge and by the
 * {@link LongPollRelay} that serves forwarded requests.
 */
final class LongPollSessions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LongPollSessions.class);
  /**
   * The sweeper looks this many times per session timeout, so a silent session ends at most a quarter
   * of the timeout late.
   */
  private static final int SWEEPS_PER_TIMEOUT = 4;

  private final ConcurrentHashMap<String, LongPollSession> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final LongPollToken tokens;
  private final String node;
  private final LongPollSession.Limits limits;
  private final NodeMetrics metrics;
  private final MalformedFrameLog malformedLog;
  private final LongSupplier nanoClock;
  private final ScheduledFuture<?> sweeper;

  /**
   * @param node this node's cluster address, as tokens name it
   * @param secret the cluster's token secret (see {@link LongPollToken})
   * @param timers runs the sweeper
   */
  LongPollSessions(
      String node,
      String secret,
      HeraldSettings.LongPoll settings,
      HeraldSettings.Socket socket,
      NodeMetrics metrics,
      MalformedFrameLog malformedLog,
      ScheduledExecutorService timers,
      LongSupplier nanoClock) {
    this.node = node;
    this.tokens = new LongPollToken(secret, settings.sessionTimeout());
    this.metrics = metrics;
    this.malformedLog = malformedLog;
    this.nanoClock = nanoClock;
    this.limits =
        new LongPollSession.Limits(
            settings.maxQueuedMessages(),
            settings.maxQueuedBytes(),
            settings.window().toNanos(),
            settings.sessionTimeout().toNanos(),
            socket.rateLimit(),
            socket.maxTopicLength());
    long sweepNanos = Math.max(1, settings.sessionTimeout().toNanos() / SWEEPS_PER_TIMEOUT);
    this.sweeper = timers.scheduleWithFixedDelay(this::sweep, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
  }

  String node() {
    return node;
  }

  LongPollToken tokens() {
    return tokens;
  }

  long now() {
    return nanoClock.getAsLong();
  }

  /** A new session of this node, registered under a fresh id; its home loop runs its timers. */
  LongPollSession open(Serializer serializer, String peer, ScheduledExecutorService home) {
    String id = LongPollToken.newSessionId(random);
    LongPollSession session = new LongPollSession(id, serializer, peer, home, limits, metrics, malformedLog, nanoClock.getAsLong());
    sessions.put(id, session);
    return session;
  }

  /** A fresh token for a session of {@code owner} (this node, or the node a request was forwarded to). */
  String tokenFor(String owner, String session) {
    return tokens.issue(owner, session, System.currentTimeMillis());
  }

  LongPollSession get(String id) {
    return sessions.get(id);
  }

  int size() {
    return sessions.size();
  }

  /** Sessions not closed yet (a closed one may still hold frames for its last poll). */
  int openCount() {
    int open = 0;
    for (LongPollSession s : sessions.values()) {
      if (!s.isClosed()) {
        open++;
      }
    }
    return open;
  }

  Collection<LongPollSession> all() {
    return List.copyOf(sessions.values());
  }

  private void sweep() {
    try {
      long now = nanoClock.getAsLong();
      List<String> ended = new ArrayList<>();
      sessions.forEach((id, s) -> {
        if (s.expireIfIdle(now)) {
          ended.add(id);
        }
      });
      ended.forEach(sessions::remove);
    } catch (RuntimeException e) {
      log.warn("long-poll session sweep failed", e);
    }
  }

  /** Ends every session (the node stops). */
  @Override
  public void close() {
    sweeper.cancel(false);
    for (LongPollSession s : all()) {
      s.close(CloseReason.SERVER_SHUTTING_DOWN);
    }
    sessions.clear();
  }
}
