package io.herald.loadtest.fanout;

/**
 * An open-loop publishing schedule: message k (from 0) of {@code total} is due {@code k / rate} seconds
 * after the start, whatever happened to the earlier ones.
 */
final class SendSchedule {
  private final double nanosPerMessage;
  private final long total;
  private final long startNanos;

  SendSchedule(double ratePerSecond, long total, long startNanos) {
    if (!(ratePerSecond > 0)) throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
    this.nanosPerMessage = 1e9 / ratePerSecond;
    this.total = total;
    this.startNanos = startNanos;
  }

  /** When message k is due (System.nanoTime scale). */
  long dueAt(long k) {
    return startNanos + (long) Math.ceil(k * nanosPerMessage);
  }

  /** How many messages are due by {@code nowNanos}: those with {@code dueAt(k) <= now}, at most total. */
  long dueBy(long nowNanos) {
    long elapsed = nowNanos - startNanos;
    if (elapsed < 0) return 0;
    long n = (long) Math.floor(elapsed / nanosPerMessage) + 1;
    // floating point may put the boundary one message off: settle it against dueAt
    while (n > 0 && dueAt(n - 1) > nowNanos) n--;
    while (n < total && dueAt(n) <= nowNanos) n++;
    return Math.min(total, n);
  }
}
