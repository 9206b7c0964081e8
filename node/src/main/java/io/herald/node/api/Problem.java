package io.herald.node.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An RFC 9457 problem document, the body of every API error. {@code type} values are stable and
 * listed in docs/api.md; clients branch on them, not on {@code detail}.
 */
public record Problem(String type, String title, int status, String detail) {
  static final String TYPE_BASE = "https://herald.dev/problems/";

  static Problem badRequest(String type, String detail) {
    return new Problem(type, "Bad request", 400, detail);
  }

  static Problem of(int status, String type, String title, String detail) {
    return new Problem(type, title, status, detail);
  }

  ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode json = mapper.createObjectNode();
    json.put("type", TYPE_BASE + type);
    json.put("title", title);
    json.put("status", status);
    json.put("detail", detail);
    return json;
  }
}
