package io.herald.node.compat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.protocol.Payload;
import java.io.IOException;

/**
 * The {@code compat:*} channel the JavaScript compatibility tests talk to. Each behaviour exists to be
 * observable from the unmodified phoenix client:
 *
 * <ul>
 *   <li>join: refused with {@code {"reason":"denied"}} when the params hold {@code "deny":true},
 *       otherwise ok with {@code {"welcome": <the params exactly as sent>}};
 *   <li>{@code ping}: replied ok with the pushed payload (JSON or binary) unchanged;
 *   <li>{@code crash}: throws, so the channel dies with phx_error and the client rejoins;
 *   <li>{@code push_back}: pushes the payload back to this socket only as event {@code pushed}, then
 *       replies ok with {@code {}};
 *   <li>{@code connect_params}: replied ok with the socket's connect params as a JSON object;
 *   <li>any other event: broadcast to the topic and replied ok with {@code {}}.
 * </ul>
 */
public final class CompatHandler implements ChannelHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public JoinResult join(String topic, Payload params, ChannelContext context) {
    if (!(params instanceof Payload.Json json)) {
      return new JoinResult.Error(Payload.json("{\"reason\":\"join params must be JSON\"}"));
    }
    JsonNode parsed;
    try {
      parsed = JSON.readTree(json.bytes());
    } catch (IOException e) {
      // The serializer already validated the JSON; failing here would be a server bug worth seeing.
      throw new IllegalStateException("join params are not JSON: " + json.text(), e);
    }
    if (parsed != null && parsed.path("deny").asBoolean(false)) {
      return new JoinResult.Error(Payload.json("{\"reason\":\"denied\"}"));
    }
    // Embeds the raw bytes, so the test also checks that params reach the handler untouched.
    return new JoinResult.Ok(Payload.json("{\"welcome\":" + json.text() + "}"));
  }

  @Override
  public InResult handleIn(String event, Payload payload, ChannelContext context) {
    return switch (event) {
      case "ping" -> new InResult.Reply("ok", payload);
      case "crash" -> throw new IllegalStateException("crash requested by the compatibility test on " + context.topic());
      case "push_back" -> {
        context.push("pushed", payload);
        yield InResult.ok();
      }
      case "connect_params" -> new InResult.Reply("ok", json(context.connectParams()));
      default -> {
        context.broadcast(event, payload);
        yield InResult.ok();
      }
    };
  }

  private static Payload json(Object value) {
    try {
      return Payload.json(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value, e);
    }
  }
}
