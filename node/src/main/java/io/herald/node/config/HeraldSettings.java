package io.herald.node.config;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code herald} configuration section, read once at start (see reference.conf for meanings). */
public record HeraldSettings(Http http, Socket socket, Topic topic, Cluster cluster, Drain drain, Api api) {

  /** The public socket edge (Netty). */
  public record Http(
      String host,
      int port,
      String socketPath,
      int maxFrameSize,
      int eventLoopThreads,
      boolean nativeTransport,
      int maxHandshakeRequestSize,
      boolean demoPage) {}

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
      Duration malformedLogInterval) {}

  /** Topic entities. */
  public record Topic(
      Duration idlePassivation, Duration interestQueryTimeout, int recoveryBuffer, int idempotencyKeys) {}

  /** The internal HTTP API (Pekko HTTP). {@code key} is empty when none is configured. */
  public record Api(
      String host, int port, String key, int maxBodySize, int maxBatch, Duration publishTimeout) {}

  /** Closing the sockets of a node that shuts down. */
  public record Drain(int batchSize, Duration batchInterval, Duration timeout) {}

  /** Cluster formation. */
  public record Cluster(String host, int port, String seedNodes, Duration formationTimeout) {}

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
            bytes(h, "http.max-handshake-request-size"),
            h.getBoolean("http.demo-page")),
        new Socket(
            h.getDuration("socket.idle-timeout"),
            h.getInt("socket.max-channels"),
            bytes(h, "socket.outbound-high-water-mark"),
            bytes(h, "socket.outbound-low-water-mark"),
            h.getDuration("socket.slow-consumer-close-timeout"),
            h.getDuration("socket.join-timeout"),
            h.getInt("socket.max-held-frames"),
            h.getInt("socket.max-held-replies"),
            h.getDuration("socket.malformed-log-interval")),
        new Topic(
            h.getDuration("topic.idle-passivation"),
            h.getDuration("topic.interest-query-timeout"),
            h.getInt("topic.recovery-buffer"),
            h.getInt("topic.idempotency-keys")),
        new Cluster(
            h.getString("cluster.host"),
            h.getInt("cluster.port"),
            h.getString("cluster.seed-nodes"),
            h.getDuration("cluster.formation-timeout")),
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
            h.getDuration("api.publish-timeout")));
  }

  private static int bytes(Config c, String path) {
    long value = c.getBytes(path);
    if (value <= 0 || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("herald." + path + " must be between 1 byte and 2 GiB, was " + value);
    }
    return (int) value;
  }
}
