package io.herald.node.auth;

/**
 * A connect token that is not accepted. {@link #reason()} is short, stable, lower case and safe to send
 * to the client (it never carries a library's exception text or a claim value); these constants are the
 * complete list.
 */
public final class TokenRejected extends Exception {
  private static final long serialVersionUID = 1L;

  /** The connect carried no token (no token param, no phoenix.js auth sub-protocol). */
  public static final String MISSING_TOKEN = "missing token";
  /** Not a compact JWS: wrong number of parts, bad base64, a header or claims that are not JSON. */
  public static final String MALFORMED_TOKEN = "malformed token";
  /** {@code alg: none}, an encrypted token (JWE), or an algorithm the configured key does not allow. */
  public static final String UNSUPPORTED_ALGORITHM = "unsupported algorithm";
  /** The signature does not verify, or no configured key matches the token's {@code kid}. */
  public static final String BAD_SIGNATURE = "bad signature";
  /** {@code exp} passed, or the token is older than {@code herald.auth.jwt.max-token-age}. */
  public static final String EXPIRED = "expired";
  /** {@code nbf}, or {@code iat}, further ahead than the clock skew. */
  public static final String NOT_YET_VALID = "not yet valid";
  public static final String MISSING_SUBJECT = "missing subject";
  /** A {@code sub} longer than {@link Identity#MAX_SUBJECT_LENGTH}: the disconnect API could not name it. */
  public static final String SUBJECT_TOO_LONG = "subject too long";
  /** No {@code iat} while {@code herald.auth.jwt.max-token-age} is on: the token's age is unknown. */
  public static final String MISSING_ISSUE_TIME = "missing issue time";
  public static final String WRONG_ISSUER = "wrong issuer";
  public static final String WRONG_AUDIENCE = "wrong audience";
  public static final String MALFORMED_PERMISSIONS = "malformed permissions";

  private final String reason;

  public TokenRejected(String reason) {
    // no stack trace: rejections are expected traffic on the event loops, possibly a flood of them
    super(reason, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
