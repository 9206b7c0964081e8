package io.herald.node.presence;

import com.typesafe.config.Config;
import java.time.Duration;

/** {@code herald.presence} (reference.conf says what each means). */
public record PresenceSettings(
    int shards,
    Duration batchInterval,
    int maxMetaSize,
    Duration sweepInterval,
    Duration shutdownWriteTimeout,
    int maxUpdatesInFlight) {

  public static PresenceSettings from(Config herald) {
    Config c = herald.getConfig("presence");
    PresenceSettings settings =
        new PresenceSettings(
            c.getInt("shards"),
            c.getDuration("batch-interval"),
            (int) c.getMemorySize("max-meta-size").toBytes(),
            c.getDuration("sweep-interval"),
            c.getDuration("shutdown-write-timeout"),
            c.getInt("max-updates-in-flight"));
    if (settings.shards < 1 || settings.shards > 10_000) {
      throw new IllegalArgumentException("herald.presence.shards must be 1 to 10000, is " + settings.shards);
    }
    if (settings.maxUpdatesInFlight < 1) {
      throw new IllegalArgumentException("herald.presence.max-updates-in-flight must be at least 1, is " + settings.maxUpdatesInFlight);
    }
    if (settings.batchInterval.isNegative() || settings.batchInterval.isZero()) {
      throw new IllegalArgumentException("herald.presence.batch-interval must be positive");
    }
    return settings;
  }
}
