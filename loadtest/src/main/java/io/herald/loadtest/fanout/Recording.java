package io.herald.loadtest.fanout;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The broadcasts one group of sockets received during one step: count, latencies (µs, receive time
 * minus the payload's {@code t}), order violations, stale deliveries, first and last receive time.
 */
record Recording(
    long received,
    long stale,
    long orderViolations,
    long negative,
    long firstRecvNanos,
    long lastRecvNanos,
    Histogram latencyUs) {

  /** Latencies up to an hour, three significant digits (0.1 % resolution). */
  static Histogram newHistogram() {
    return new Histogram(3_600_000_000L, 3);
  }

  static Recording merge(List<Recording> parts) {
    Histogram h = newHistogram();
    long received = 0;
    long stale = 0;
    long order = 0;
    long negative = 0;
    long first = 0;
    long last = 0;
    for (Recording r : parts) {
      h.add(r.latencyUs);
      received += r.received;
      stale += r.stale;
      order += r.orderViolations;
      negative += r.negative;
      if (r.firstRecvNanos != 0 && (first == 0 || r.firstRecvNanos - first < 0)) first = r.firstRecvNanos;
      if (r.lastRecvNanos != 0 && (last == 0 || r.lastRecvNanos - last > 0)) last = r.lastRecvNanos;
    }
    return new Recording(received, stale, order, negative, first, last, h);
  }
}
