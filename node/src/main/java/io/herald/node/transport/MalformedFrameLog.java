package io.herald.node.transport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs malformed frames at most once per interval per node, with how many were seen in between. */
final class MalformedFrameLog {
  private static final Logger log = LoggerFactory.getLogger(MalformedFrameLog.class);

  private final long intervalNanos;
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);
  private final AtomicLong countAtLastLog = new AtomicLong();

  MalformedFrameLog(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  void record(Object remote, String reason, String action) {
    long total = count.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= intervalNanos && lastLogged.compareAndSet(last, now)) {
      long since = total - countAtLastLog.getAndSet(total);
      log.warn("malformed frame from {}: {} ({}); {} malformed frames since the last report, {} in all",
          remote, reason, action, since, total);
    }
  }
}
