package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.node.config.HeraldSettings;
import io.herald.node.config.HeraldSettings.AuthMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenVerifierTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final String SECRET = "a-shared-secret-of-at-least-32-bytes!";
  private static final Map<String, Object> CHANNELS = Map.of("room:*", List.of("join", "publish"));

  // key generation (RSA especially) is the slow part: once per class
  private static RSAKey rsa;
  private static ECKey ec256;
  private static ECKey ec384;
  private static ExecutorService pool;

  @TempDir
  static Path dir;

  @BeforeAll
  static void keys() throws JOSEException {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec256 = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    ec384 = new ECKeyGenerator(Curve.P_384).generate();
    pool = Executors.newFixedThreadPool(4);
  }

  @AfterAll
  static void stopPool() {
    pool.shutdownNow();
  }

  // ---- valid tokens, one per key source

  @Test
  void acceptsHs256WithSubjectExpiryAndPermissions() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    Identity identity = verifier.verify(hs256(claims().build()));
    assertThat(identity.subject()).isEqualTo("user-7");
    assertThat(identity.isAnonymous()).isFalse();
    assertThat(identity.expiresAt()).isEqualTo(NOW.plusSeconds(3600));
    assertThat(identity.permissions().allows("room:42", Action.JOIN)).isTrue();
    assertThat(identity.permissions().allows("room:42", Action.PRESENCE)).isFalse();
    assertThat(identity.permissions().allows("user:1", Action.JOIN)).isFalse();
    assertThat(verifier.clock()).isSameAs(CLOCK);
  }

  @Test
  void acceptsHs384AndHs512WithTheSecret() throws Exception {
    byte[] longSecret = (SECRET + SECRET).getBytes(StandardCharsets.UTF_8); // HS512 signing needs 64 bytes
    TokenVerifier verifier = TokenVerifier.from(auth(SECRET + SECRET, "", ""), CLOCK);
    for (JWSAlgorithm alg : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
      assertThat(verifier.verify(sign(alg, new MACSigner(longSecret), null, claims().build())).subject())
          .as(alg.getName()).isEqualTo("user-7");
    }
  }

  @Test
  void acceptsRs256AndPs256WithAPemPublicKey() throws Exception {
    TokenVerifier verifier = rsaVerifier();
    assertThat(verifier.verify(rs256(claims().build())).subject()).isEqualTo("user-7");
    String ps256 = sign(JWSAlgorithm.PS256, new RSASSASigner(rsa), "any-kid", claims().build());
    assertThat(verifier.verify(ps256).subject()).as("PS256, and a kid is ignored for a single key")
        .isEqualTo("user-7");
    assertThat(verifier.algorithms()).containsExactlyInAnyOrder(
        JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
        JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
  }

  @Test
  void acceptsTheKeyOfACertificatePem() throws Exception {
    // the JDK cannot mint a certificate through public API; keytool (one short process) can
    Path store = dir.resolve("cert.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "k", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=herald-test",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
        .redirectErrorStream(true).start();
    keytool.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertThat(keytool.waitFor()).isZero();
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      keyStore.load(in, "changeit".toCharArray());
    }
    Certificate cert = keyStore.getCertificate("k");
    Path pem = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
    RSAKey signingKey = new RSAKey.Builder((RSAPublicKey) cert.getPublicKey())
        .privateKey((PrivateKey) keyStore.getKey("k", "changeit".toCharArray()))
        .build();
    TokenVerifier verifier = TokenVerifier.from(auth("", pem.toString(), ""), CLOCK);
    String token = sign(JWSAlgorithm.RS256, new RSASSASigner(signingKey), null, claims().build());
    assertThat(verifier.verify(token).subject()).isEqualTo("user-7");
    assertRejected(verifier, rs256(claims().build()), "bad signature"); // another RSA key
  }

  @Test
  void aPrivateKeyPemIsRefused() throws Exception {
    Path privatePem = Files.writeString(dir.resolve("private.pem"),
        pem("PRIVATE KEY", rsa.toPrivateKey().getEncoded()));
    assertThatThrownBy(() -> TokenVerifier.from(auth("", privatePem.toString(), ""), CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PRIVATE KEY")
        .hasMessageContaining("never give the server a private key");
  }

  @Test
  void acceptsEs256WithAnEcPemKeyAndOnlyTheCurvesAlgorithm() throws Exception {
    TokenVerifier verifier = TokenVerifier.from(auth("", pemFile("ec.pem", ec256.toPublicKey()), ""), CLOCK);
    assertThat(verifier.verify(es256(claims().build())).subject()).isEqualTo("user-7");
    assertThat(verifier.algorithms()).containsExactly(JWSAlgorithm.ES256);
    String es384 = sign(JWSAlgorithm.ES384, new ECDSASigner(ec384), null, claims().build());
    assertRejected(verifier, es384, "unsupported algorithm");
  }

  @Test
  void jwksChoosesTheKeyByKid() throws Exception {
    TokenVerifier verifier = jwksVerifier(rsa, ec256);
    assertThat(verifier.verify(rs256(claims().subject("by-rsa").build())).subject()).isEqualTo("by-rsa");
    assertThat(verifier.verify(es256(claims().subject("by-ec").build())).subject()).isEqualTo("by-ec");
    assertRejected(verifier, sign(JWSAlgorithm.RS256, new RSASSASigner(rsa), "unknown", claims().build()),
        "bad signature");
    assertRejected(verifier, sign(JWSAlgorithm.RS256, new RSASSASigner(rsa), null, claims().build()),
        "bad signature"); // no kid with two keys: never try them all
    assertRejected(verifier, sign(JWSAlgorithm.RS256, new RSASSASigner(rsa), "ec-1", claims().build()),
        "bad signature"); // a kid of a key of another type
  }

  @Test
  void jwksWithOneKeyAcceptsATokenWithoutKid() throws Exception {
    TokenVerifier verifier = jwksVerifier(rsa);
    assertThat(verifier.verify(sign(JWSAlgorithm.RS256, new RSASSASigner(rsa), null, claims().build())).subject())
        .isEqualTo("user-7");
    assertRejected(verifier, es256(claims().build()), "unsupported algorithm");
  }

  @Test
  void jwksWithAPrivateKeyKeepsOnlyThePublicPart() throws Exception {
    // an operator who pastes a full key pair still gets a working verifier
    Path file = Files.writeString(dir.resolve("private-jwks.json"), new JWKSet(List.of(rsa)).toString(false));
    TokenVerifier verifier = TokenVerifier.from(auth("", "", file.toString()), CLOCK);
    assertThat(verifier.verify(rs256(claims().build())).subject()).isEqualTo("user-7");
  }

  // ---- missing, malformed

  @Test
  void noTokenIsMissingToken() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    assertRejected(verifier, AuthToken.from(Map.of(), "token", null), "missing token");
    assertRejected(verifier, "", "missing token");
  }

  @Test
  void malformedStringsAreMalformedToken() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    String valid = hs256(claims().build());
    String[] parts = valid.split("\\.");
    for (String bad : List.of(
        "garbage",
        parts[0] + "." + parts[1], // two parts
        "a.b.c",
        "!!!.###.$$$", // not base64url
        b64("not json") + "." + parts[1] + "." + parts[2],
        parts[0] + "." + b64("[1,2,3]") + "." + parts[2], // payload not a claims object
        "....")) {
      assertRejected(verifier, bad, "malformed token");
    }
  }

  // ---- time

  @Test
  void expiredBeyondTheSkewIsRejectedWithinTheSkewAccepted() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    assertRejected(verifier, hs256(claims().expirationTime(at(NOW.minus(SKEW).minusSeconds(1))).build()), "expired");
    assertRejected(verifier, hs256(claims().expirationTime(at(NOW.minus(SKEW))).build()), "expired");
    Identity late = verifier.verify(hs256(claims().expirationTime(at(NOW.minus(SKEW).plusSeconds(1))).build()));
    assertThat(late.expiresAt()).isBefore(NOW);
    assertThat(late.expiredAt(NOW)).as("the edge still sees the real expiry").isTrue();
  }

  @Test
  void notYetValidBeyondTheSkewIsRejectedWithinTheSkewAccepted() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    assertRejected(verifier, hs256(claims().notBeforeTime(at(NOW.plus(SKEW).plusSeconds(1))).build()),
        "not yet valid");
    assertThat(verifier.verify(hs256(claims().notBeforeTime(at(NOW.plus(SKEW).minusSeconds(1))).build())).subject())
        .isEqualTo("user-7");
  }

  @Test
  void aTokenWithoutExpIsAcceptedWithoutExpiry() throws Exception {
    Identity identity = hmacVerifier().verify(hs256(claims().expirationTime(null).build()));
    assertThat(identity.expiresAt()).isNull();
    assertThat(identity.expiredAt(NOW.plus(Duration.ofDays(3650)))).isFalse();
  }

  @Test
  void anIatAheadOfTheClockBeyondTheSkewIsNotYetValid() throws Exception {
    // a revocation refuses tokens issued before it: an iat in the future would pass every one until then
    TokenVerifier verifier = hmacVerifier();
    assertRejected(verifier, hs256(claims().issueTime(at(NOW.plus(SKEW).plusSeconds(1))).build()), "not yet valid");
    assertRejected(verifier, hs256(claims().issueTime(at(NOW.plus(Duration.ofDays(365)))).build()), "not yet valid");
    Identity withinSkew = verifier.verify(hs256(claims().issueTime(at(NOW.plus(SKEW))).build()));
    assertThat(withinSkew.issuedAt()).isEqualTo(NOW.plus(SKEW));
  }

  @Test
  void aSubjectLongerThanTheDisconnectApiAcceptsIsRefused() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    String longest = "u".repeat(Identity.MAX_SUBJECT_LENGTH);
    assertThat(verifier.verify(hs256(claims().subject(longest).build())).subject()).isEqualTo(longest);
    assertRejected(verifier, hs256(claims().subject(longest + "u").build()), "subject too long");
  }

  @Test
  void farFutureExpiriesAreAcceptedAndKeepAUsableExpiry() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    // 300 days (beyond Pekko's scheduler range) and 1e15 s (a Duration of it overflows nanos)
    for (Instant exp : List.of(NOW.plus(Duration.ofDays(300)), Instant.ofEpochSecond(1_000_000_000_000_000L))) {
      Identity identity = verifier.verify(hs256(claims().expirationTime(at(exp)).build()));
      assertThat(identity.expiresAt()).isEqualTo(exp);
      assertThat(identity.untilExpiryCheck(NOW, SKEW)).isEqualTo(Identity.EXPIRY_CHECK_HORIZON);
    }
  }

  @Test
  void maxTokenAgeBoundsTokensWithAndWithoutExp() throws Exception {
    Duration maxAge = Duration.ofMinutes(30);
    TokenVerifier verifier = hmacVerifierWithMaxAge(maxAge);
    Instant issued = NOW.minusSeconds(600);
    Identity noExp = verifier.verify(hs256(claims().issueTime(at(issued)).expirationTime(null).build()));
    assertThat(noExp.expiresAt()).as("a token without exp now ends").isEqualTo(issued.plus(maxAge));
    Identity longExp = verifier.verify(hs256(claims().issueTime(at(issued)).expirationTime(at(NOW.plus(Duration.ofDays(7)))).build()));
    assertThat(longExp.expiresAt()).as("the earlier of exp and iat + max age").isEqualTo(issued.plus(maxAge));
    Identity shortExp = verifier.verify(hs256(claims().issueTime(at(issued)).build())); // exp in an hour
    assertThat(shortExp.expiresAt()).isEqualTo(issued.plus(maxAge));
    Identity soonExp = verifier.verify(hs256(claims().issueTime(at(issued)).expirationTime(at(NOW.plusSeconds(60))).build()));
    assertThat(soonExp.expiresAt()).isEqualTo(NOW.plusSeconds(60));
    // older than the max age, with the skew as for exp
    assertRejected(verifier, hs256(claims().issueTime(at(NOW.minus(maxAge).minus(SKEW).minusSeconds(1))).expirationTime(null).build()),
        "expired");
    assertThat(verifier.verify(hs256(claims().issueTime(at(NOW.minus(maxAge).minus(SKEW))).expirationTime(null).build())).subject())
        .isEqualTo("user-7");
    assertRejected(verifier, hs256(claims().issueTime(null).expirationTime(null).build()), "missing issue time");
    assertRejected(verifier, hs256(claims().issueTime(null).build()), "missing issue time");
    assertThat(hmacVerifier().verify(hs256(claims().issueTime(null).expirationTime(null).build())).expiresAt())
        .as("off: no age rule").isNull();
  }

  @Test
  void theVerifierUsesItsClockNotTheSystemClock() throws Exception {
    // a token valid in 2030 only: the system clock would call it not yet valid
    String token = hs256(claims().notBeforeTime(at(NOW.minusSeconds(60))).build());
    assertThat(hmacVerifier().verify(token).subject()).isEqualTo("user-7");
    TokenVerifier later = TokenVerifier.from(auth(SECRET, "", ""), Clock.offset(CLOCK, Duration.ofHours(2)));
    assertRejected(later, token, "expired");
  }

  // ---- signatures and algorithms

  @Test
  void aWrongSecretOrATamperedPayloadIsBadSignature() throws Exception {
    assertRejected(hmacVerifier(),
        sign(JWSAlgorithm.HS256, new MACSigner("another-secret-also-32-bytes-long!!"), null, claims().build()),
        "bad signature");
    String[] parts = rs256(claims().build()).split("\\.");
    String tampered = parts[0] + "." + b64(claims().subject("admin").build().toString()) + "." + parts[2];
    assertRejected(rsaVerifier(), tampered, "bad signature");
  }

  @Test
  void algNoneIsUnsupportedAlgorithm() throws Exception {
    String unsigned = "eyJhbGciOiJub25lIn0." + b64(claims().build().toString()) + ".";
    assertRejected(hmacVerifier(), unsigned, "unsupported algorithm");
    assertRejected(rsaVerifier(), unsigned, "unsupported algorithm");
  }

  @Test
  void hs256SignedWithTheRsaPublicKeyIsRefusedWhenRsaIsConfigured() throws Exception {
    Path pem = Path.of(pemFile("confusion.pem", rsa.toPublicKey()));
    byte[] pemBytes = Files.readAllBytes(pem);
    String confused = sign(JWSAlgorithm.HS256, new MACSigner(pemBytes), null, claims().build());
    String confusedDer = sign(JWSAlgorithm.HS256, new MACSigner(rsa.toPublicKey().getEncoded()), null,
        claims().build());
    TokenVerifier verifier = TokenVerifier.from(auth("", pem.toString(), ""), CLOCK);
    assertRejected(verifier, confused, "unsupported algorithm");
    assertRejected(verifier, confusedDer, "unsupported algorithm");
    // the forged token is otherwise perfect: a verifier that trusted HMAC with those bytes would accept it
    TokenVerifier naive = TokenVerifier.from(auth(new String(pemBytes, StandardCharsets.US_ASCII), "", ""), CLOCK);
    assertThat(naive.verify(confused).subject()).isEqualTo("user-7");
  }

  @Test
  void es256WhenRsaIsConfiguredIsUnsupportedAlgorithm() throws Exception {
    assertRejected(rsaVerifier(), es256(claims().build()), "unsupported algorithm");
    assertRejected(rsaVerifier(), hs256(claims().build()), "unsupported algorithm");
    assertRejected(hmacVerifier(), rs256(claims().build()), "unsupported algorithm");
  }

  @Test
  void anEncryptedTokenIsUnsupportedAlgorithm() throws Exception {
    byte[] key = new OctetSequenceKeyGenerator(256).generate().toByteArray();
    EncryptedJWT jwe = new EncryptedJWT(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM), claims().build());
    jwe.encrypt(new DirectEncrypter(key));
    assertRejected(hmacVerifier(), jwe.serialize(), "unsupported algorithm");
  }

  // ---- claims

  @Test
  void aMissingEmptyOrNonTextSubjectIsRejected() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    assertRejected(verifier, hs256(claims().subject(null).build()), "missing subject");
    assertRejected(verifier, hs256(claims().subject("").build()), "missing subject");
    // Nimbus reads a numeric sub as its decimal text (numeric user ids); anything else is refused
    assertThat(verifier.verify(hs256(claims().subject(null).claim("sub", 42).build())).subject()).isEqualTo("42");
    assertRejected(verifier, hs256(claims().subject(null).claim("sub", Map.of("id", 1)).build()), "malformed token");
    assertRejected(verifier, hs256(claims().subject(null).claim("sub", List.of("a")).build()), "malformed token");
  }

  @Test
  void issuerAndAudienceMustMatchWhenConfigured() throws Exception {
    TokenVerifier verifier = TokenVerifier.from(
        new HeraldSettings.Auth(AuthMode.REQUIRED, "token", SECRET, "", "", "https://id.example.com", "herald",
            SKEW, "channels", true, HOUR, null), CLOCK);
    JWTClaimsSet.Builder good = claims().issuer("https://id.example.com").audience(List.of("other", "herald"));
    assertThat(verifier.verify(hs256(good.build())).subject()).isEqualTo("user-7");
    assertRejected(verifier, hs256(claims().issuer("https://evil.example.com").audience("herald").build()),
        "wrong issuer");
    assertRejected(verifier, hs256(claims().audience("herald").build()), "wrong issuer"); // iss absent
    assertRejected(verifier, hs256(claims().issuer("https://id.example.com").audience("other").build()),
        "wrong audience");
    assertRejected(verifier, hs256(claims().issuer("https://id.example.com").build()), "wrong audience");
  }

  @Test
  void issuerAndAudienceAreIgnoredWhenNotConfigured() throws Exception {
    assertThat(hmacVerifier().verify(hs256(claims().issuer("anyone").audience("anything").build())).subject())
        .isEqualTo("user-7");
  }

  @Test
  void permissionsClaimIsParsed() throws Exception {
    TokenVerifier verifier = hmacVerifier();
    Identity absent = verifier.verify(hs256(claims().claim("channels", null).build()));
    assertThat(absent.permissions().allows("room:1", Action.JOIN)).as("no claim: nothing").isFalse();
    assertRejected(verifier, hs256(claims().claim("channels", List.of("room:*")).build()), "malformed permissions");
    assertRejected(verifier, hs256(claims().claim("channels", Map.of("room:*", "join")).build()),
        "malformed permissions");
    assertRejected(verifier, hs256(claims().claim("channels", Map.of("room:*", List.of("join", "admin"))).build()),
        "malformed permissions");
    assertRejected(verifier, hs256(claims().claim("channels", Map.of("ro*om", List.of("join"))).build()),
        "malformed permissions");
  }

  @Test
  void anEmptyPermissionsClaimSettingGrantsEverythingToAVerifiedToken() throws Exception {
    TokenVerifier verifier = TokenVerifier.from(
        new HeraldSettings.Auth(AuthMode.REQUIRED, "token", SECRET, "", "", "", "", SKEW, "", true, HOUR, null), CLOCK);
    Identity identity = verifier.verify(hs256(claims().claim("channels", "ignored").build()));
    assertThat(identity.permissions().allows("anything", Action.PRESENCE)).isTrue();
  }

  // ---- configuration

  @Test
  void authOffAnswersAnonymousWithoutReadingKeys() throws Exception {
    TokenVerifier off = TokenVerifier.from(
        new HeraldSettings.Auth(AuthMode.OFF, "token", "short", "/no/such/file", "", "", "", SKEW, "channels", true, HOUR, null),
        CLOCK);
    assertThat(off.verify(null)).isEqualTo(Identity.anonymous());
    assertThat(off.verify("garbage").isAnonymous()).isTrue();
  }

  @Test
  void badConfigurationFailsWithAClearMessage() throws Exception {
    String pem = pemFile("cfg.pem", rsa.toPublicKey());
    Path jwks = Files.writeString(dir.resolve("cfg-jwks.json"), new JWKSet(List.of(rsa.toPublicJWK())).toString());
    assertConfigError(auth("", "", ""), "none is set");
    assertConfigError(auth(SECRET, pem, ""), "set are hmac-secret, public-key-file");
    assertConfigError(auth("", pem, jwks.toString()), "set are public-key-file, jwks-file");
    assertConfigError(auth("31-bytes-is-one-byte-too-short", "", ""), "at least 32 bytes");
    assertConfigError(auth("", dir.resolve("absent.pem").toString(), ""), "cannot be read");
    assertConfigError(auth("", Files.writeString(dir.resolve("junk.pem"), "hello").toString(), ""), "no PEM block");
    assertConfigError(auth("", Files.writeString(dir.resolve("bad.pem"),
        pem("PUBLIC KEY", "not a key".getBytes(StandardCharsets.US_ASCII))).toString(), ""), "no valid RSA or EC");
    assertConfigError(auth("", "", dir.resolve("absent.json").toString()), "cannot be read");
    assertConfigError(auth("", "", Files.writeString(dir.resolve("bad.json"), "{\"keys\": 3}").toString()),
        "not a valid JWK set");
    assertConfigError(auth("", "", Files.writeString(dir.resolve("empty.json"), "{\"keys\": []}").toString()),
        "holds no keys");
    KeyPairGenerator weak = KeyPairGenerator.getInstance("RSA");
    weak.initialize(1024);
    assertConfigError(auth("", pemFile("weak.pem", weak.generateKeyPair().getPublic()), ""), "at least 2048");
    assertConfigError(new HeraldSettings.Auth(AuthMode.REQUIRED, "token", SECRET, "", "", "", "",
        Duration.ofSeconds(-1), "channels", true, HOUR, null), "clock-skew");
    assertConfigError(new HeraldSettings.Auth(AuthMode.REQUIRED, "token", SECRET, "", "", "", "",
        SKEW, "channels", true, HOUR, Duration.ZERO), "max-token-age");
  }

  // ---- concurrency

  @Test
  void oneVerifierServesManyThreads() throws Exception {
    TokenVerifier verifier = jwksVerifier(rsa, ec256);
    String good = es256(claims().build());
    String bad = es256(claims().expirationTime(at(NOW.minusSeconds(3600))).build());
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      results.add(pool.submit(() -> {
        int correct = 0;
        for (int i = 0; i < 100; i++) {
          try {
            if (verifier.verify(i % 2 == 0 ? good : bad).subject().equals("user-7") && i % 2 == 0) {
              correct++;
            }
          } catch (TokenRejected e) {
            if (i % 2 == 1 && e.reason().equals("expired")) {
              correct++;
            }
          }
        }
        return correct;
      }));
    }
    for (Future<Integer> r : results) {
      assertThat(r.get()).isEqualTo(100);
    }
  }

  // ---- helpers

  private static void assertRejected(TokenVerifier verifier, String token, String reason) {
    assertThatThrownBy(() -> verifier.verify(token))
        .as("token %s", token)
        .isInstanceOfSatisfying(TokenRejected.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static void assertConfigError(HeraldSettings.Auth auth, String messagePart) {
    assertThatThrownBy(() -> TokenVerifier.from(auth, CLOCK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(messagePart);
  }

  private static HeraldSettings.Auth auth(String secret, String publicKeyFile, String jwksFile) {
    return new HeraldSettings.Auth(
        AuthMode.REQUIRED, "token", secret, publicKeyFile, jwksFile, "", "", SKEW, "channels", true, HOUR, null);
  }

  private static TokenVerifier hmacVerifierWithMaxAge(Duration maxTokenAge) {
    return TokenVerifier.from(new HeraldSettings.Auth(
        AuthMode.REQUIRED, "token", SECRET, "", "", "", "", SKEW, "channels", true, HOUR, maxTokenAge), CLOCK);
  }

  private static TokenVerifier hmacVerifier() {
    return TokenVerifier.from(auth(SECRET, "", ""), CLOCK);
  }

  private static TokenVerifier rsaVerifier() throws Exception {
    return TokenVerifier.from(auth("", pemFile("rsa.pem", rsa.toPublicKey()), ""), CLOCK);
  }

  private static TokenVerifier jwksVerifier(JWK... keys) throws Exception {
    List<JWK> publicKeys = new ArrayList<>();
    for (JWK key : keys) {
      publicKeys.add(key.toPublicJWK());
    }
    Path file = Files.writeString(dir.resolve("jwks-" + keys.length + ".json"), new JWKSet(publicKeys).toString());
    return TokenVerifier.from(auth("", "", file.toString()), CLOCK);
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject("user-7")
        .issueTime(at(NOW.minusSeconds(10)))
        .expirationTime(at(NOW.plusSeconds(3600)))
        .claim("channels", CHANNELS);
  }

  private static String hs256(JWTClaimsSet claims) throws JOSEException {
    return sign(JWSAlgorithm.HS256, new MACSigner(SECRET), null, claims);
  }

  private static String rs256(JWTClaimsSet claims) throws JOSEException {
    return sign(JWSAlgorithm.RS256, new RSASSASigner(rsa), rsa.getKeyID(), claims);
  }

  private static String es256(JWTClaimsSet claims) throws JOSEException {
    return sign(JWSAlgorithm.ES256, new ECDSASigner(ec256), ec256.getKeyID(), claims);
  }

  private static String sign(JWSAlgorithm alg, JWSSigner signer, String kid, JWTClaimsSet claims)
      throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String pemFile(String name, PublicKey key) throws Exception {
    return Files.writeString(dir.resolve(name), pem("PUBLIC KEY", key.getEncoded())).toString();
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static Date at(Instant instant) {
    return Date.from(instant);
  }
}
