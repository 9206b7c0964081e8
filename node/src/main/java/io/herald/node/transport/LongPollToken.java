package io.herald.node.transport;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A long-poll session token: which node holds the session and which session it is, signed with
 * HMAC-SHA256 under the cluster's shared secret ({@code herald.longpoll.secret}), so that any node can
 * check a token and route the request to the session's node, and nobody can point a request at a
 * session (or a node) of their choosing. Every poll answer carries a fresh token; a token older than
 * its maximum age is refused, as is the session of a client that stopped polling.
 *
 * <p>Form: {@code base64url(node "|" session "|" issuedAtMillis) "." base64url(mac)}. The node is the
 * owner's cluster address, which is not secret. Thread-safe.
 */
final class LongPollToken {
  private static final String ALGORITHM = "HmacSHA256";
  /** A shorter secret is refused: HMAC-SHA256's key should be at least its output size. */
  static final int MIN_SECRET_BYTES = 32;
  private static final char SEPARATOR = '|';
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /** What a valid token says. */
  record Claims(String node, String session, long issuedAtMillis) {}

  private final SecretKeySpec key;
  private final long maxAgeMillis;
  /** A Mac per thread (event loops, mostly): looking one up per poll costs more than the MAC itself. */
  private final ThreadLocal<Mac> macs;

  /** @param secret at least {@link #MIN_SECRET_BYTES} bytes of UTF-8 */
  LongPollToken(String secret, Duration maxAge) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "herald.longpoll.secret must be at least " + MIN_SECRET_BYTES + " bytes, was " + bytes.length);
    }
    this.key = new SecretKeySpec(bytes, ALGORITHM);
    this.maxAgeMillis = maxAge.toMillis();
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** A random secret for a node that was given none: its tokens are valid on this node only. */
  static String randomSecret() {
    byte[] bytes = new byte[MIN_SECRET_BYTES];
    new SecureRandom().nextBytes(bytes);
    return ENCODER.encodeToString(bytes);
  }

  /** A new session id: 128 random bits. */
  static String newSessionId(SecureRandom random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return ENCODER.encodeToString(bytes);
  }

  String issue(String node, String session, long nowMillis) {
    byte[] payload = (node + SEPARATOR + session + SEPARATOR + nowMillis).getBytes(StandardCharsets.UTF_8);
    return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(payload));
  }

  /** The token's claims, or null when it is malformed, forged or older than the maximum age. */
  Claims verify(String token, long nowMillis) {
    if (token == null) {
      return null;
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || dot != token.lastIndexOf('.')) {
      return null;
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = DECODER.decode(token.substring(0, dot));
      signature = DECODER.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    if (!MessageDigest.isEqual(mac(payload), signature)) {
      return null;
    }
    String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
    if (parts.length != 3) {
      return null;
    }
    long issuedAt;
    try {
      issuedAt = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      return null;
    }
    long age = nowMillis - issuedAt;
    // A token from the future is another node's clock ahead of ours: as old as 0, within the same bound.
    if (Math.abs(age) > maxAgeMillis) {
      return null;
    }
    return new Claims(parts[0], parts[1], issuedAt);
  }

  /** Whether {@code value} has this token's form (two base64url parts), before any cryptography. */
  static boolean looksLikeToken(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    int dot = value.indexOf('.');
    if (dot <= 0 || dot != value.lastIndexOf('.') || dot == value.length() - 1) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c == '.' || c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  private byte[] mac(byte[] payload) {
    return macs.get().doFinal(payload); // doFinal resets the Mac for the next use
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
