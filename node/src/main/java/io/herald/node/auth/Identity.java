package io.herald.node.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Who opened a socket, for as long as the socket lives.
 *
 * @param subject the token's {@code sub}; null only for {@link #anonymous()}
 * @param expiresAt when the token stops being accepted: its {@code exp}, or {@code iat} plus
 *     {@code herald.auth.jwt.max-token-age} when that is earlier; null when neither applies (or for
 *     anonymous)
 * @param issuedAt the token's {@code iat}; null when the token has none (or for anonymous)
 * @param permissions what the socket may do on which topics
 */
public record Identity(String subject, Instant expiresAt, Instant issuedAt, Permissions permissions) {

  /**
   * The longest subject (socket id) accepted, in UTF-16 chars. The disconnect API takes the id in its
   * path and refuses longer ones, so a connect with a longer {@code sub} could never be thrown out; both
   * apply this one rule ({@link #isValidSubject}). It also bounds what a caller can make every node look up.
   */
  public static final int MAX_SUBJECT_LENGTH = 1024;

  /**
   * The longest a socket's expiry timer is set for; past it the timer fires early, finds the token still
   * valid and is set again. Pekko's scheduler refuses delays beyond 2^31 ticks (about 248 days with its
   * 10 ms tick, less with a finer one) and a far-future {@code exp} (1e15) overflows a Duration's nanos;
   * a day is far inside both, and one timer a day is nothing for a socket that lives that long.
   */
  public static final Duration EXPIRY_CHECK_HORIZON = Duration.ofDays(1);

  private static final Identity ANONYMOUS = new Identity(null, null, null, Permissions.all());

  public Identity {
    Objects.requireNonNull(permissions, "permissions");
  }

  /** A connect while auth is off: no subject, no expiry, every permission. */
  public static Identity anonymous() {
    return ANONYMOUS;
  }

  /** Whether {@code subject} can be a socket id: 1 to {@link #MAX_SUBJECT_LENGTH} chars. */
  public static boolean isValidSubject(String subject) {
    return subject != null && !subject.isEmpty() && subject.length() <= MAX_SUBJECT_LENGTH;
  }

  public boolean isAnonymous() {
    return subject == null;
  }

  /** True once {@code now} has reached {@code expiresAt}; never for an identity without expiry. */
  public boolean expiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  /**
   * How long from {@code now} until the socket should look at its expiry again: until {@code expiresAt}
   * plus {@code skew} (the tolerance the connect check allowed), zero if that has passed, and at most
   * {@link #EXPIRY_CHECK_HORIZON}. Null without expiry. Safe for any {@code exp} a token can carry.
   */
  public Duration untilExpiryCheck(Instant now, Duration skew) {
    if (expiresAt == null) {
      return null;
    }
    Instant horizon = now.plus(EXPIRY_CHECK_HORIZON);
    // compare instants first: Duration.between a far-future exp and now is fine, plus the skew may not be
    if (!expiresAt.isBefore(horizon)) {
      return EXPIRY_CHECK_HORIZON;
    }
    Duration left = Duration.between(now, expiresAt).plus(skew);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(EXPIRY_CHECK_HORIZON) > 0 ? EXPIRY_CHECK_HORIZON : left;
  }
}
