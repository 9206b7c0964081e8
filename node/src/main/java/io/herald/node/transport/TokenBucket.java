package io.herald.node.transport;

/**
 * A token bucket: {@code ratePerSecond} tokens refill continuously up to {@code capacity}; each
 * admitted event takes one. Not thread-safe: a socket's bucket is used on its event loop only, and the
 * node's connection bucket is guarded by its owner. Time is passed in, so tests need no clock.
 */
final class TokenBucket {
  private static final double NANOS_PER_SECOND = 1_000_000_000d;

  private final double tokensPerNano;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  TokenBucket(double ratePerSecond, double capacity, long nowNanos) {
    if (ratePerSecond <= 0 || capacity < 1) {
      throw new IllegalArgumentException("a token bucket needs a positive rate and room for one token");
    }
    this.tokensPerNano = ratePerSecond / NANOS_PER_SECOND;
    this.capacity = capacity;
    this.tokens = capacity;
    this.lastNanos = nowNanos;
  }

  /** Takes a token if one is there. */
  boolean tryTake(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * tokensPerNano);
      lastNanos = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Whole seconds until the next token, at least 1: what a Retry-After header says. */
  long secondsUntilNextToken() {
    double missing = Math.max(0, 1 - tokens);
    return Math.max(1, (long) Math.ceil(missing / tokensPerNano / NANOS_PER_SECOND));
  }
}
