package io.herald.node.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The {@code herald} configuration section, read once at start (see reference.conf for meanings). */
public record HeraldSettings(
    Http http,
    Socket socket,
    Topic topic,
    Publish publish,
    Cluster cluster,
    Drain drain,
    Api api,
    Auth auth,
    RevocationReplication revocationReplication,
    WarmUp warmUp,
    LongPoll longPoll,
    Link link) {

  /**
   * The node link ({@code herald.link}): a TCP connection per pair of nodes for the hot topic messages.
   * {@code port} 0: any free port (the other nodes learn it from this member's roles).
   */
  public record Link(
      boolean enabled,
      String host,
      int port,
      int maxFrameSize,
      Duration connectTimeout,
      Duration reconnectInterval,
      Duration giveUpAfter,
      int maxHeldWhileDown,
      int maxUnwrittenBytes) {}

  /**
   * Phoenix's long-poll transport at {@code <socket-path>/longpoll}. {@code secret} signs session tokens
   * and must be the same on every node (empty: a random secret per node, so a session's polls must
   * reach the node that opened it).
   */
  public record LongPoll(
      boolean enabled,
      String secret,
      Duration window,
      Duration sessionTimeout,
      Duration forwardTimeout,
      int maxBodySize,
      int maxMessagesPerPost,
      int maxQueuedMessages,
      int maxQueuedBytes) {
    @Override
    public String toString() { // the secret stays out of logs
      return "LongPoll[enabled=" + enabled + ", window=" + window + ", session-timeout=" + sessionTimeout + "]";
    }
  }

  /** The public socket edge (Netty). */
  public record Http(
      String host,
      int port,
      String socketPath,
      int maxFrameSize,
      int eventLoopThreads,
      boolean nativeTransport,
      int maxHandshakeRequestSize,
      boolean demoPage,
      Duration handshakeTimeout,
      CheckOrigin checkOrigin,
      List<String> allowedOrigins,
      int maxConnections,
      int fdReserve,
      int newConnectionsPerSecond,
      PerAddress perAddress,
      TokenVerification tokenVerification) {}

  /**
   * Limits per client address (an IPv4 address, or the /64 of an IPv6 one), except the addresses in
   * {@code exempt} (CIDR blocks, such as a proxy on the same host). 0 turns a limit off.
   */
  public record PerAddress(
      double connectsPerSecond, int connectBurst, int maxPendingUpgrades, int trackedAddresses, List<String> exempt) {}

  /** Token signatures are checked on this pool, off the event loops; a full queue refuses with 503. */
  public record TokenVerification(int threads, int queue) {}

  /** Whether the {@code Origin} header of an upgrade is checked (Phoenix's {@code check_origin}). */
  public enum CheckOrigin {
    /** On when auth is required, off otherwise (the former default, kept for configurations that name it). */
    AUTO,
    /** The default, as Phoenix's {@code check_origin: true}: browsers on other sites are refused. */
    ON,
    /** Any page may open sockets through its visitors' browsers. */
    OFF
  }

  /**
   * Connect authentication with JSON Web Tokens. Exactly one key source is set when {@code mode} is
   * {@code REQUIRED}; empty strings mean unset.
   */
  public record Auth(
      AuthMode mode,
      String tokenParam,
      String hmacSecret,
      String publicKeyFile,
      String jwksFile,
      String issuer,
      String audience,
      Duration clockSkew,
      String permissionsClaim,
      boolean closeOnExpiry,
      Duration revocationTtl,
      Duration maxTokenAge) {}

  public enum AuthMode {
    /** Every connect is accepted, anonymous, with every permission (the embedded default). */
    OFF,
    /** A connect without a valid token is refused with HTTP 403 before the upgrade. */
    REQUIRED
  }

  /** A token bucket on the frames one socket sends. */
  public record RateLimit(double messagesPerSecond, int burst, int maxRejected) {}

  /** Per-socket limits and timers. */
  public record Socket(
      Duration idleTimeout,
      int maxChannels,
      int outboundHighWaterMark,
      int outboundLowWaterMark,
      Duration slowConsumerCloseTimeout,
      Duration joinTimeout,
      int maxHeldFrames,
      int maxHeldReplies,
      Duration malformedLogInterval,
      int maxTopicLength,
      int maxPayloadSize,
      RateLimit rateLimit,
      int sendBufferSize) {}

  /**
   * Topic entities. A publisher silent for {@code forgetPublisherAfter} is forgotten; the seqs of its
   * last {@code rememberedSeqs} publishes answer its re-sends. Idempotency keys are kept for
   * {@code idempotencyWindow}, at most {@code idempotencyKeys} per topic. The histories of one node's
   * topics hold at most {@code historyMaxBytes} together; a history page of the HTTP API about
   * {@code historyPageBytes}; a rejoining subscriber's messages held while its replay is written, at
   * most {@code replayBacklog}.
   */
  public record Topic(
      Duration idlePassivation,
      Duration interestQueryTimeout,
      int recoveryBuffer,
      int idempotencyKeys,
      Duration idempotencyWindow,
      Duration forgetPublisherAfter,
      int rememberedSeqs,
      long historyMaxBytes,
      long historyPageBytes,
      int replayBacklog) {}

  /** This node's publishes on their way to the topic owners (NodePublisher). */
  public record Publish(
      Duration resendAfter,
      Duration deadline,
      int maxPending,
      Duration ownerProbeInterval,
      Duration outboxIdle,
      boolean unnumberedWhileUnreachable,
      int unnumberedRemembered) {}

  /** The internal HTTP API (Pekko HTTP). {@code key} is empty when none is configured. */
  public record Api(
      String host, int port, String key, int maxBodySize, int maxBatch, Duration publishTimeout) {

    /**
     * The interface to bind: the configured one, or when none is, loopback without a key and every
     * interface with one. A non-loopback interface without a key is refused: the API can broadcast to
     * any topic and disconnect any user, and without a key only the TCP peer address guards it.
     */
    public String bindHost() {
      if (host.isEmpty()) {
        return key.isEmpty() ? "127.0.0.1" : "0.0.0.0";
      }
      if (key.isEmpty() && !isLoopback(host)) {
        throw new IllegalArgumentException(
            "herald.api.host = " + host + " without herald.api.key (HERALD_API_KEY): the API binds a "
                + "non-loopback interface only with a key; set one, or leave the host empty for loopback");
      }
      return host;
    }

    private static boolean isLoopback(String host) {
      try {
        return java.net.InetAddress.getByName(host).isLoopbackAddress();
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
  }

  /** Closing the sockets of a node that shuts down. */
  public record Drain(int batchSize, Duration batchInterval, Duration timeout) {}

  /** How revocations reach every node through Distributed Data. */
  public record RevocationReplication(Duration writeTimeout, Duration readTimeout, Duration pruneInterval) {}

  /** Traffic run through the node before its public port opens, for the JIT. */
  public record WarmUp(
      boolean enabled,
      int connects,
      int sockets,
      int topics,
      long messages,
      Duration settle,
      Duration timeout,
      boolean collectGarbage,
      Duration clusterWait) {}

  /** Cluster formation. */
  public record Cluster(String host, int port, String seedNodes, Duration formationTimeout, Discovery discovery) {}

  /** How a node finds its peers ({@code herald.cluster.discovery}). */
  public enum Discovery {
    /** {@code herald.cluster.seed-nodes}; none: a cluster of one. */
    SEED_NODES,
    /** Pekko Cluster Bootstrap, listing the pods through the Kubernetes API. */
    KUBERNETES_API;

    static Discovery parse(String value) {
      for (Discovery d : values()) {
        if (d.configName().equals(value)) {
          return d;
        }
      }
      throw new IllegalArgumentException("herald.cluster.discovery (HERALD_DISCOVERY): expected seed-nodes or kubernetes-api, got '" + value + "'");
    }

    /** The name the configuration uses. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * A bare upgrade request is 300-500 bytes and a browser's with cookies more: a smaller limit would
   * refuse ordinary clients (and is likely a unit forgotten, 16 for 16 KiB).
   */
  static final int MIN_HANDSHAKE_REQUEST_SIZE = 1024;

  /**
   * The HTTP decoder may hold this twice (request line and header block) for every connection still in
   * its handshake; no genuine upgrade comes near a megabyte.
   */
  static final int MAX_HANDSHAKE_REQUEST_SIZE = 1024 * 1024;

  public static HeraldSettings from(Config config) {
    Config h = config.getConfig("herald");
    return new HeraldSettings(
        new Http(
            h.getString("http.host"),
            h.getInt("http.port"),
            h.getString("http.socket-path"),
            bytes(h, "http.max-frame-size"),
            h.getInt("http.event-loop-threads"),
            h.getBoolean("http.native-transport"),
            bytesBetween(h, "http.max-handshake-request-size", MIN_HANDSHAKE_REQUEST_SIZE, MAX_HANDSHAKE_REQUEST_SIZE),
            h.getBoolean("http.demo-page"),
            h.getDuration("http.handshake-timeout"),
            CheckOrigin.valueOf(h.getString("http.check-origin").toUpperCase(Locale.ROOT)),
            origins(h.getString("http.allowed-origins")),
            atLeast(h, "http.max-connections", 0),
            atLeast(h, "http.fd-reserve", 0),
            atLeast(h, "http.new-connections-per-second", 0),
            new PerAddress(
                nonNegative(h, "http.per-address.connects-per-second"),
                atLeast(h, "http.per-address.connect-burst", 1),
                atLeast(h, "http.per-address.max-pending-upgrades", 0),
                atLeast(h, "http.per-address.tracked-addresses", 1),
                commaSeparated(h.getString("http.per-address.exempt"))),
            new TokenVerification(
                atLeast(h, "http.token-verification.threads", 0), atLeast(h, "http.token-verification.queue", 1))),
        new Socket(
            h.getDuration("socket.idle-timeout"),
            h.getInt("socket.max-channels"),
            bytes(h, "socket.outbound-high-water-mark"),
            bytes(h, "socket.outbound-low-water-mark"),
            h.getDuration("socket.slow-consumer-close-timeout"),
            h.getDuration("socket.join-timeout"),
            h.getInt("socket.max-held-frames"),
            h.getInt("socket.max-held-replies"),
            h.getDuration("socket.malformed-log-interval"),
            h.getInt("socket.max-topic-length"),
            bytes(h, "socket.max-payload-size"),
            new RateLimit(
                h.getDouble("socket.rate-limit.messages-per-second"),
                h.getInt("socket.rate-limit.burst"),
                h.getInt("socket.rate-limit.max-rejected")),
            (int) Math.min(Integer.MAX_VALUE, h.getBytes("socket.send-buffer-size"))),
        new Topic(
            h.getDuration("topic.idle-passivation"),
            h.getDuration("topic.interest-query-timeout"),
            h.getInt("topic.recovery-buffer"),
            atLeast(h, "topic.idempotency-keys", 1),
            h.getDuration("topic.idempotency-window"),
            forgetPublisherAfter(h),
            atLeast(h, "topic.remembered-seqs", 1),
            h.getBytes("topic.history-max-bytes"),
            h.getBytes("topic.history-page-bytes"),
            atLeast(h, "topic.replay-backlog", 1)),
        new Publish(
            h.getDuration("publish.resend-after"),
            h.getDuration("publish.deadline"),
            atLeast(h, "publish.max-pending", 1),
            h.getDuration("publish.owner-probe-interval"),
            h.getDuration("publish.outbox-idle"),
            h.getBoolean("publish.unnumbered-while-unreachable"),
            atLeast(h, "publish.unnumbered-remembered", 1)),
        new Cluster(
            h.getString("cluster.host"),
            h.getInt("cluster.port"),
            h.getString("cluster.seed-nodes"),
            h.getDuration("cluster.formation-timeout"),
            Discovery.parse(h.getString("cluster.discovery"))),
        new Drain(
            h.getInt("drain.batch-size"),
            h.getDuration("drain.batch-interval"),
            h.getDuration("drain.timeout")),
        new Api(
            h.getString("api.host"),
            h.getInt("api.port"),
            h.getString("api.key"),
            bytes(h, "api.max-body-size"),
            h.getInt("api.max-batch"),
            h.getDuration("api.publish-timeout")),
        new Auth(
            AuthMode.valueOf(h.getString("auth.mode").toUpperCase(Locale.ROOT)),
            h.getString("auth.token-param"),
            h.getString("auth.jwt.hmac-secret"),
            h.getString("auth.jwt.public-key-file"),
            h.getString("auth.jwt.jwks-file"),
            h.getString("auth.jwt.issuer"),
            h.getString("auth.jwt.audience"),
            h.getDuration("auth.jwt.clock-skew"),
            h.getString("auth.jwt.permissions-claim"),
            h.getBoolean("auth.close-on-expiry"),
            h.getDuration("auth.revocation-ttl"),
            durationOrOff(h, "auth.jwt.max-token-age")),
        new RevocationReplication(
            h.getDuration("auth.revocation-replication.write-timeout"),
            h.getDuration("auth.revocation-replication.read-timeout"),
            h.getDuration("auth.revocation-replication.prune-interval")),
        new WarmUp(
            h.getBoolean("warm-up.enabled"),
            atLeast(h, "warm-up.connects", 0),
            atLeast(h, "warm-up.sockets", 1),
            atLeast(h, "warm-up.topics", 1),
            atLeast(h, "warm-up.messages", 0),
            h.getDuration("warm-up.settle"),
            h.getDuration("warm-up.timeout"),
            h.getBoolean("warm-up.collect-garbage"),
            h.getDuration("warm-up.cluster-wait")),
        longPoll(h),
        new Link(
            h.getBoolean("link.enabled"),
            h.getString("link.host"),
            h.getInt("link.port"),
            bytesBetween(h, "link.max-frame-size", 64 * 1024, Integer.MAX_VALUE),
            h.getDuration("link.connect-timeout"),
            h.getDuration("link.reconnect-interval"),
            h.getDuration("link.give-up-after"),
            atLeast(h, "link.max-held-while-down", 0),
            bytesBetween(h, "link.max-unwritten-bytes", 64 * 1024, Integer.MAX_VALUE)));
  }

  private static LongPoll longPoll(Config h) {
    LongPoll lp =
        new LongPoll(
            h.getBoolean("longpoll.enabled"),
            h.getString("longpoll.secret"),
            h.getDuration("longpoll.window"),
            h.getDuration("longpoll.session-timeout"),
            h.getDuration("longpoll.forward-timeout"),
            bytes(h, "longpoll.max-body-size"),
            atLeast(h, "longpoll.max-messages-per-post", 1),
            atLeast(h, "longpoll.max-queued-messages", 1),
            bytes(h, "longpoll.max-queued-bytes"));
    if (lp.sessionTimeout().compareTo(lp.window()) <= 0) {
      // A client's next poll comes after the window of the one before: a shorter timeout ends live sessions.
      throw new IllegalArgumentException(
          "herald.longpoll.session-timeout (" + lp.sessionTimeout() + ") must be longer than herald.longpoll.window (" + lp.window() + ")");
    }
    return lp;
  }

  /** A positive duration, or null for {@code off}. */
  private static Duration durationOrOff(Config c, String path) {
    if ("off".equalsIgnoreCase(c.getString(path).strip())) {
      return null;
    }
    Duration value = c.getDuration(path);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("herald." + path + " must be off or a positive duration, was " + value);
    }
    return value;
  }

  /** Comma-separated origins (an environment variable cannot carry a list). */
  private static List<String> origins(String value) {
    return java.util.Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(o -> !o.isEmpty())
        .toList();
  }

  /** A topic must remember a publishing node for as long as that node may send a publish again. */
  private static Duration forgetPublisherAfter(Config h) {
    Duration forget = h.getDuration("topic.forget-publisher-after");
    Duration deadline = h.getDuration("publish.deadline");
    if (forget.compareTo(deadline) <= 0) {
      throw new IllegalArgumentException(
          "herald.topic.forget-publisher-after (" + forget + ") must be longer than herald.publish.deadline ("
              + deadline + "): a publish sent again after its node was forgotten could be numbered twice");
    }
    return forget;
  }

  private static int atLeast(Config c, String path, int min) {
    int value = c.getInt(path);
    if (value < min) {
      throw new IllegalArgumentException("herald." + path + " must be " + min + " or more, was " + value);
    }
    return value;
  }

  private static int bytesBetween(Config c, String path, int min, int max) {
    long value = c.getBytes(path);
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "herald." + path + " must be between " + min + " and " + max + " bytes, was " + value);
    }
    return (int) value;
  }

  private static List<String> commaSeparated(String value) {
    return origins(value); // the same rule: trimmed, empty items dropped
  }

  private static double nonNegative(Config c, String path) {
    double value = c.getDouble(path);
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("herald." + path + " must be 0 or more, was " + value);
    }
    return value;
  }

  private static int bytes(Config c, String path) {
    long value = c.getBytes(path);
    if (value <= 0 || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("herald." + path + " must be between 1 byte and 2 GiB, was " + value);
    }
    return (int) value;
  }
}
