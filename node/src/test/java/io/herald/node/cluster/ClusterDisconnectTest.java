package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.client.Channel;
import io.herald.client.CloseEvent;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.protocol.Payload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Disconnect by socket id reaches every node: a user with sockets on two nodes is thrown out of both
 * by one API call to either node, with 1000 so the client does not reconnect; another user stays.
 */
class ClusterDisconnectTest {
  private static final String SECRET = "cluster-disconnect-test-secret-0123456789";

  private static String token(String sub) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder().subject(sub).claim("channels", Map.of("room:*", List.of("join", "publish"))).build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void oneCallClosesEverySocketOfTheUserOnEveryNode() throws Exception {
    List<HeraldNode> nodes =
        TestNode.startCluster(2, Map.of("herald.auth.mode", "required", "herald.auth.jwt.hmac-secret", SECRET));
    List<Socket> sockets = new ArrayList<>();
    try {
      List<CompletableFuture<CloseEvent>> carolClosed = new ArrayList<>();
      for (HeraldNode node : nodes) {
        Socket carol = socket(node, token("carol"));
        CompletableFuture<CloseEvent> closed = new CompletableFuture<>();
        carol.onClose(closed::complete);
        carolClosed.add(closed);
        sockets.add(carol);
        joined(carol);
      }
      Socket dave = socket(nodes.get(1), token("dave"));
      sockets.add(dave);
      Channel daveRoom = joined(dave);

      // Each node's directory reaches the others through the receptionist's gossip: wait until both are listed.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!disconnect(nodes.get(0), "nobody").body().contains("\"nodes\":2")) {
        assertThat(System.nanoTime()).as("both socket directories listed").isLessThan(deadline);
        Thread.sleep(200);
      }
      HttpResponse<String> response = disconnect(nodes.get(0), "carol");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"sockets\":2", "\"nodes\":2", "\"nodes_unanswered\":0");
      for (CompletableFuture<CloseEvent> closed : carolClosed) {
        CloseEvent event = closed.get(10, TimeUnit.SECONDS);
        assertThat(event.code()).isEqualTo(1000);
        assertThat(event.reconnecting()).as("the client stays away").isFalse();
      }
      assertThat(daveRoom.push("shout", Payload.json("{\"still\":\"here\"}")).get(10, TimeUnit.SECONDS).ok()).isTrue();
    } finally {
      sockets.forEach(Socket::disconnect);
      nodes.forEach(HeraldNode::close);
    }
  }

  /**
   * A revocation reaches a node that joins after it (Distributed Data): the revoked token is refused
   * there too, and a token issued after the revocation is let in.
   */
  @Test
  void aNodeThatJoinsLaterRefusesTheRevokedTokens() throws Exception {
    Map<String, Object> auth = Map.of("herald.auth.mode", "required", "herald.auth.jwt.hmac-secret", SECRET);
    List<HeraldNode> nodes = new ArrayList<>(TestNode.startCluster(2, auth));
    try {
      String oldToken = token("erin");
      assertThat(upgradeStatus(nodes.get(1), oldToken)).isEqualTo(101);
      HttpResponse<String> response = disconnect(nodes.get(0), "erin");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(upgradeStatus(nodes.get(0), oldToken)).as("revoked where the call was made").isEqualTo(403);

      Map<String, Object> joining = new java.util.HashMap<>(auth);
      joining.put("herald.cluster.seed-nodes", nodes.get(0).clusterHostPort());
      nodes.add(TestNode.start(List.of(), joining));
      assertThat(upgradeStatus(nodes.get(2), oldToken)).as("revoked on a node that joined afterwards").isEqualTo(403);

      Thread.sleep(1100); // iat has whole seconds: a token of the next second is newer than the revocation
      assertThat(upgradeStatus(nodes.get(2), token("erin", java.time.Instant.now()))).as("a fresh login").isEqualTo(101);
    } finally {
      nodes.forEach(HeraldNode::close);
    }
  }

  private static String token(String sub, java.time.Instant issuedAt) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject(sub)
                .issueTime(java.util.Date.from(issuedAt))
                .claim("channels", Map.of("room:*", List.of("join", "publish")))
                .build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  /** The HTTP status of a WebSocket upgrade with this token: 101 when it opens. */
  private static int upgradeStatus(HeraldNode node, String token) throws Exception {
    URI uri = URI.create(TestNode.endpoint(node) + "?vsn=2.0.0&token=" + token);
    try {
      java.net.http.WebSocket ws =
          HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new java.net.http.WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
      ws.abort();
      return 101;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
        return refused.getResponse().statusCode();
      }
      throw e;
    }
  }

  /** {@code POST /api/sockets/{id}/disconnect} on this node's API (no body: close with 1000 and revoke). */
  static HttpResponse<String> disconnect(HeraldNode node, String id) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/api/sockets/" + id + "/disconnect"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static Socket socket(HeraldNode node, String token) throws Exception {
    Socket socket = new Socket(SocketOptions.builder(TestNode.endpoint(node)).params(Map.of("token", token)).build());
    socket.connect().get(10, TimeUnit.SECONDS);
    return socket;
  }

  private static Channel joined(Socket socket) throws Exception {
    Channel channel = socket.channel("room:cd", () -> Payload.EMPTY_OBJECT);
    assertThat(channel.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
    return channel;
  }
}
