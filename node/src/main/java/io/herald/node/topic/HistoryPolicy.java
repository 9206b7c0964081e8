package io.herald.node.topic;

import com.typesafe.config.Config;
import io.herald.protocol.TopicPattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How much history a topic keeps: at most {@code limit} messages, none older than {@code ttl}. Set per
 * topic pattern in {@code herald.channels} ({@code history}, {@code history-ttl}); a topic takes the
 * policy of the first pattern that matches it, as its handler is chosen.
 */
public record HistoryPolicy(int limit, Duration ttl) {

  /** No history: broadcasts carry no seq, a join reply no epoch. */
  public static final HistoryPolicy NONE = new HistoryPolicy(0, Duration.ZERO);

  public HistoryPolicy {
    if (limit < 0) {
      throw new IllegalArgumentException("history must be 0 or more, not " + limit);
    }
    if (limit > 0 && (ttl.isZero() || ttl.isNegative())) {
      throw new IllegalArgumentException("history-ttl must be positive, not " + ttl);
    }
  }

  public boolean keeps() {
    return limit > 0;
  }

  /** Every topic's policy, from the patterns of {@code herald.channels}; first match wins. */
  public record Lookup(List<Entry> entries) {
    public record Entry(TopicPattern pattern, HistoryPolicy policy) {}

    public static final Lookup NONE = new Lookup(List.of());

    /**
     * Reads {@code history} (messages, default 0) and {@code history-ttl} (default
     * {@code herald.topic.history-ttl}) of each {@code herald.channels} entry.
     */
    public static Lookup fromConfig(Config herald) {
      Duration defaultTtl = herald.getDuration("topic.history-ttl");
      List<Entry> entries = new ArrayList<>();
      for (Config entry : herald.getConfigList("channels")) {
        int limit = entry.hasPath("history") ? entry.getInt("history") : 0;
        Duration ttl = entry.hasPath("history-ttl") ? entry.getDuration("history-ttl") : defaultTtl;
        try {
          entries.add(new Entry(TopicPattern.parse(entry.getString("pattern")), limit == 0 ? HistoryPolicy.NONE : new HistoryPolicy(limit, ttl)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("herald.channels, pattern " + entry.getString("pattern") + ": " + e.getMessage(), e);
        }
      }
      return new Lookup(List.copyOf(entries));
    }

    public HistoryPolicy of(String topic) {
      for (Entry e : entries) {
        if (e.pattern().matches(topic)) {
          return e.policy();
        }
      }
      return HistoryPolicy.NONE;
    }
  }
}
