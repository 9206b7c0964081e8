package io.herald.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential growth with full jitter, {@code random(0, min(cap, base * 2^attempt))}.
 *
 * <p>Why jitter: phoenix.js's fixed schedule makes every client of a restarted server come back in
 * the same millisecond (phoenix issue #4045). Full jitter spreads a thousand sockets over the whole
 * window instead of stacking them at its end.
 *
 * @param base the ceiling of the first delay (attempt 0)
 * @param cap the largest ceiling
 */
public record Backoff(Duration base, Duration cap) {

  public Backoff {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(cap, "cap");
    if (base.isNegative() || cap.isNegative()) {
      throw new IllegalArgumentException("backoff durations must not be negative: " + base + ", " + cap);
    }
  }

  /** The upper bound of the delay for {@code attempt} (0 for the first retry), in nanoseconds. */
  public long ceilingNanos(int attempt) {
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must be >= 0: " + attempt);
    }
    long b = base.toNanos();
    long c = cap.toNanos();
    // b * 2^attempt > c  <=>  b > c >> attempt; checked this way so that the shift cannot overflow
    if (attempt >= 62 || b > (c >> attempt)) {
      return c;
    }
    return b << attempt;
  }

  /** A delay drawn uniformly from {@code [0, ceiling(attempt)]}. */
  public Duration delay(int attempt, RandomGenerator random) {
    long ceiling = ceilingNanos(attempt);
    if (ceiling == 0) {
      return Duration.ZERO;
    }
    long bound = ceiling == Long.MAX_VALUE ? ceiling : ceiling + 1;
    return Duration.ofNanos(random.nextLong(bound));
  }

  /** {@link #delay(int, RandomGenerator)} with the calling thread's {@link ThreadLocalRandom}. */
  public Duration delay(int attempt) {
    return delay(attempt, ThreadLocalRandom.current());
  }
}
