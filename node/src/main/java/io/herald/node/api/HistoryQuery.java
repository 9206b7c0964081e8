package io.herald.node.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.herald.node.topic.HistoryEntry;
import io.herald.node.topic.TopicEntity;
import io.herald.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * {@code GET /api/topics/{topic}/history?since=&limit=}: the query's validation and the page as JSON.
 * Pure; the route asks the topic's owner.
 */
record HistoryQuery(long since, int limit) {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  /** A query, or the problem with it. */
  record Parsed(HistoryQuery query, Problem problem) {}

  static Parsed parse(String topic, Optional<String> since, Optional<String> limit) {
    if (topic.isEmpty() || Topics.tooLong(topic, BroadcastRequest.MAX_TOPIC_BYTES)) {
      return invalid("topic must be 1 to " + BroadcastRequest.MAX_TOPIC_BYTES + " bytes");
    }
    Long s = since.isPresent() ? nonNegative(since.get()) : Long.valueOf(0);
    if (s == null) {
      return invalid("since must be a non-negative integer");
    }
    Long l = limit.isPresent() ? nonNegative(limit.get()) : Long.valueOf(DEFAULT_LIMIT);
    if (l == null || l < 1 || l > MAX_LIMIT) {
      return invalid("limit must be an integer from 1 to " + MAX_LIMIT);
    }
    return new Parsed(new HistoryQuery(s, l.intValue()), null);
  }

  private static Parsed invalid(String detail) {
    return new Parsed(null, Problem.badRequest("invalid-field", detail));
  }

  private static Long nonNegative(String text) {
    if (text.isEmpty() || text.length() > 18) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return null;
      }
    }
    return Long.parseLong(text);
  }

  /**
   * {@code {"topic", "epoch", "seq", "history", "complete", "more", "messages": [{"seq", "event",
   * "payload" | "payload_base64", "time"}]}}; the epoch as a string (64-bit values do not survive
   * JavaScript numbers), JSON payloads as they were published.
   */
  static ObjectNode toJson(ObjectMapper mapper, String topic, TopicEntity.HistoryPage page) {
    ObjectNode json = mapper.createObjectNode();
    json.put("topic", topic);
    json.put("epoch", Long.toString(page.epoch()));
    json.put("seq", page.seq());
    json.put("history", page.history());
    json.put("complete", page.complete());
    json.put("more", page.more());
    ArrayNode messages = json.putArray("messages");
    for (HistoryEntry e : page.entries()) {
      ObjectNode m = messages.addObject();
      m.put("seq", e.seq());
      m.put("event", e.event());
      if (e.binary()) {
        m.put("payload_base64", Base64.getEncoder().encodeToString(e.payload()));
      } else {
        // published JSON, validated when it was published: written as it is
        m.putRawValue("payload", new RawValue(new String(e.payload(), StandardCharsets.UTF_8)));
      }
      m.put("time", Instant.ofEpochMilli(e.atMillis()).toString());
    }
    return json;
  }
}
