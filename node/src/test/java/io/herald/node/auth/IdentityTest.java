package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IdentityTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofSeconds(30);

  private static Identity expiringAt(Instant exp) {
    return new Identity("u", exp, null, Permissions.all());
  }

  @Test
  void theExpiryTimerIsSetForTheExpiryPlusTheSkewAndNeverBeyondTheHorizon() {
    assertThat(expiringAt(null).untilExpiryCheck(NOW, SKEW)).as("no exp: no timer").isNull();
    assertThat(expiringAt(NOW.plusSeconds(60)).untilExpiryCheck(NOW, SKEW)).isEqualTo(Duration.ofSeconds(90));
    assertThat(expiringAt(NOW.minusSeconds(10)).untilExpiryCheck(NOW, SKEW)).as("within the skew").isEqualTo(Duration.ofSeconds(20));
    assertThat(expiringAt(NOW.minusSeconds(30)).untilExpiryCheck(NOW, SKEW)).as("due now").isZero();
    assertThat(expiringAt(NOW.minusSeconds(3600)).untilExpiryCheck(NOW, SKEW)).as("long past").isZero();
    Instant justInside = NOW.plus(Identity.EXPIRY_CHECK_HORIZON).minus(SKEW).minusSeconds(1);
    assertThat(expiringAt(justInside).untilExpiryCheck(NOW, SKEW))
        .isEqualTo(Identity.EXPIRY_CHECK_HORIZON.minusSeconds(1));
    assertThat(expiringAt(justInside.plusSeconds(2)).untilExpiryCheck(NOW, SKEW))
        .as("exp + skew past the horizon").isEqualTo(Identity.EXPIRY_CHECK_HORIZON);
  }

  @Test
  void anyExpATokenCanCarryGivesATimerPekkoAccepts() {
    // Pekko's scheduler refuses more than 2^31 ticks of 10 ms (about 248 days)
    Duration pekkoMax = Duration.ofMillis(10L * Integer.MAX_VALUE);
    for (Instant exp : new Instant[] {
        NOW.plus(Duration.ofDays(249)), Instant.ofEpochSecond(1_000_000_000_000_000L),
        new java.util.Date(Long.MAX_VALUE).toInstant(), Instant.MAX}) {
      Duration delay = expiringAt(exp).untilExpiryCheck(NOW, SKEW);
      assertThat(delay).as("exp %s", exp).isEqualTo(Identity.EXPIRY_CHECK_HORIZON).isLessThan(pekkoMax);
    }
    assertThat(expiringAt(Instant.MIN).untilExpiryCheck(NOW, SKEW)).isZero();
  }

  @Test
  void aSubjectIsOneToMaxSubjectLengthChars() {
    assertThat(Identity.isValidSubject(null)).isFalse();
    assertThat(Identity.isValidSubject("")).isFalse();
    assertThat(Identity.isValidSubject("u")).isTrue();
    assertThat(Identity.isValidSubject("u".repeat(Identity.MAX_SUBJECT_LENGTH))).isTrue();
    assertThat(Identity.isValidSubject("u".repeat(Identity.MAX_SUBJECT_LENGTH + 1))).isFalse();
  }
}
