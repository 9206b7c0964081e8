package io.herald.node.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.protocol.ReservedEvents;
import io.herald.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One validated {@code POST /api/broadcast} request: {@code {"topic", "event", "payload",
 * "idempotency_key"?}}. Pure parsing and validation; {@link #parse} and {@link #parseBatch} return a
 * request or a {@link Problem}, never throw.
 */
public record BroadcastRequest(String topic, String event, byte[] payload, String idempotencyKey) {

  /** Either a request or the problem with it. */
  public record Parsed(BroadcastRequest request, Problem problem) {}

  /** Either the requests of a batch or the problem with the batch as a whole. */
  public record ParsedBatch(List<Parsed> items, Problem problem) {}

  /** Binary frames carry the topic and event in 1-byte length fields. */
  static final int MAX_TOPIC_BYTES = Topics.MAX_BYTES;
  static final int MAX_EVENT_BYTES = 255;
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;

  static Parsed parse(ObjectMapper mapper, byte[] body) {
    JsonNode json;
    try {
      json = mapper.readTree(body);
    } catch (JsonProcessingException | RuntimeException e) {
      return new Parsed(null, Problem.badRequest("malformed-json", "the body is not valid JSON"));
    } catch (java.io.IOException e) {
      return new Parsed(null, Problem.badRequest("malformed-json", "the body could not be read"));
    }
    return validate(mapper, json, "");
  }

  static ParsedBatch parseBatch(ObjectMapper mapper, byte[] body, int maxItems) {
    JsonNode json;
    try {
      json = mapper.readTree(body);
    } catch (java.io.IOException | RuntimeException e) {
      return new ParsedBatch(null, Problem.badRequest("malformed-json", "the body is not valid JSON"));
    }
    if (json == null || !json.isObject() || !json.path("broadcasts").isArray()) {
      return new ParsedBatch(null, Problem.badRequest("invalid-field", "expected {\"broadcasts\": [...]}"));
    }
    JsonNode items = json.get("broadcasts");
    if (items.size() > maxItems) {
      return new ParsedBatch(
          null, Problem.badRequest("batch-too-large", "at most " + maxItems + " broadcasts per batch, got " + items.size()));
    }
    List<Parsed> parsed = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      parsed.add(validate(mapper, items.get(i), "broadcasts[" + i + "]."));
    }
    return new ParsedBatch(parsed, null);
  }

  private static Parsed validate(ObjectMapper mapper, JsonNode json, String prefix) {
    if (json == null || !json.isObject()) {
      return problem("invalid-field", "expected a JSON object" + (prefix.isEmpty() ? "" : " at " + prefix));
    }
    JsonNode topic = json.get("topic");
    if (topic == null || topic.isNull()) {
      return problem("missing-field", prefix + "topic is required");
    }
    if (!topic.isTextual() || topic.asText().isEmpty()) {
      return problem("invalid-field", prefix + "topic must be a non-empty string");
    }
    if (Topics.tooLong(topic.asText(), MAX_TOPIC_BYTES)) {
      return problem("invalid-field", prefix + "topic is longer than " + MAX_TOPIC_BYTES + " bytes");
    }
    JsonNode event = json.get("event");
    if (event == null || event.isNull()) {
      return problem("missing-field", prefix + "event is required");
    }
    if (!event.isTextual() || event.asText().isEmpty()) {
      return problem("invalid-field", prefix + "event must be a non-empty string");
    }
    if (ReservedEvents.isReserved(event.asText()) || event.asText().getBytes(StandardCharsets.UTF_8).length > MAX_EVENT_BYTES) {
      return problem("invalid-field", prefix + "event must not be one the protocol reserves (phx_*, presence_state, presence_diff) nor exceed " + MAX_EVENT_BYTES + " bytes");
    }
    JsonNode payload = json.get("payload");
    if (payload == null || payload.isNull()) {
      return problem("missing-field", prefix + "payload is required");
    }
    if (!payload.isObject()) {
      // Phoenix clients expect a map payload on every event.
      return problem("invalid-field", prefix + "payload must be a JSON object");
    }
    JsonNode key = json.get("idempotency_key");
    String idempotencyKey = null;
    if (key != null && !key.isNull()) {
      if (!key.isTextual() || key.asText().isEmpty() || key.asText().length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return problem("invalid-field", prefix + "idempotency_key must be a string of 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
      }
      idempotencyKey = key.asText();
    }
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      return problem("invalid-field", prefix + "payload cannot be encoded");
    }
    return new Parsed(new BroadcastRequest(topic.asText(), event.asText(), bytes, idempotencyKey), null);
  }

  private static Parsed problem(String type, String detail) {
    return new Parsed(null, Problem.badRequest(type, detail));
  }
}
