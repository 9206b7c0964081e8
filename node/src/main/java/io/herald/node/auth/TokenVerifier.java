package io.herald.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import io.herald.node.config.HeraldSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies connect tokens (compact JWS) against the one key source configured in {@code herald.auth.jwt}.
 *
 * <p>The accepted algorithms follow from the key, never from the token: an HMAC secret accepts
 * HS256/384/512, an RSA key RS256/384/512 and PS256/384/512, an EC key the one ES algorithm of its curve, a
 * JWKS the union over its keys. So {@code alg: none}, encrypted tokens (JWE), and algorithm confusion (an
 * HS256 token "signed" with the RSA public key as the secret) are refused as "unsupported algorithm"
 * before any key is touched. The {@code typ} header is not checked (access tokens come as "JWT",
 * "at+jwt", or without one).
 *
 * <p>Claims: {@code sub} is required (a string of 1 to {@link Identity#MAX_SUBJECT_LENGTH} chars, the
 * bound of the disconnect API, so that every socket can be thrown out); {@code exp} and {@code nbf} are
 * checked when present, with the configured clock skew; an {@code iat} further ahead than the skew is
 * refused as not yet valid (a revocation refuses tokens issued before it, so a future {@code iat} would
 * pass every revocation until then); with {@code max-token-age} on, {@code iat} is required and a token
 * older than that (plus the skew) is refused as expired, and the socket's expiry is the earlier of
 * {@code exp} and {@code iat} plus that age; {@code iss} and {@code aud} must match when configured. The
 * permissions claim gives the {@link Permissions}; a token without it gets {@link Permissions#none()} and
 * may join nothing. With an empty permissions-claim setting no claim is read and every verified token
 * gets {@link Permissions#all()}, leaving authorization to channel handlers.
 *
 * <p>Built once, then thread-safe and allocation-light: {@link #parse} runs on the Netty event loops,
 * {@link #verifySignature} on the edge's verification pool. Failures are
 * reported with the reasons listed in {@link TokenRejected}, never with the library's messages.
 */
public final class TokenVerifier {
  private static final Logger log = LoggerFactory.getLogger(TokenVerifier.class);

  /** RFC 7518 §3.2: an HMAC key at least as long as the hash; 32 bytes for HS256. */
  static final int MIN_HMAC_SECRET_BYTES = 32;
  /** NIST SP 800-131A: RSA keys under 2048 bits are no longer acceptable for signatures. */
  static final int MIN_RSA_BITS = 2048;

  private static final Set<JWSAlgorithm> HMAC =
      Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
  private static final Set<JWSAlgorithm> RSA = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

  private final Clock clock;
  /** Null when auth is off. */
  private final DefaultJWTProcessor<SecurityContext> processor;
  private final Set<JWSAlgorithm> algorithms;
  private final String permissionsClaim;
  /** Null when off. */
  private final Duration maxTokenAge;

  private TokenVerifier(
      Clock clock, DefaultJWTProcessor<SecurityContext> processor, Set<JWSAlgorithm> algorithms,
      String permissionsClaim, Duration maxTokenAge) {
    this.clock = clock;
    this.processor = processor;
    this.algorithms = algorithms;
    this.permissionsClaim = permissionsClaim;
    this.maxTokenAge = maxTokenAge;
  }

  /** A verifier on the system clock; see {@link #from(HeraldSettings.Auth, Clock)}. */
  public static TokenVerifier from(HeraldSettings.Auth auth) {
    return from(auth, Clock.systemUTC());
  }

  /**
   * Reads the key source and builds the verifier. With mode OFF no key source is read and
   * {@link #verify} answers {@link Identity#anonymous()} for anything.
   *
   * @throws IllegalArgumentException with mode REQUIRED and zero or several key sources, an HMAC secret
   *     shorter than 32 bytes, an RSA key under 2048 bits, an EC curve other than P-256/384/521, an
   *     unreadable or invalid PEM or JWKS file, a negative clock skew, or a max token age that is not
   *     positive
   */
  public static TokenVerifier from(HeraldSettings.Auth auth, Clock clock) {
    if (auth.mode() == HeraldSettings.AuthMode.OFF) {
      return new TokenVerifier(clock, null, Set.of(), "", null);
    }
    Duration maxTokenAge = auth.maxTokenAge();
    if (maxTokenAge != null && (maxTokenAge.isNegative() || maxTokenAge.isZero())) {
      throw new IllegalArgumentException("herald.auth.jwt.max-token-age must be off or positive, was " + maxTokenAge);
    }
    KeySource source = keySource(auth);
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    // typ is not a security boundary here (see the class comment); accept any
    processor.setJWSTypeVerifier((type, context) -> { });
    processor.setJWSKeySelector(source.selector);
    processor.setJWTClaimsSetVerifier(
        new ClaimRules(blankToNull(auth.issuer()), blankToNull(auth.audience()), clock, skewSeconds(auth), maxTokenAge));
    log.info("JWT auth: {}; accepting {}; max token age {}", source.description, source.algorithms,
        maxTokenAge == null ? "off" : maxTokenAge);
    if (maxTokenAge != null && auth.revocationTtl() != null && maxTokenAge.compareTo(auth.revocationTtl()) > 0) {
      log.warn("herald.auth.jwt.max-token-age ({}) is longer than herald.auth.revocation-ttl ({}): a token can be"
          + " accepted again after its subject's revocation lapses", maxTokenAge, auth.revocationTtl());
    }
    return new TokenVerifier(clock, processor, source.algorithms, nullToEmpty(auth.permissionsClaim()), maxTokenAge);
  }

  public Clock clock() {
    return clock;
  }

  /** The algorithms a token may be signed with; empty when auth is off. */
  public Set<JWSAlgorithm> algorithms() {
    return algorithms;
  }

  /**
   * @param token the compact token, as {@link AuthToken#from} found it (null: none)
   * @return who the token names, its expiry and permissions
   * @throws TokenRejected with one of the reasons listed in {@link TokenRejected}
   */
  public Identity verify(String token) throws TokenRejected {
    if (processor == null) {
      return Identity.anonymous();
    }
    return verifySignature(parse(token));
  }

  /**
   * The part of {@link #verify(String)} that needs no cryptography, a few microseconds: the token is a
   * compact JWS whose header names an algorithm of the configured key. A connect that fails here may be
   * refused before it costs a signature check.
   *
   * @throws TokenRejected missing token, malformed token, or unsupported algorithm
   * @throws IllegalStateException when auth is off
   */
  public SignedJWT parse(String token) throws TokenRejected {
    if (processor == null) {
      throw new IllegalStateException("auth is off: there is no key to check a token against");
    }
    if (token == null || token.isEmpty()) {
      throw new TokenRejected(TokenRejected.MISSING_TOKEN);
    }
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw rejected(TokenRejected.MALFORMED_TOKEN, e);
    }
    // a PlainJWT (alg: none) or an EncryptedJWT (JWE) is never accepted
    if (!(jwt instanceof SignedJWT signed) || !algorithms.contains(signed.getHeader().getAlgorithm())) {
      throw new TokenRejected(TokenRejected.UNSUPPORTED_ALGORITHM);
    }
    return signed;
  }

  /**
   * The signature and claims of a token {@link #parse} accepted: the costly part (an RSA or EC key
   * takes from 0.05 to several milliseconds), which the edge runs off its event loops.
   *
   * @throws TokenRejected with one of the reasons listed in {@link TokenRejected}
   */
  public Identity verifySignature(SignedJWT signed) throws TokenRejected {
    JWTClaimsSet claims;
    try {
      claims = processor.process(signed, null);
    } catch (ClaimRejected e) {
      throw new TokenRejected(e.reason);
    } catch (BadJWSException e) {
      throw rejected(TokenRejected.BAD_SIGNATURE, e);
    } catch (BadJWTException e) {
      throw rejected(TokenRejected.MALFORMED_TOKEN, e); // the payload is not a JSON claims set
    } catch (BadJOSEException | JOSEException e) {
      throw rejected(TokenRejected.BAD_SIGNATURE, e); // no key for its kid, or the key cannot verify it
    } catch (RuntimeException e) {
      throw rejected(TokenRejected.MALFORMED_TOKEN, e);
    }
    Permissions permissions = permissionsClaim.isEmpty()
        ? Permissions.all()
        : Permissions.fromClaim(claims.getClaim(permissionsClaim));
    Date exp = claims.getExpirationTime();
    Date iat = claims.getIssueTime();
    Instant issuedAt = iat == null ? null : iat.toInstant();
    Instant expiresAt = exp == null ? null : exp.toInstant();
    if (maxTokenAge != null) {
      // ClaimRules made sure iat is there and not ahead of the clock beyond the skew: no overflow here
      Instant ageLimit = issuedAt.plus(maxTokenAge);
      expiresAt = expiresAt == null || ageLimit.isBefore(expiresAt) ? ageLimit : expiresAt;
    }
    return new Identity(claims.getSubject(), expiresAt, issuedAt, permissions);
  }

  private static TokenRejected rejected(String reason, Exception cause) {
    log.debug("token rejected, {}: {}", reason, cause.toString());
    return new TokenRejected(reason);
  }

  // ---- claims

  /** Carries a reason out of the processor, which only lets BadJWTException through. */
  private static final class ClaimRejected extends BadJWTException {
    private static final long serialVersionUID = 1L;
    final String reason;

    ClaimRejected(String reason) {
      super(reason);
      this.reason = reason;
    }
  }

  /**
   * Nimbus's claim checks on this verifier's clock. Its failures carry only messages, so the reason is
   * recomputed from the claims, in Nimbus's own order (audience, required, exact match, exp, nbf).
   */
  private static final class ClaimRules extends DefaultJWTClaimsVerifier<SecurityContext> {
    private final String issuer;
    private final String audience;
    private final Clock clock;
    private final Duration skew;
    private final Duration maxTokenAge;

    ClaimRules(String issuer, String audience, Clock clock, int skewSeconds, Duration maxTokenAge) {
      super(
          audience == null ? null : Set.of(audience),
          issuer == null ? null : new JWTClaimsSet.Builder().issuer(issuer).build(),
          Set.of(JWTClaimNames.SUBJECT),
          null);
      this.issuer = issuer;
      this.audience = audience;
      this.clock = clock;
      this.skew = Duration.ofSeconds(skewSeconds);
      this.maxTokenAge = maxTokenAge;
      setMaxClockSkew(skewSeconds);
    }

    @Override
    protected Date currentTime() {
      return Date.from(clock.instant());
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
      try {
        super.verify(claims, context);
      } catch (ExpiredJWTException e) {
        throw new ClaimRejected(TokenRejected.EXPIRED);
      } catch (BadJWTException e) {
        throw new ClaimRejected(reasonFor(claims));
      }
      String subject = claims.getSubject();
      if (subject == null || subject.isEmpty()) {
        throw new ClaimRejected(TokenRejected.MISSING_SUBJECT);
      }
      if (!Identity.isValidSubject(subject)) {
        throw new ClaimRejected(TokenRejected.SUBJECT_TOO_LONG);
      }
      Instant now = clock.instant();
      Date iat = claims.getIssueTime();
      if (iat != null && iat.toInstant().isAfter(now.plus(skew))) {
        throw new ClaimRejected(TokenRejected.NOT_YET_VALID);
      }
      if (maxTokenAge != null) {
        if (iat == null) {
          throw new ClaimRejected(TokenRejected.MISSING_ISSUE_TIME);
        }
        // iat is at most now + skew here; one far in the past cannot overflow either (Date's range is narrower)
        if (now.isAfter(iat.toInstant().plus(maxTokenAge).plus(skew))) {
          throw new ClaimRejected(TokenRejected.EXPIRED);
        }
      }
    }

    private String reasonFor(JWTClaimsSet claims) {
      List<String> aud = claims.getAudience();
      if (audience != null && (aud == null || !aud.contains(audience))) {
        return TokenRejected.WRONG_AUDIENCE;
      }
      if (claims.getClaim(JWTClaimNames.SUBJECT) == null) {
        return TokenRejected.MISSING_SUBJECT;
      }
      if (issuer != null && !issuer.equals(claims.getClaim(JWTClaimNames.ISSUER))) {
        return TokenRejected.WRONG_ISSUER;
      }
      // exp is reported as ExpiredJWTException, so what remains is nbf
      return claims.getNotBeforeTime() != null ? TokenRejected.NOT_YET_VALID : TokenRejected.MALFORMED_TOKEN;
    }
  }

  // ---- keys

  private record KeySource(JWSKeySelector<SecurityContext> selector, Set<JWSAlgorithm> algorithms,
      String description) {}

  private static KeySource keySource(HeraldSettings.Auth auth) {
    String secret = nullToEmpty(auth.hmacSecret());
    String pem = nullToEmpty(auth.publicKeyFile());
    String jwks = nullToEmpty(auth.jwksFile());
    List<String> set = new ArrayList<>();
    if (!secret.isEmpty()) {
      set.add("hmac-secret");
    }
    if (!pem.isEmpty()) {
      set.add("public-key-file");
    }
    if (!jwks.isEmpty()) {
      set.add("jwks-file");
    }
    if (set.size() != 1) {
      throw new IllegalArgumentException("herald.auth.mode = required needs exactly one key source among"
          + " herald.auth.jwt.hmac-secret, public-key-file and jwks-file; "
          + (set.isEmpty() ? "none is set" : "set are " + String.join(", ", set)));
    }
    if (!secret.isEmpty()) {
      return hmacSource(secret);
    }
    return pem.isEmpty() ? jwksSource(Path.of(jwks)) : pemSource(Path.of(pem));
  }

  private static KeySource hmacSource(String secret) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_HMAC_SECRET_BYTES) {
      throw new IllegalArgumentException("herald.auth.jwt.hmac-secret must be at least " + MIN_HMAC_SECRET_BYTES
          + " bytes (UTF-8), was " + bytes.length);
    }
    return new KeySource(
        singleKey(new SecretKeySpec(bytes, "HMAC"), HMAC), HMAC, "HMAC secret (" + bytes.length + " bytes)");
  }

  private static KeySource pemSource(Path file) {
    PublicKey key = readPem(file);
    Set<JWSAlgorithm> algorithms;
    String what;
    if (key instanceof RSAPublicKey rsa) {
      checkRsaSize(rsa.getModulus().bitLength(), "the RSA key in " + file);
      algorithms = RSA;
      what = "RSA " + rsa.getModulus().bitLength();
    } else if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.forECParameterSpec(ec.getParams());
      algorithms = Set.of(ecAlgorithm(curve, "the EC key in " + file));
      what = "EC " + curve;
    } else {
      throw new IllegalArgumentException("herald.auth.jwt.public-key-file " + file + " holds a "
          + key.getAlgorithm() + " key; expected an RSA or EC public key");
    }
    return new KeySource(singleKey(key, algorithms), algorithms, what + " public key from " + file);
  }

  /** One configured key: the token's kid is not consulted, as there is nothing to choose from. */
  private static JWSKeySelector<SecurityContext> singleKey(Key key, Set<JWSAlgorithm> algorithms) {
    List<Key> only = List.of(key);
    return (header, context) -> algorithms.contains(header.getAlgorithm()) ? only : List.of();
  }

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  private static PublicKey readPem(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "herald.auth.jwt.public-key-file " + file + " cannot be read: " + e, e);
    }
    Matcher block = PEM_BLOCK.matcher(text);
    if (!block.find()) {
      throw new IllegalArgumentException("herald.auth.jwt.public-key-file " + file
          + " holds no PEM block; expected -----BEGIN PUBLIC KEY----- or -----BEGIN CERTIFICATE-----");
    }
    String label = block.group(1);
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(block.group(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("herald.auth.jwt.public-key-file " + file + ": bad base64 in PEM", e);
    }
    try {
      switch (label) {
        case "PUBLIC KEY" -> {
          X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
          try {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
          } catch (GeneralSecurityException notRsa) {
            return KeyFactory.getInstance("EC").generatePublic(spec);
          }
        }
        case "CERTIFICATE" -> {
          return CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der))
              .getPublicKey();
        }
        default -> throw new IllegalArgumentException("herald.auth.jwt.public-key-file " + file + " holds a \""
            + label + "\" PEM block; expected PUBLIC KEY (openssl pkey -pubout) or CERTIFICATE"
            + (label.contains("PRIVATE") ? "; never give the server a private key" : ""));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("herald.auth.jwt.public-key-file " + file
          + " holds no valid RSA or EC public key: " + e.getMessage(), e);
    }
  }

  private static KeySource jwksSource(Path file) {
    JWKSet parsed;
    try {
      parsed = JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("herald.auth.jwt.jwks-file " + file + " cannot be read: " + e, e);
    } catch (ParseException e) {
      throw new IllegalArgumentException(
          "herald.auth.jwt.jwks-file " + file + " is not a valid JWK set: " + e.getMessage(), e);
    }
    if (parsed.getKeys().isEmpty()) {
      throw new IllegalArgumentException("herald.auth.jwt.jwks-file " + file + " holds no keys");
    }
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    List<JWK> keys = new ArrayList<>();
    for (JWK jwk : parsed.getKeys()) {
      String which = "key " + (jwk.getKeyID() == null ? "without kid" : "\"" + jwk.getKeyID() + "\"")
          + " in " + file;
      if (jwk instanceof RSAKey rsa) {
        checkRsaSize(rsa.size(), "the RSA " + which);
        algorithms.addAll(RSA);
        keys.add(rsa.toPublicJWK()); // keep no private parts in memory
      } else if (jwk instanceof ECKey ec) {
        algorithms.add(ecAlgorithm(ec.getCurve(), "the EC " + which));
        keys.add(ec.toPublicJWK());
      } else if (jwk instanceof OctetSequenceKey oct) {
        if (oct.size() < MIN_HMAC_SECRET_BYTES * 8) {
          throw new IllegalArgumentException("the HMAC " + which + " has " + oct.size() + " bits; at least "
              + MIN_HMAC_SECRET_BYTES * 8 + " are required");
        }
        algorithms.addAll(HMAC);
        keys.add(oct);
      } else {
        throw new IllegalArgumentException(
            "the " + jwk.getKeyType() + " " + which + " is not supported; use RSA, EC (P-256/384/521) or oct keys");
      }
    }
    Set<JWSAlgorithm> accepted = Set.copyOf(algorithms);
    return new KeySource(new KidSelector(accepted, new JWKSet(keys)), accepted,
        "JWK set of " + keys.size() + " key(s) from " + file);
  }

  /**
   * Nimbus's selection by alg, key type, curve and kid, with one rule more: a token without a kid is
   * accepted only when the set holds a single key, so a token never makes the server try several.
   */
  private static final class KidSelector extends JWSVerificationKeySelector<SecurityContext> {
    private final int keyCount;

    KidSelector(Set<JWSAlgorithm> algorithms, JWKSet keys) {
      super(algorithms, new ImmutableJWKSet<>(keys));
      this.keyCount = keys.size();
    }

    @Override
    public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context)
        throws com.nimbusds.jose.KeySourceException {
      if (header.getKeyID() == null && keyCount > 1) {
        return List.of();
      }
      return super.selectJWSKeys(header, context);
    }
  }

  private static void checkRsaSize(int bits, String what) {
    if (bits < MIN_RSA_BITS) {
      throw new IllegalArgumentException(what + " has " + bits + " bits; at least " + MIN_RSA_BITS + " are required");
    }
  }

  private static JWSAlgorithm ecAlgorithm(Curve curve, String what) {
    if (Curve.P_256.equals(curve)) {
      return JWSAlgorithm.ES256;
    }
    if (Curve.P_384.equals(curve)) {
      return JWSAlgorithm.ES384;
    }
    if (Curve.P_521.equals(curve)) {
      return JWSAlgorithm.ES512;
    }
    throw new IllegalArgumentException(what + " is on curve " + curve + "; expected P-256, P-384 or P-521");
  }

  private static int skewSeconds(HeraldSettings.Auth auth) {
    Duration skew = auth.clockSkew() == null ? Duration.ZERO : auth.clockSkew();
    if (skew.isNegative()) {
      throw new IllegalArgumentException("herald.auth.jwt.clock-skew must not be negative, was " + skew);
    }
    // Nimbus counts whole seconds; round up so a configured tolerance is never shortened
    long seconds = skew.toSeconds() + (skew.toNanosPart() > 0 ? 1 : 0);
    return (int) Math.min(seconds, Integer.MAX_VALUE);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  @Override
  public String toString() {
    return processor == null ? "TokenVerifier[auth off]" : "TokenVerifier" + algorithms;
  }
}
