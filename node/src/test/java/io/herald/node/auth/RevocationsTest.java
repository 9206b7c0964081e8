package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.node.config.HeraldSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
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

  /**
   * What a connect sees (the verifier's answer, then the revocation check) for a token without exp,
   * revoked once: with max-token-age at most the revocation's ttl it stays out after the ttl lapses.
   */
  @Test
  void withMaxTokenAgeAtMostTheTtlATokenWithoutExpCannotOutliveItsRevocation() throws Exception {
    Duration ttl = Duration.ofHours(1);
    String secret = "a-shared-secret-of-at-least-32-bytes!";
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
        new JWTClaimsSet.Builder().subject("ada").issueTime(Date.from(now.get().minusSeconds(5))).build());
    jwt.sign(new MACSigner(secret));
    String noExp = jwt.serialize();
    TokenVerifier ageBounded = TokenVerifier.from(authWith(secret, ttl, ttl), clock);
    TokenVerifier unbounded = TokenVerifier.from(authWith(secret, ttl, null), clock);
    Revocations revocations = new Revocations(ttl, clock);
    revocations.revoke("ada");
    assertThat(revocations.isRevoked(ageBounded.verify(noExp))).as("within the ttl").isTrue();
    now.set(now.get().plus(ttl).plusSeconds(1));
    assertThat(revocations.isRevoked(unbounded.verify(noExp)))
        .as("without a max age the revocation lapses and the old token is good again").isFalse();
    assertThatThrownBy(() -> ageBounded.verify(noExp))
        .isInstanceOfSatisfying(TokenRejected.class, e -> assertThat(e.reason()).isEqualTo("expired"));
  }

  private static HeraldSettings.Auth authWith(String secret, Duration revocationTtl, Duration maxTokenAge) {
    return new HeraldSettings.Auth(HeraldSettings.AuthMode.REQUIRED, "token", secret, "", "", "", "", Duration.ZERO,
        "", true, revocationTtl, maxTokenAge);
  }
}
