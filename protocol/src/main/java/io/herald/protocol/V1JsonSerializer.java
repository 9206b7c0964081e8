package io.herald.protocol;

import com.fasterxml.jackson.core.JsonToken;

/**
 * Protocol 1.0.0, the default when a client sends no {@code vsn}: every frame is a text frame holding
 * the object {@code {"topic":..,"event":..,"payload":..,"ref":..}}.
 *
 * <p>Decoding requires the keys topic, event, payload and ref (ref may be null); join_ref is optional and
 * other keys are ignored. The payload is kept as the exact bytes the client sent. As in Phoenix, the
 * server encodes no join_ref, and there are no binary frames. Stateless and thread-safe; use
 * {@link Serializers#V1}.
 */
public final class V1JsonSerializer implements Serializer {
  public static final String VSN = "1.0.0";

  private static final String SHAPE = "expected a JSON object {\"topic\",\"event\",\"payload\",\"ref\"}";
  private static final String NO_BINARY = "binary frames need protocol version 2.0.0";

  private static final byte[] TOPIC_KEY = JsonOut.ascii("{\"topic\":");
  private static final byte[] EVENT_KEY = JsonOut.ascii(",\"event\":");
  private static final byte[] PAYLOAD_KEY = JsonOut.ascii(",\"payload\":");
  private static final byte[] REF_KEY = JsonOut.ascii(",\"ref\":");
  private static final byte[] JOIN_REF_KEY = JsonOut.ascii(",\"join_ref\":");

  @Override
  public String vsn() {
    return VSN;
  }

  @Override
  public boolean supportsBinary() {
    return false;
  }

  // ---- server side ----

  @Override
  public Message decode(boolean binary, byte[] frame) {
    if (binary) {
      throw new ProtocolException(NO_BINARY);
    }
    return decodeText(frame, new FrameContext());
  }

  @Override
  public EncodedFrame encodeReply(Reply reply) {
    if (reply == null) {
      throw new ProtocolException("reply must not be null");
    }
    String topic = JsonFrames.requireName("topic", reply.topic());
    String status = JsonFrames.requireName("status", reply.status());
    byte[] response = json("reply response", reply.response());
    int size = TOPIC_KEY.length + JsonOut.sizeOf(topic) + EVENT_KEY.length + JsonFrames.REPLY_EVENT.length
        + PAYLOAD_KEY.length + JsonFrames.replyBodySize(status, response)
        + REF_KEY.length + JsonOut.sizeOf(reply.ref()) + 1;
    JsonOut out = new JsonOut(size)
        .raw(TOPIC_KEY).string(topic)
        .raw(EVENT_KEY).raw(JsonFrames.REPLY_EVENT)
        .raw(PAYLOAD_KEY);
    return text(JsonFrames.writeReplyBody(out, status, response)
        .raw(REF_KEY).string(reply.ref())
        .raw('}').finish());
  }

  /** V1 carries no join_ref from the server, so {@code joinRef} is not written. */
  @Override
  public EncodedFrame encodePush(String joinRef, String ref, String topic, String event, Payload payload) {
    return text(object(topic, event, payload, ref, null));
  }

  @Override
  public EncodedFrame encodeBroadcast(String ref, String topic, String event, Payload payload) {
    return text(object(topic, event, payload, ref, null));
  }

  // ---- client side ----

  /** Writes join_ref too when the message has one (Phoenix reads it as optional). */
  @Override
  public EncodedFrame encodeClientMessage(Message m) {
    if (m == null) {
      throw new ProtocolException("message must not be null");
    }
    return text(object(m.topic(), m.event(), m.payload(), m.ref(), m.joinRef()));
  }

  @Override
  public ServerFrame decodeServerFrame(boolean binary, byte[] frame) {
    if (binary) {
      throw new ProtocolException(NO_BINARY);
    }
    FrameContext ctx = new FrameContext();
    return JsonFrames.toServerFrame(decodeText(frame, ctx), ctx);
  }

  // ---- shared ----

  private static EncodedFrame text(byte[] bytes) {
    return new EncodedFrame(false, bytes);
  }

  private static byte[] json(String field, Payload payload) {
    JsonFrames.requirePayload(field, payload);
    if (payload instanceof Payload.Binary) {
      throw new ProtocolException("binary payloads need protocol version 2.0.0");
    }
    return JsonFrames.jsonBytes(field, (Payload.Json) payload);
  }

  /** {@code {"topic":..,"event":..,"payload":..,"ref":..[,"join_ref":..]}}; join_ref only if non-null. */
  private static byte[] object(String topic, String event, Payload payload, String ref, String joinRef) {
    JsonFrames.requireName("topic", topic);
    JsonFrames.requireName("event", event);
    byte[] body = json("payload", payload);
    int size = TOPIC_KEY.length + JsonOut.sizeOf(topic) + EVENT_KEY.length + JsonOut.sizeOf(event)
        + PAYLOAD_KEY.length + body.length + REF_KEY.length + JsonOut.sizeOf(ref) + 1
        + (joinRef == null ? 0 : JOIN_REF_KEY.length + JsonOut.sizeOf(joinRef));
    JsonOut out = new JsonOut(size)
        .raw(TOPIC_KEY).string(topic)
        .raw(EVENT_KEY).string(event)
        .raw(PAYLOAD_KEY).raw(body)
        .raw(REF_KEY).string(ref);
    if (joinRef != null) {
      out.raw(JOIN_REF_KEY).string(joinRef);
    }
    return out.raw('}').finish();
  }

  /**
   * Reads the object. Keys may come in any order, so a wrong value is remembered and reported once the
   * whole object is read, with whatever topic and ref it holds.
   */
  private static Message decodeText(byte[] frame, FrameContext ctx) {
    JsonFrames.checkText(frame);
    return JsonFrames.parse(frame, 0, frame.length, ctx, p -> {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw ctx.fail("frame holds no JSON value");
      }
      if (t != JsonToken.START_OBJECT) {
        throw ctx.fail(SHAPE + ", got " + JsonFrames.describe(p, t)
            + (t == JsonToken.START_ARRAY ? " (a protocol 2.0.0 message?)" : ""));
      }
      String problem = null;
      String event = null;
      Payload.Json payload = null;
      boolean hasTopic = false;
      boolean hasEvent = false;
      boolean hasRef = false;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        t = p.nextToken();
        String bad = null;
        switch (name) {
          case "topic" -> {
            hasTopic = true;
            if (JsonFrames.isName(p, t)) {
              ctx.topic = p.getText();
            } else {
              bad = JsonFrames.nameProblem("topic", p, t);
            }
          }
          case "event" -> {
            hasEvent = true;
            if (JsonFrames.isName(p, t)) {
              event = p.getText();
            } else {
              bad = JsonFrames.nameProblem("event", p, t);
            }
          }
          case "payload" -> payload = JsonFrames.captureValue(p, t, frame, 0);
          case "ref" -> {
            hasRef = true;
            if (JsonFrames.isRef(t)) {
              if (!JsonFrames.cutShort(p, t, frame.length)) {
                ctx.ref = JsonFrames.refText(p, t);
              }
            } else {
              bad = JsonFrames.refProblem("ref", p, t);
            }
          }
          case "join_ref" -> {
            if (JsonFrames.isRef(t)) {
              if (!JsonFrames.cutShort(p, t, frame.length)) {
                ctx.joinRef = JsonFrames.refText(p, t);
              }
            } else {
              bad = JsonFrames.refProblem("join_ref", p, t);
            }
          }
          default -> { } // unknown keys are ignored
        }
        if (bad != null && problem == null) {
          problem = bad;
        }
        p.skipChildren();
      }
      if (t != JsonToken.END_OBJECT) {
        throw ctx.fail("invalid JSON: unexpected end of input");
      }
      if (p.nextToken() != null) {
        throw ctx.fail("invalid JSON: trailing data after the object");
      }
      String missing =
          !hasTopic ? "topic" : !hasEvent ? "event" : payload == null ? "payload" : !hasRef ? "ref" : null;
      if (missing != null) {
        throw ctx.fail("missing key \"" + missing + "\" (a 1.0.0 message has topic, event, payload and ref)");
      }
      if (problem != null) {
        throw ctx.fail(problem);
      }
      return new Message(ctx.joinRef, ctx.ref, ctx.topic, event, payload);
    });
  }
}
