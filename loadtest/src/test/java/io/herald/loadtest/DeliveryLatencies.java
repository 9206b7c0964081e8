package io.herald.loadtest;

import java.util.Arrays;

/**
 * Delivery latencies of sampled broadcasts, in milliseconds, for the summary at the end of a run
 * (Gatling's own statistics only time requests). Written from many WebSocket threads.
 */
final class DeliveryLatencies {
  private long[] samples = new long[1024];
  private int size;

  /** Records {@code millis} and returns it, so it can sit inside a check's transform. */
  synchronized long record(long millis) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = millis;
    return millis;
  }

  /** Count, 50th/95th/99th percentiles (nearest rank) and maximum. */
  synchronized String summary() {
    if (size == 0) {
      return "no samples";
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    return "n=" + size
        + " p50=" + percentile(sorted, 50) + "ms"
        + " p95=" + percentile(sorted, 95) + "ms"
        + " p99=" + percentile(sorted, 99) + "ms"
        + " max=" + sorted[size - 1] + "ms";
  }

  private static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
