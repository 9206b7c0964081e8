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
    // String hashes of similar keys ("user-1", "user-2") differ in few bits: mix them (murmur3's fmix32)
    int h = 31 * topic.hashCode() + key.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Math.floorMod(h, shards);
  }
}
