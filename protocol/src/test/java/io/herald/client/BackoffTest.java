package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5));

  @Test
  void ceilingDoublesFromBaseUpToCap() {
    assertThat(backoff.ceilingNanos(0)).isEqualTo(Duration.ofMillis(10).toNanos());
    assertThat(backoff.ceilingNanos(1)).isEqualTo(Duration.ofMillis(20).toNanos());
    assertThat(backoff.ceilingNanos(4)).isEqualTo(Duration.ofMillis(160).toNanos());
    assertThat(backoff.ceilingNanos(8)).isEqualTo(Duration.ofMillis(2560).toNanos());
    assertThat(backoff.ceilingNanos(9)).isEqualTo(Duration.ofSeconds(5).toNanos()); // 5120 ms capped
    assertThat(backoff.ceilingNanos(63)).isEqualTo(Duration.ofSeconds(5).toNanos()); // no overflow
    assertThat(backoff.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThatThrownBy(() -> backoff.ceilingNanos(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fullJitterStaysWithinZeroAndCeilingAndSpreads() {
    Random random = new Random(42);
    for (int attempt = 0; attempt < 20; attempt++) {
      long ceiling = backoff.ceilingNanos(attempt);
      Set<Long> distinct = new HashSet<>();
      long sum = 0;
      int n = 2_000;
      for (int i = 0; i < n; i++) {
        long d = backoff.delay(attempt, random).toNanos();
        assertThat(d).isBetween(0L, ceiling);
        distinct.add(d);
        sum += d;
      }
      // not all equal: jitter, not a fixed schedule
      assertThat(distinct).hasSizeGreaterThan(n / 2);
      // full jitter: uniform on [0, ceiling], mean ~ ceiling / 2 (loose bounds, seeded anyway)
      double mean = (double) sum / n;
      assertThat(mean / ceiling).isBetween(0.4, 0.6);
    }
  }

  @Test
  void defaultRandomAlsoJitters() {
    Set<Duration> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      Duration d = backoff.delay(10);
      assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(5));
      seen.add(d);
    }
    assertThat(seen).hasSizeGreaterThan(1);
  }

  @Test
  void zeroBaseMeansNoDelay() {
    Backoff none = new Backoff(Duration.ZERO, Duration.ofSeconds(1));
    assertThat(none.delay(5, new Random(1))).isEqualTo(Duration.ZERO);
  }

  @Test
  void optionsBuildTheBackoffAndTheRejoinSchedule() {
    SocketOptions o = SocketOptions.builder("ws://127.0.0.1:1/socket/websocket").build();
    assertThat(o.backoff()).isEqualTo(new Backoff(Duration.ofMillis(10), Duration.ofSeconds(5)));
    // phoenix.js rejoinAfterMs: [1000, 2000, 5000][tries - 1] || 10000
    assertThat(o.rejoinDelay(0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.rejoinDelay(1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.rejoinDelay(2)).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.rejoinDelay(3)).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.rejoinDelay(50)).isEqualTo(Duration.ofSeconds(10));
  }
}
