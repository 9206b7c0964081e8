package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RevocationsTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T12:00:00.500Z"));
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private final Revocations revocations = new Revocations(Duration.ofHours(1), clock);

  private static Identity issued(String sub, String iat) {
    return new Identity(sub, null, iat == null ? null : Instant.parse(iat), Permissions.all());
  }

  @Test
  void tokensIssuedBeforeTheRevocationAreRefusedLaterOnesPass() {
    revocations.revoke("ada");
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T11:59:59Z"))).isTrue();
    assertThat(revocations.isRevoked(issued("ada", null))).as("no iat: cannot prove it is newer").isTrue();
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T12:00:00Z"))).as("same second").isFalse();
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T12:00:01Z"))).isFalse();
    assertThat(revocations.isRevoked(issued("bob", "2026-11-26T11:00:00Z"))).as("another subject").isFalse();
    assertThat(revocations.isRevoked(Identity.anonymous())).isFalse();
  }

  @Test
  void aRevocationLastsItsTtlThenIsForgotten() {
    revocations.revoke("ada");
    now.set(now.get().plus(Duration.ofMinutes(59)));
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T11:00:00Z"))).isTrue();
    now.set(now.get().plus(Duration.ofMinutes(2)));
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T11:00:00Z"))).isFalse();
    assertThat(revocations.size()).isZero();
  }

  @Test
  void aLaterRevocationMovesTheLineForward() {
    revocations.revoke("ada");
    now.set(now.get().plus(Duration.ofMinutes(5)));
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T12:01:00Z"))).isFalse();
    revocations.revoke("ada");
    assertThat(revocations.isRevoked(issued("ada", "2026-11-26T12:01:00Z"))).isTrue();
  }
}
