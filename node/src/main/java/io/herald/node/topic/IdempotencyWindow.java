package io.herald.node.topic;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The idempotency keys a topic saw within a time window and the seq each got, so that a publish
 * retried with the same key (a client that timed out, a backend retrying a 503) is numbered once.
 * Bounded in time ({@code window}) and in count ({@code maxKeys}): a topic flooded with keys forgets
 * its oldest early. Not thread-safe: one topic entity owns it.
 */
final class IdempotencyWindow {
  private record Seen(long seq, long atNanos) {}

  private final long windowNanos;
  private final int maxKeys;
  /** Oldest first: keys are only added, each once, in time order. */
  private final LinkedHashMap<String, Seen> keys = new LinkedHashMap<>();

  IdempotencyWindow(long windowNanos, int maxKeys) {
    this.windowNanos = windowNanos;
    this.maxKeys = maxKeys;
  }

  /** The seq {@code key} got within the window, or null. */
  Long seqOf(String key, long nowNanos) {
    forgetOlderThan(nowNanos);
    Seen seen = keys.get(key);
    return seen == null ? null : seen.seq();
  }

  void remember(String key, long seq, long nowNanos) {
    keys.put(key, new Seen(seq, nowNanos));
    if (keys.size() > maxKeys) {
      Iterator<String> oldest = keys.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  int size() {
    return keys.size();
  }

  private void forgetOlderThan(long nowNanos) {
    for (Iterator<Map.Entry<String, Seen>> it = keys.entrySet().iterator(); it.hasNext(); ) {
      if (nowNanos - it.next().getValue().atNanos() <= windowNanos) {
        return;
      }
      it.remove();
    }
  }
}
