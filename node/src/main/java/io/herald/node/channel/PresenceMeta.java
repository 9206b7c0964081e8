package io.herald.node.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.protocol.Payload;
import io.herald.protocol.ReplyReason;

/** The checks a meta passes before it is tracked: a JSON object of at most the configured size. */
public final class PresenceMeta {
  public static final String NOT_AN_OBJECT = ReplyReason.INVALID_PRESENCE_META.text();
  public static final String TOO_LARGE = ReplyReason.PRESENCE_META_TOO_LARGE.text();

  private static final ObjectMapper JSON = new ObjectMapper();

  private PresenceMeta() {}

  /**
   * The meta's JSON text to store, without {@code phx_ref} and {@code phx_ref_prev} (the server sets
   * those).
   *
   * @throws PresenceRefused if {@code meta} is binary, not an object, or over {@code maxBytes} encoded
   */
  public static String validate(Payload meta, int maxBytes) {
    if (!(meta instanceof Payload.Json)) {
      throw new PresenceRefused(NOT_AN_OBJECT);
    }
    if (meta.bytes().length > maxBytes) {
      throw new PresenceRefused(TOO_LARGE);
    }
    JsonNode node;
    try {
      node = JSON.readTree(meta.bytes());
    } catch (java.io.IOException e) {
      throw new PresenceRefused(NOT_AN_OBJECT);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new PresenceRefused(NOT_AN_OBJECT);
    }
    object.remove("phx_ref");
    object.remove("phx_ref_prev");
    try {
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new PresenceRefused(NOT_AN_OBJECT);
    }
  }
}
