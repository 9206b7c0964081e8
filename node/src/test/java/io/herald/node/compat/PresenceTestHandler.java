package io.herald.node.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.node.channel.LeaveReason;
import io.herald.node.channel.PresenceRefused;
import io.herald.protocol.Payload;
import io.herald.protocol.ReplyReason;
import java.io.IOException;

/**
 * A handler that drives presence from client events, for presence.test.js ({@code presence:*}):
 * {@code track}, {@code update} and {@code untrack} with {@code {"key": .., "meta": {..}}} are replied
 * ok with {@code {"ref": ..}} or error with the refusal's reason; {@code list} replies the topic's
 * list; when a channel ends, its reason is broadcast to the topic as {@code terminated}.
 */
public final class PresenceTestHandler implements ChannelHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public boolean presence() {
    return true;
  }

  @Override
  public JoinResult join(String topic, Payload params, ChannelContext context) {
    return JoinResult.ok();
  }

  @Override
  public InResult handleIn(String event, Payload payload, ChannelContext context) {
    JsonNode body;
    try {
      body = JSON.readTree(payload.bytes());
    } catch (IOException e) {
      return new InResult.Reply("error", ReplyReason.reason("not json"));
    }
    String key = body.path("key").asText();
    Payload meta = body.has("meta") ? Payload.json(body.get("meta").toString()) : Payload.EMPTY_OBJECT;
    try {
      return switch (event) {
        case "track" -> ref(context.track(key, meta));
        case "update" -> ref(context.update(key, meta));
        case "untrack" -> new InResult.Reply("ok", Payload.json("{\"untracked\":" + context.untrack(key) + "}"));
        case "list" -> new InResult.Reply("ok", context.list(context.topic()));
        default -> new InResult.Reply("error", ReplyReason.reason("unknown event"));
      };
    } catch (PresenceRefused refused) {
      return new InResult.Reply("error", ReplyReason.reason(refused.reason()));
    }
  }

  @Override
  public void terminate(LeaveReason reason, ChannelContext context) {
    context.broadcast("terminated", Payload.json("{\"reason\":\"" + reason.name() + "\"}"));
  }

  private static InResult ref(String ref) {
    return new InResult.Reply("ok", Payload.json("{\"ref\":\"" + ref + "\"}"));
  }
}
