package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SendScheduleTest {
  @Test
  void firstMessageIsDueAtTheStartAndTheRestEveryOneOverRate() {
    SendSchedule s = new SendSchedule(1000, 5000, 1_000_000);
    assertThat(s.dueBy(999_999)).isZero();
    assertThat(s.dueBy(1_000_000)).isEqualTo(1);
    assertThat(s.dueBy(1_000_000 + 999_999)).isEqualTo(1);
    assertThat(s.dueBy(1_000_000 + 1_000_000)).isEqualTo(2);
    assertThat(s.dueAt(1000)).isEqualTo(1_000_000 + 1_000_000_000L);
  }

  @Test
  void neverMoreThanTheTotal() {
    SendSchedule s = new SendSchedule(10, 20, 0);
    assertThat(s.dueBy(60_000_000_000L)).isEqualTo(20);
  }

  @Test
  void dueByAndDueAtAgreeForRatesThatDoNotDivideASecond() {
    for (double rate : new double[] {3, 7, 2000, 4999.5}) {
      SendSchedule s = new SendSchedule(rate, 10_000, 123);
      for (long k = 0; k < 10_000; k += 37) {
        assertThat(s.dueBy(s.dueAt(k))).as("rate %s k %d", rate, k).isEqualTo(k + 1);
        assertThat(s.dueBy(s.dueAt(k) - 1)).as("rate %s k %d", rate, k).isEqualTo(k);
      }
    }
  }

  @Test
  void rateMustBePositive() {
    assertThatThrownBy(() -> new SendSchedule(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
