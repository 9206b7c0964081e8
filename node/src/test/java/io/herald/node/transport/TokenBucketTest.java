package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void admitsTheBurstThenTheRate() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryTake(0)).as("burst token %d", i).isTrue();
    }
    assertThat(bucket.tryTake(0)).isFalse();
    assertThat(bucket.tryTake(SECOND / 20)).as("half a token refilled").isFalse();
    assertThat(bucket.tryTake(SECOND / 10)).as("one token refilled").isTrue();
    assertThat(bucket.tryTake(SECOND / 10)).isFalse();
  }

  @Test
  void neverHoldsMoreThanItsCapacity() {
    TokenBucket bucket = new TokenBucket(100, 3, 0);
    long later = 3600 * SECOND;
    int admitted = 0;
    while (bucket.tryTake(later)) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(3);
  }

  @Test
  void clockGoingBackwardsDoesNotRefill() {
    TokenBucket bucket = new TokenBucket(1, 1, SECOND);
    assertThat(bucket.tryTake(SECOND)).isTrue();
    assertThat(bucket.tryTake(0)).isFalse();
    assertThat(bucket.tryTake(SECOND)).isFalse();
  }

  @Test
  void retryAfterIsAtLeastOneSecondAndCoversSlowRates() {
    TokenBucket fast = new TokenBucket(1000, 1, 0);
    fast.tryTake(0);
    assertThat(fast.secondsUntilNextToken()).isEqualTo(1);
    TokenBucket slow = new TokenBucket(0.25, 1, 0);
    slow.tryTake(0);
    assertThat(slow.secondsUntilNextToken()).isEqualTo(4);
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(1, 0.5, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
