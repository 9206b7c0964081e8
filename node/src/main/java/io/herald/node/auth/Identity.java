package io.herald.node.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * Who opened a socket, for as long as the socket lives.
 *
 * @param subject the token's {@code sub}; null only for {@link #anonymous()}
 * @param expiresAt the token's {@code exp}; null when the token has none (or for anonymous)
 * @param issuedAt the token's {@code iat}; null when the token has none (or for anonymous)
 * @param permissions what the socket may do on which topics
 */
public record Identity(String subject, Instant expiresAt, Instant issuedAt, Permissions permissions) {

  private static final Identity ANONYMOUS = new Identity(null, null, null, Permissions.all());

  public Identity {
    Objects.requireNonNull(permissions, "permissions");
  }

  /** A connect while auth is off: no subject, no expiry, every permission. */
  public static Identity anonymous() {
    return ANONYMOUS;
  }

  public boolean isAnonymous() {
    return subject == null;
  }

  /** True once {@code now} has reached {@code expiresAt}; never for an identity without expiry. */
  public boolean expiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
