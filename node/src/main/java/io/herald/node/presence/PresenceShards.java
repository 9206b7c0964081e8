package io.herald.node.presence;

/**
 * Which of the fixed number of Distributed Data keys holds an entry. By topic and key, not topic alone:
 * a topic of 10,000 members must not be one replicated value, whose full state (sent to a node that
 * missed deltas, or joined later) would pass Artery's frame size. String.hashCode is specified, so every
 * node agrees.
 */
public final class PresenceShards {
  private PresenceShards() {}

  public static int of(String topic, String key, int shards) {
    int h = 31 * topic.hashCode() + key.hashCode();
    return Math.floorMod(h ^ (h >>> 16), shards);
  }
}
