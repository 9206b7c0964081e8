package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class LongPollTokenTest {
  private static final String SECRET = "a-long-poll-secret-of-32-bytes-or-more!";
  private static final String NODE = "pekko://herald@127.0.0.1:17355";
  private final LongPollToken tokens = new LongPollToken(SECRET, Duration.ofSeconds(30));

  @Test
  void aTokenNamesItsNodeAndSession() {
    String session = LongPollToken.newSessionId(new SecureRandom());
    String token = tokens.issue(NODE, session, 1_000_000);
    assertThat(LongPollToken.looksLikeToken(token)).isTrue();
    assertThat(tokens.verify(token, 1_000_000 + 29_000)).isEqualTo(new LongPollToken.Claims(NODE, session, 1_000_000));
  }

  @Test
  void forgedAlteredExpiredAndForeignTokensAreRefused() {
    String token = tokens.issue(NODE, "s1", 1_000_000);
    int dot = token.indexOf('.');
    String otherPayload = tokens.issue("pekko://herald@10.0.0.9:17355", "s1", 1_000_000);
    assertThat(tokens.verify(otherPayload.substring(0, otherPayload.indexOf('.')) + token.substring(dot), 1_000_000)).isNull();
    assertThat(tokens.verify(token.substring(0, dot) + ".AAAA" + token.substring(dot + 5), 1_000_000)).isNull();
    assertThat(tokens.verify(token, 1_000_000 + 31_000)).as("expired").isNull();
    assertThat(tokens.verify(token, 1_000_000 - 31_000)).as("from far in the future").isNull();
    assertThat(new LongPollToken("another-secret-of-at-least-32-bytes!!", Duration.ofSeconds(30)).verify(token, 1_000_000)).isNull();
    for (String junk : new String[] {null, "", ".", "a.b.c", "%%%.%%%", "abc"}) {
      assertThat(tokens.verify(junk, 1_000_000)).isNull();
    }
  }

  @Test
  void aJwtDoesNotLookLikeASessionToken() {
    assertThat(LongPollToken.looksLikeToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln")).isFalse();
    assertThat(LongPollToken.looksLikeToken("abc")).isFalse();
    assertThat(LongPollToken.looksLikeToken("a b.c")).isFalse();
  }

  @Test
  void aShortSecretIsRefused() {
    assertThatThrownBy(() -> new LongPollToken("short", Duration.ofSeconds(1))).hasMessageContaining("32 bytes");
    assertThat(LongPollToken.randomSecret().length()).isGreaterThanOrEqualTo(LongPollToken.MIN_SECRET_BYTES);
  }
}
