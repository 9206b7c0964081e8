package io.herald.node.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.auth.Identity;

/**
 * One validated {@code POST /api/sockets/{id}/disconnect}: the socket id from the path and an optional
 * body {@code {"reconnect": false}}. Pure parsing; returns a request or a {@link Problem}, never throws.
 */
public record DisconnectRequest(String socketId, boolean reconnect) {

  /** Either a request or the problem with it. */
  public record Parsed(DisconnectRequest request, Problem problem) {}

  static Parsed parse(ObjectMapper mapper, String socketId, byte[] body) {
    // socket ids are JWT subjects: the connect applies the same rule, so every socket can be named here
    if (!Identity.isValidSubject(socketId)) {
      return new Parsed(null, Problem.badRequest("invalid-field",
          "the socket id must be 1 to " + Identity.MAX_SUBJECT_LENGTH + " characters"));
    }
    if (body.length == 0) {
      return new Parsed(new DisconnectRequest(socketId, false), null);
    }
    JsonNode json;
    try {
      json = mapper.readTree(body);
    } catch (java.io.IOException | RuntimeException e) {
      return new Parsed(null, Problem.badRequest("malformed-json", "the body is not valid JSON"));
    }
    if (json == null || !json.isObject()) {
      return new Parsed(null, Problem.badRequest("invalid-field", "expected an object such as {\"reconnect\": false}"));
    }
    JsonNode reconnect = json.get("reconnect");
    if (reconnect != null && !reconnect.isBoolean()) {
      return new Parsed(null, Problem.badRequest("invalid-field", "reconnect must be true or false"));
    }
    return new Parsed(new DisconnectRequest(socketId, reconnect != null && reconnect.booleanValue()), null);
  }
}
