package io.herald.node.presence;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes {@code phx_ref}s as Phoenix does (url-safe base64 of 12 bytes): a per-node strictly increasing
 * nanosecond time and a hash of the node, so that refs are unique across the cluster and sort by
 * creation on one node.
 */
public final class PresenceRefs {
  private final int nodeHash;
  private final AtomicLong last = new AtomicLong();

  public PresenceRefs(String node) {
    this.nodeHash = node.hashCode();
  }

  public String next() {
    long now = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
    long stamp = last.accumulateAndGet(now, (prev, candidate) -> Math.max(prev + 1, candidate));
    ByteBuffer bytes = ByteBuffer.allocate(12).putLong(stamp).putInt(nodeHash);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
  }
}
