package io.herald.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.HeraldNode;
import io.herald.node.RawWebSocketAccess;
import io.herald.node.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The internal HTTP API through real HTTP against a real node. */
class ApiTest {
  private static final String KEY = "test-key-123";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HeraldNode node;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(List.of(), Map.of("herald.api.key", KEY, "herald.api.max-body-size", "2 KiB", "herald.api.max-batch", 3));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> call(String method, String path, String body, String key) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return call("POST", path, body, KEY);
  }

  private static void assertProblem(HttpResponse<String> response, int status, String type) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.path("type").asText()).isEqualTo("https://herald.dev/problems/" + type);
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("title").asText()).isNotEmpty();
    assertThat(problem.path("detail").asText()).isNotEmpty();
  }

  @Test
  void broadcastReachesSubscribersAndAnswersSeqAndEpoch() throws Exception {
    try (RawWebSocketAccess ws = RawWebSocketAccess.connect(node.port())) {
      ws.join("room:api");
      HttpResponse<String> first = post("/api/broadcast", "{\"topic\":\"room:api\",\"event\":\"news\",\"payload\":{\"a\":1}}");
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      JsonNode one = JSON.readTree(first.body());
      assertThat(ws.nextBroadcast()).isEqualTo("[null,null,\"room:api\",\"news\",{\"a\":1}]");
      HttpResponse<String> second = post("/api/broadcast", "{\"topic\":\"room:api\",\"event\":\"news\",\"payload\":{\"a\":2}}");
      JsonNode two = JSON.readTree(second.body());
      assertThat(two.path("seq").asLong()).isEqualTo(one.path("seq").asLong() + 1);
      assertThat(two.path("epoch").asText()).isEqualTo(one.path("epoch").asText()).isNotEmpty();
      assertThat(ws.nextBroadcast()).isEqualTo("[null,null,\"room:api\",\"news\",{\"a\":2}]");
    }
  }

  @Test
  void aRepeatedIdempotencyKeyIsAnsweredWithTheFirstSeqAndNotDeliveredAgain() throws Exception {
    try (RawWebSocketAccess ws = RawWebSocketAccess.connect(node.port())) {
      ws.join("room:idem");
      String body = "{\"topic\":\"room:idem\",\"event\":\"e\",\"payload\":{\"n\":1},\"idempotency_key\":\"k-1\"}";
      JsonNode first = JSON.readTree(post("/api/broadcast", body).body());
      JsonNode again = JSON.readTree(post("/api/broadcast", body).body());
      assertThat(again.path("seq").asLong()).isEqualTo(first.path("seq").asLong());
      post("/api/broadcast", "{\"topic\":\"room:idem\",\"event\":\"e\",\"payload\":{\"n\":2}}");
      assertThat(ws.nextBroadcast()).isEqualTo("[null,null,\"room:idem\",\"e\",{\"n\":1}]");
      assertThat(ws.nextBroadcast()).isEqualTo("[null,null,\"room:idem\",\"e\",{\"n\":2}]");
    }
  }

  @Test
  void batchAnswersEachItemWithSeqOrItsProblem() throws Exception {
    HttpResponse<String> response =
        post(
            "/api/broadcast/batch",
            "{\"broadcasts\":[{\"topic\":\"room:b1\",\"event\":\"e\",\"payload\":{}},"
                + "{\"topic\":7,\"event\":\"e\",\"payload\":{}},"
                + "{\"topic\":\"room:b2\",\"event\":\"e\",\"payload\":{}}]}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode results = JSON.readTree(response.body()).path("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).path("seq").asLong()).isPositive();
    assertThat(results.get(1).path("error").path("type").asText()).endsWith("/invalid-field");
    assertThat(results.get(2).path("seq").asLong()).isPositive();
    assertProblem(
        post("/api/broadcast/batch", "{\"broadcasts\":[{},{},{},{}]}"), 400, "batch-too-large");
  }

  @Test
  void everyBadInputGetsAProblemDocument() throws Exception {
    assertProblem(post("/api/broadcast", "{\"event\":\"e\",\"payload\":{}}"), 400, "missing-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"payload\":{}}"), 400, "missing-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"event\":\"e\"}"), 400, "missing-field");
    assertProblem(post("/api/broadcast", "{\"topic\":42,\"event\":\"e\",\"payload\":{}}"), 400, "invalid-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"event\":[],\"payload\":{}}"), 400, "invalid-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"event\":\"phx_close\",\"payload\":{}}"), 400, "invalid-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"event\":\"e\",\"payload\":[1]}"), 400, "invalid-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\",\"event\":\"e\",\"payload\":{},\"idempotency_key\":5}"), 400, "invalid-field");
    assertProblem(post("/api/broadcast", "{\"topic\":\"room:x\", oops"), 400, "malformed-json");
    assertProblem(post("/api/broadcast", "[]"), 400, "invalid-field");
    String big = "{\"topic\":\"room:x\",\"event\":\"e\",\"payload\":{\"pad\":\"" + "x".repeat(3000) + "\"}}";
    assertProblem(post("/api/broadcast", big), 413, "payload-too-large");
  }

  @Test
  void aMissingOrWrongKeyIs401WithAChallenge() throws Exception {
    String body = "{\"topic\":\"room:x\",\"event\":\"e\",\"payload\":{}}";
    HttpResponse<String> none = call("POST", "/api/broadcast", body, null);
    assertProblem(none, 401, "unauthorized");
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertProblem(call("POST", "/api/broadcast", body, "wrong-key"), 401, "unauthorized");
    assertProblem(call("GET", "/api/stats", null, KEY + "x"), 401, "unauthorized");
  }

  @Test
  void unknownPathsAndMethodsAreProblemsToo() throws Exception {
    assertProblem(call("GET", "/api/nothing-here", null, KEY), 404, "not-found");
    assertProblem(call("GET", "/api/broadcast", null, KEY), 405, "method-not-allowed");
  }

  @Test
  void statsShowThisNodeAndTheCluster() throws Exception {
    try (RawWebSocketAccess ws = RawWebSocketAccess.connect(node.port())) {
      ws.join("room:stats");
      HttpResponse<String> response = call("GET", "/api/stats", null, KEY);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode stats = JSON.readTree(response.body());
      assertThat(stats.path("node").path("sockets").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(stats.path("node").path("topics").asInt()).isGreaterThanOrEqualTo(1);
      assertThat(stats.path("node").path("status").asText()).isEqualTo("Up");
      assertThat(stats.path("cluster").path("members")).hasSize(1);
      assertThat(stats.path("cluster").path("members").get(0).path("reachable").asBoolean()).isTrue();
    }
  }
}
