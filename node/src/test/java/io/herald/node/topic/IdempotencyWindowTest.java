package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idempotency keys within a time window, bounded in count. */
class IdempotencyWindowTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void aKeyIsRememberedForTheWindowThenForgotten() {
    IdempotencyWindow keys = new IdempotencyWindow(2 * MINUTE, 1000);
    keys.remember("order-7", 12, 0);
    assertThat(keys.seqOf("order-7", MINUTE)).isEqualTo(12);
    assertThat(keys.seqOf("order-7", 2 * MINUTE)).isEqualTo(12);
    assertThat(keys.seqOf("order-7", 2 * MINUTE + 1)).isNull();
    assertThat(keys.size()).isZero();
  }

  @Test
  void moreKeysThanTheBoundForgetTheOldestEarly() {
    IdempotencyWindow keys = new IdempotencyWindow(2 * MINUTE, 3);
    for (int i = 1; i <= 5; i++) {
      keys.remember("k" + i, i, i);
    }
    assertThat(keys.size()).isEqualTo(3);
    assertThat(keys.seqOf("k1", 10)).isNull();
    assertThat(keys.seqOf("k2", 10)).isNull();
    assertThat(keys.seqOf("k5", 10)).isEqualTo(5);
  }
}
