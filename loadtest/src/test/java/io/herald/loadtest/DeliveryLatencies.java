package io.herald.loadtest;

import org.HdrHistogram.Histogram;

/**
 * Delivery latencies of every checked broadcast, in milliseconds, for the summary at the end of a run
 * (Gatling's own statistics only time requests). A histogram, not a list: a run checks every delivery,
 * millions in a long one. Written from Gatling's event loops.
 */
final class DeliveryLatencies {
  /** Latencies above an hour are recorded as an hour; three significant digits, as Gatling's own. */
  private static final long HIGHEST_MS = 3_600_000;
  private static final int SIGNIFICANT_DIGITS = 3;

  private final Histogram histogram = new Histogram(HIGHEST_MS, SIGNIFICANT_DIGITS);

  /** Records {@code millis} (a negative one, clock noise between threads, as 0). */
  synchronized void record(long millis) {
    histogram.recordValue(Math.min(Math.max(millis, 0), HIGHEST_MS));
  }

  synchronized long count() {
    return histogram.getTotalCount();
  }

  /** Count, 50th/95th/99th percentiles and maximum. */
  synchronized String summary() {
    if (histogram.getTotalCount() == 0) {
      return "no deliveries";
    }
    return "n=" + histogram.getTotalCount()
        + " p50=" + histogram.getValueAtPercentile(50) + "ms"
        + " p95=" + histogram.getValueAtPercentile(95) + "ms"
        + " p99=" + histogram.getValueAtPercentile(99) + "ms"
        + " max=" + histogram.getMaxValue() + "ms";
  }
}
