package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.HeraldNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A long-poll client as phoenix.js's LongPoll makes its requests (GET to poll, POST of ndjson), that
 * can send each request to any node: the session token travels in the header, refreshed by every poll.
 */
final class LongPollClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  String token;

  static String url(HeraldNode node) {
    return "http://127.0.0.1:" + node.port() + "/socket/longpoll";
  }

  /** Opens a session at {@code node}: answered {"status":410,"token":..}. */
  static LongPollClient open(HeraldNode node) throws Exception {
    JsonNode body = get(url(node) + "?vsn=2.0.0", null);
    assertThat(body.get("status").asInt()).as("open: %s", body).isEqualTo(410);
    LongPollClient client = new LongPollClient();
    client.token = body.get("token").asText();
    return client;
  }

  /** One poll at {@code node}; the token is refreshed from its answer. */
  JsonNode poll(HeraldNode node) throws Exception {
    JsonNode body = get(url(node) + "?vsn=2.0.0", token);
    if (body.hasNonNull("token")) {
      token = body.get("token").asText();
    }
    return body;
  }

  /** The frames of one poll (empty for 204), each parsed; fails on any other status. */
  List<JsonNode> frames(HeraldNode node) throws Exception {
    JsonNode body = poll(node);
    int status = body.get("status").asInt();
    assertThat(status).as("poll: %s", body).isIn(200, 204);
    List<JsonNode> frames = new ArrayList<>();
    if (status == 200) {
      for (JsonNode m : body.get("messages")) {
        frames.add(JSON.readTree(m.asText()));
      }
    }
    return frames;
  }

  JsonNode post(HeraldNode node, String... lines) throws Exception {
    return post(node, String.join("\n", lines));
  }

  JsonNode post(HeraldNode node, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url(node) + "?vsn=2.0.0"))
            .header("content-type", "application/x-ndjson")
            .header(LongPollHandler.TOKEN_HEADER, token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(20))
            .build();
    return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
  }

  static JsonNode get(String url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("accept", "application/json").timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header(LongPollHandler.TOKEN_HEADER, token);
    }
    return JSON.readTree(HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Publishes through {@code node}'s HTTP API; returns once the topic's owner numbered it. */
  static void broadcast(HeraldNode node, String topic, String event, String payloadJson) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/api/broadcast"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"topic\":\"" + topic + "\",\"event\":\"" + event + "\",\"payload\":" + payloadJson + "}"))
            .build();
    HttpResponse<String> response = send(request);
    assertThat(response.statusCode()).as("broadcast: %s", response.body()).isEqualTo(200);
  }

  static String join(String topic, String ref) {
    return "[\"" + ref + "\",\"" + ref + "\",\"" + topic + "\",\"phx_join\",{}]";
  }
}
