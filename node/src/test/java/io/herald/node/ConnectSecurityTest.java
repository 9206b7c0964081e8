package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.node.auth.Identity;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may connect and what they may do, through real WebSockets against a node with auth required:
 * the token matrix (each refusal an HTTP 403 before the upgrade), channel permissions, the origin
 * check against cross-site WebSocket hijacking (with auth off too), expiry (far-future ones included), and
 * disconnect by socket id over the API, which reaches every socket that could connect.
 */
class ConnectSecurityTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static final String ORIGIN = "https://app.example.com";
  private static final Map<String, List<String>> ROOMS = Map.of("room:*", List.of("join", "publish"));

  private static HeraldNode node;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    node =
        TestNode.start(
            List.of(),
            Map.of(
                "herald.auth.mode", "required",
                "herald.auth.jwt.hmac-secret", SECRET,
                "herald.auth.jwt.clock-skew", "0s",
                "herald.http.allowed-origins", ORIGIN + ", //*.example.org"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String token(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static JWTClaimsSet.Builder claims(String sub) {
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .issueTime(Date.from(Instant.now().minusSeconds(60)))
        .expirationTime(Date.from(Instant.now().plusSeconds(600)))
        .claim("channels", ROOMS);
  }

  private static RawWebSocket connectWithToken(String token) throws IOException {
    return RawWebSocket.connect(node.port(), V2 + "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  private static int statusFor(String token) throws IOException {
    try (RawWebSocket ws = connectWithToken(token)) {
      return ws.status;
    }
  }

  private static String join(RawWebSocket ws, String ref, String topic) throws IOException {
    ws.sendText("[\"" + ref + "\",\"" + ref + "\",\"" + topic + "\",\"phx_join\",{}]");
    return ws.readTextOrClose().text();
  }

  @Test
  void everyBadTokenIsRefusedBeforeTheUpgrade() throws Exception {
    assertThat(RawWebSocket.connect(node.port(), V2).status).as("no token").isEqualTo(403);
    assertThat(statusFor(token(claims("a").expirationTime(Date.from(Instant.now().minusSeconds(5))).build())))
        .as("expired").isEqualTo(403);
    assertThat(statusFor(token(claims("a").notBeforeTime(Date.from(Instant.now().plusSeconds(300))).build())))
        .as("not yet valid").isEqualTo(403);
    String good = token(claims("a").build());
    String badSignature = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
    assertThat(statusFor(badSignature)).as("bad signature").isEqualTo(403);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String none =
        b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
            + b64.encodeToString(claims("a").build().toString().getBytes(StandardCharsets.UTF_8)) + ".";
    assertThat(statusFor(none)).as("alg none").isEqualTo(403);
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    SignedJWT rs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims("a").build());
    rs256.sign(new RSASSASigner(rsa));
    assertThat(statusFor(rs256.serialize())).as("wrong key type").isEqualTo(403);
    assertThat(statusFor("not-a-token")).as("garbage").isEqualTo(403);
    assertThat(statusFor(token(new JWTClaimsSet.Builder().claim("channels", ROOMS).build()))).as("no sub").isEqualTo(403);
    assertThat(statusFor(good)).as("the good token, for contrast").isEqualTo(101);
  }

  @Test
  void theTokenMayComeAsPhoenixJsAuthTokenSubprotocol() throws Exception {
    String token = token(claims("sub-user").build());
    String protocol = "base64url.bearer.phx." + Base64.getEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    try (RawWebSocket ws =
        RawWebSocket.connect(node.port(), V2, 0, "Sec-WebSocket-Protocol: phoenix, " + protocol + "\r\n")) {
      assertThat(ws.status).isEqualTo(101);
      assertThat(ws.headers).containsEntry("sec-websocket-protocol", "phoenix");
      assertThat(join(ws, "1", "room:sub")).contains("\"ok\"");
    }
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2, 0, "Sec-WebSocket-Protocol: phoenix, base64url.bearer.phx.bm9wZQ\r\n")) {
      assertThat(ws.status).as("a bad token in the sub-protocol").isEqualTo(403);
    }
  }

  @Test
  void permissionsDecideJoinsAndPublishes() throws Exception {
    String readOnly = token(claims("reader").claim("channels", Map.of("room:news", List.of("join"))).build());
    try (RawWebSocket ws = connectWithToken(readOnly)) {
      assertThat(join(ws, "1", "room:news")).isEqualTo("[\"1\",\"1\",\"room:news\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      ws.sendText("[\"1\",\"2\",\"room:news\",\"shout\",{\"body\":\"hi\"}]");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[\"1\",\"2\",\"room:news\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"unauthorized\"}}]");
      assertThat(join(ws, "3", "room:other"))
          .isEqualTo("[\"3\",\"3\",\"room:other\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"unauthorized\"}}]");
    }
    String noChannels = token(new JWTClaimsSet.Builder().subject("nobody").build());
    try (RawWebSocket ws = connectWithToken(noChannels)) {
      assertThat(ws.status).as("a token without permissions connects").isEqualTo(101);
      assertThat(join(ws, "1", "room:news")).contains("unauthorized");
    }
    try (RawWebSocket ws = connectWithToken(token(claims("writer").build()))) {
      join(ws, "1", "room:talk");
      ws.sendText("[\"1\",\"2\",\"room:talk\",\"shout\",{\"body\":\"hi\"}]");
      List<String> frames = List.of(ws.readTextOrClose().text(), ws.readTextOrClose().text());
      assertThat(frames).contains("[\"1\",\"2\",\"room:talk\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
    }
  }

  @Test
  void aForeignOriginIsRefusedAndAllowedOnesPass() throws Exception {
    String token = token(claims("o").build());
    String path = V2 + "&token=" + token;
    for (String foreign : List.of("https://evil.example.net", "http://app.example.com", "https://app.example.com.evil.net", "null")) {
      try (RawWebSocket ws = RawWebSocket.connect(node.port(), path, 0, "Origin: " + foreign + "\r\n")) {
        assertThat(ws.status).as(foreign).isEqualTo(403);
      }
    }
    for (String allowed : List.of(ORIGIN, "https://example.org", "https://chat.example.org")) {
      try (RawWebSocket ws = RawWebSocket.connect(node.port(), path, 0, "Origin: " + allowed + "\r\n")) {
        assertThat(ws.status).as(allowed).isEqualTo(101);
      }
    }
  }

  @Test
  void aSocketIsClosedWith3005WhenItsTokenExpires() throws Exception {
    String shortLived = token(claims("brief").expirationTime(Date.from(Instant.now().plusSeconds(2))).build());
    try (RawWebSocket ws = connectWithToken(shortLived)) {
      assertThat(ws.status).isEqualTo(101);
      ws.setReadTimeout(10_000);
      RawWebSocket.Frame frame = ws.readTextOrClose();
      assertThat(frame.isClose()).isTrue();
      assertThat(frame.closeCode()).isEqualTo(3005);
      assertThat(frame.closeReason()).isEqualTo("token expired");
    }
  }

  @Test
  void aFarFutureExpiryGivesAWorkingSocket() throws Exception {
    // 300 days is beyond Pekko's scheduler (about 248 days); a Duration of 1e15 s overflows its nanos
    for (Instant exp : List.of(Instant.now().plus(java.time.Duration.ofDays(300)), Instant.ofEpochSecond(1_000_000_000_000_000L))) {
      try (RawWebSocket ws = connectWithToken(token(claims("far-" + exp.getEpochSecond()).expirationTime(Date.from(exp)).build()))) {
        assertThat(ws.status).as("exp %s", exp).isEqualTo(101);
        ws.setReadTimeout(5_000);
        assertThat(join(ws, "1", "room:far")).as("exp %s", exp).contains("\"ok\"");
        ws.sendText("[null,\"2\",\"phoenix\",\"heartbeat\",{}]");
        assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
      }
    }
  }

  @Test
  void aTokenIssuedInTheFutureCannotSlipPastARevocation() throws Exception {
    assertThat(disconnect("time-traveller", "").statusCode()).isEqualTo(200);
    // iat is compared with the revocation's time: an iat a year ahead would pass every revocation for a year
    String ahead = token(claims("time-traveller").issueTime(Date.from(Instant.now().plus(java.time.Duration.ofDays(365)))).build());
    assertThat(statusFor(ahead)).isEqualTo(403);
  }

  @Test
  void everySubjectThatConnectsCanBeDisconnected() throws Exception {
    String longest = "s".repeat(Identity.MAX_SUBJECT_LENGTH);
    try (RawWebSocket ws = connectWithSubprotocolToken(token(claims(longest + "s").build()))) {
      assertThat(ws.status).as("a sub the disconnect API cannot name").isEqualTo(403);
    }
    try (RawWebSocket ws = connectWithSubprotocolToken(token(claims(longest).build()))) {
      assertThat(ws.status).isEqualTo(101);
      join(ws, "1", "room:long"); // joined: registered by now
      HttpResponse<String> response = disconnect(longest, "");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"sockets\":1");
      assertThat(ws.readTextOrClose().closeCode()).isEqualTo(1000);
    }
  }

  /** phoenix.js's authToken: a header, so not bounded by the request line as the token param is. */
  private static RawWebSocket connectWithSubprotocolToken(String token) throws IOException {
    String protocol = "base64url.bearer.phx." + Base64.getEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    return RawWebSocket.connect(node.port(), V2, 0, "Sec-WebSocket-Protocol: phoenix, " + protocol + "\r\n");
  }

  @Test
  void withAuthOffTheOriginCheckStaysOnUntilOpenedExplicitly() throws Exception {
    try (HeraldNode open = TestNode.start(List.of(), Map.of())) {
      int port = open.port();
      for (String foreign : List.of("https://evil.example.net", "http://localhost:" + port, "null")) {
        try (RawWebSocket ws = RawWebSocket.connect(port, V2, 0, "Origin: " + foreign + "\r\n")) {
          assertThat(ws.status).as("auth off, Origin %s", foreign).isEqualTo(403);
        }
      }
      // the demo page served by the node itself, and clients that send no Origin (ws, Java, Gatling)
      try (RawWebSocket ws = RawWebSocket.connect(port, V2, 0, "Origin: http://127.0.0.1:" + port + "\r\n")) {
        assertThat(ws.status).as("same host").isEqualTo(101);
      }
      try (RawWebSocket ws = RawWebSocket.connect(port, V2)) {
        assertThat(ws.status).as("no Origin").isEqualTo(101);
      }
    }
    try (HeraldNode open = TestNode.start(List.of(), Map.of("herald.http.check-origin", "off"))) {
      try (RawWebSocket ws = RawWebSocket.connect(open.port(), V2, 0, "Origin: https://evil.example.net\r\n")) {
        assertThat(ws.status).as("check-origin = off").isEqualTo(101);
      }
    }
  }

  @Test
  void disconnectBySocketIdClosesEverySocketOfThatUserAndNoOther() throws Exception {
    String alice = token(claims("alice").build());
    try (RawWebSocket a1 = connectWithToken(alice);
        RawWebSocket a2 = connectWithToken(alice);
        RawWebSocket b = connectWithToken(token(claims("bob").build()))) {
      join(a1, "1", "room:x"); // joined: the sockets are registered by now
      join(a2, "1", "room:x");
      HttpResponse<String> response = disconnect("alice", "");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"sockets\":2", "\"close_code\":1000", "\"nodes_unanswered\":0");
      for (RawWebSocket a : List.of(a1, a2)) {
        RawWebSocket.Frame close = a.readTextOrClose();
        assertThat(close.isClose()).isTrue();
        assertThat(close.closeCode()).isEqualTo(1000);
      }
      b.sendText("[null,\"9\",\"phoenix\",\"heartbeat\",{}]");
      assertThat(b.readTextOrClose().text()).contains("\"ok\"");
    }
    // phoenix.js 1.8 reconnects after any server close: the old token must not get back in, a new one may.
    assertThat(statusFor(alice)).as("alice's token from before the disconnect").isEqualTo(403);
    // issued after the revocation (iat has whole seconds: the same second counts as after)
    String newLogin = token(claims("alice").issueTime(Date.from(Instant.now())).build());
    try (RawWebSocket again = connectWithToken(newLogin)) {
      assertThat(again.status).isEqualTo(101);
      join(again, "1", "room:x");
      HttpResponse<String> response = disconnect("alice", "{\"reconnect\":true}");
      assertThat(response.body()).contains("\"sockets\":1", "\"close_code\":1001");
      assertThat(again.readTextOrClose().closeCode()).isEqualTo(1001);
    }
    assertThat(disconnect("no-such-user", "").body()).contains("\"sockets\":0");
    assertThat(disconnect("alice", "{\"reconnect\":\"yes\"}").statusCode()).isEqualTo(400);
    assertThat(disconnect("alice", "[").statusCode()).isEqualTo(400);
  }

  private static HttpResponse<String> disconnect(String id, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/api/sockets/" + id + "/disconnect"))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
