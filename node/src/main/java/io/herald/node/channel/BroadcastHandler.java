package io.herald.node.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.protocol.Payload;
import io.herald.protocol.ReplyReason;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in handler: anyone may join, and every client event is broadcast to all members of the
 * topic (the sender included) and answered with {@code ok}. Chat rooms with no code.
 *
 * <p>With presence on, each joined socket is tracked while it stays: the key is the token's subject
 * when auth is on (a {@code user_id} join param that differs is refused), else the {@code user_id}
 * join param, else the {@code user_id} connect param; without any, the socket sees who is present but
 * is not tracked. The meta is the {@code meta} join param, a JSON object of at most
 * {@code herald.presence.max-meta-size} bytes (else the join is refused), or {@code {}}.
 *
 * <p>A push whose payload is a JSON object with a top-level {@code "idempotency_key"} string (1 to 256
 * characters) is broadcast once per key within the topic's idempotency window; another value of it
 * gets an error reply.
 */
public final class BroadcastHandler implements ChannelHandler {
  private static final Logger log = LoggerFactory.getLogger(BroadcastHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY_PARAM = "user_id";
  static final String META_PARAM = "meta";
  /** A push's top-level string that makes its broadcast idempotent (docs/protocol.md), as the HTTP API's. */
  static final String IDEMPOTENCY_KEY = "idempotency_key";
  /** Only payloads that name the key are parsed: most pushes are broadcast without looking inside. */
  private static final byte[] IDEMPOTENCY_KEY_BYTES = ("\"" + IDEMPOTENCY_KEY + "\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;
  static final String INVALID_IDEMPOTENCY_KEY = "invalid idempotency_key";

  private final boolean presence;
  private final int maxMetaSize;

  /** Without presence. */
  public BroadcastHandler() {
    this(false, 0);
  }

  public BroadcastHandler(boolean presence, int maxMetaSize) {
    this.presence = presence;
    this.maxMetaSize = maxMetaSize;
  }

  @Override
  public boolean presence() {
    return presence;
  }

  @Override
  public JoinResult join(String topic, Payload params, ChannelContext context) {
    if (!presence) {
      return JoinResult.ok();
    }
    JsonNode json = parse(params);
    JsonNode claimed = json.get(KEY_PARAM);
    if (context.socketId() != null && claimed != null && !context.socketId().equals(claimed.asText())) {
      return new JoinResult.Error(ReplyReason.UNAUTHORIZED.response());
    }
    JsonNode meta = json.get(META_PARAM);
    if (meta != null) {
      try {
        PresenceMeta.validate(Payload.json(meta.toString()), maxMetaSize);
      } catch (PresenceRefused refused) {
        return new JoinResult.Error(ReplyReason.reason(refused.reason()));
      }
    }
    return JoinResult.ok();
  }

  @Override
  public void afterJoin(ChannelContext context) {
    if (!presence) {
      return;
    }
    JsonNode json = parse(context.joinParams());
    String key = context.socketId();
    if (key == null) {
      JsonNode claimed = json.get(KEY_PARAM);
      key = claimed != null && (claimed.isTextual() || claimed.isNumber()) ? claimed.asText() : context.connectParams().get(KEY_PARAM);
    }
    if (key == null || key.isEmpty()) {
      return; // an anonymous listener
    }
    JsonNode meta = json.get(META_PARAM);
    try {
      context.track(key, meta == null ? Payload.EMPTY_OBJECT : Payload.json(meta.toString()));
    } catch (PresenceRefused refused) {
      // Checked at join; what is left is the socket's lack of the presence permission: it only watches.
      log.debug("not tracking {} on {}: {}", key, context.topic(), refused.reason());
    }
  }

  @Override
  public InResult handleIn(String event, Payload payload, ChannelContext context) {
    String key = null;
    if (payload instanceof Payload.Json json && json.mentions(IDEMPOTENCY_KEY_BYTES)) {
      JsonNode value = parse(payload).get(IDEMPOTENCY_KEY);
      if (value != null) {
        if (!value.isTextual() || value.asText().isEmpty() || value.asText().length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
          return new InResult.Reply("error", ReplyReason.reason(INVALID_IDEMPOTENCY_KEY));
        }
        key = value.asText();
      }
    }
    context.broadcast(event, payload, key);
    return InResult.ok();
  }


  private static JsonNode parse(Payload params) {
    if (params instanceof Payload.Json) {
      try {
        JsonNode node = JSON.readTree(params.bytes());
        if (node != null && node.isObject()) {
          return node;
        }
      } catch (IOException e) {
        // not an object: no presence params
      }
    }
    return JSON.createObjectNode();
  }
}
