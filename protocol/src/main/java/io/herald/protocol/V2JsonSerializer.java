package io.herald.protocol;

import com.fasterxml.jackson.core.JsonToken;

/**
 * Protocol 2.0.0, the {@code phoenix} npm client's default: text frames hold the JSON array
 * {@code [join_ref, ref, topic, event, payload]}, and binary payloads travel in binary frames (see
 * {@link BinaryFrames} for the layouts).
 *
 * <p>Decoding keeps the payload as the exact bytes the client sent. Extra trailing array elements are
 * ignored, as Phoenix does. Refs may be strings, integers (kept as their text) or null. Stateless and
 * thread-safe; use {@link Serializers#V2}.
 */
public final class V2JsonSerializer implements Serializer {
  public static final String VSN = "2.0.0";

  private static final String SHAPE =
      "expected a JSON array of 5 elements [join_ref, ref, topic, event, payload]";
  private static final byte[] BROADCAST_PREFIX = JsonOut.ascii("[null,null,");

  @Override
  public String vsn() {
    return VSN;
  }

  @Override
  public boolean supportsBinary() {
    return true;
  }

  // ---- server side ----

  @Override
  public Message decode(boolean binary, byte[] frame) {
    return binary ? BinaryFrames.decodeClientPush(frame) : decodeText(frame, new FrameContext());
  }

  @Override
  public EncodedFrame encodeReply(Reply reply) {
    if (reply == null) {
      throw new ProtocolException("reply must not be null");
    }
    Payload response = JsonFrames.requirePayload("reply response", reply.response());
    if (response instanceof Payload.Binary bin) {
      return new EncodedFrame(true,
          BinaryFrames.reply(reply.joinRef(), reply.ref(), reply.topic(), reply.status(), bin.bytes()));
    }
    String topic = JsonFrames.requireName("topic", reply.topic());
    String status = JsonFrames.requireName("status", reply.status());
    byte[] body = JsonFrames.jsonBytes("reply response", (Payload.Json) response);
    int size = 6 + JsonOut.sizeOf(reply.joinRef()) + JsonOut.sizeOf(reply.ref()) + JsonOut.sizeOf(topic)
        + JsonFrames.REPLY_EVENT.length + JsonFrames.replyBodySize(status, body);
    JsonOut out = new JsonOut(size)
        .raw('[').string(reply.joinRef())
        .raw(',').string(reply.ref())
        .raw(',').string(topic)
        .raw(',').raw(JsonFrames.REPLY_EVENT)
        .raw(',');
    return text(JsonFrames.writeReplyBody(out, status, body).raw(']').finish());
  }

  @Override
  public EncodedFrame encodePush(String joinRef, String ref, String topic, String event, Payload payload) {
    JsonFrames.requirePayload("payload", payload);
    if (payload instanceof Payload.Binary bin) {
      return new EncodedFrame(true, BinaryFrames.serverPush(joinRef, topic, event, bin.bytes()));
    }
    return text(array(joinRef, ref, topic, event, (Payload.Json) payload));
  }

  @Override
  public EncodedFrame encodeBroadcast(String ref, String topic, String event, Payload payload) {
    JsonFrames.requirePayload("payload", payload);
    if (payload instanceof Payload.Binary bin) {
      return new EncodedFrame(true, BinaryFrames.broadcast(topic, event, bin.bytes()));
    }
    if (ref != null) {
      return text(array(null, ref, topic, event, (Payload.Json) payload));
    }
    JsonFrames.requireName("topic", topic);
    JsonFrames.requireName("event", event);
    byte[] body = JsonFrames.jsonBytes("payload", (Payload.Json) payload);
    int size = BROADCAST_PREFIX.length + JsonOut.sizeOf(topic) + JsonOut.sizeOf(event) + body.length + 3;
    return text(new JsonOut(size)
        .raw(BROADCAST_PREFIX).string(topic)
        .raw(',').string(event)
        .raw(',').raw(body)
        .raw(']').finish());
  }

  // ---- client side ----

  @Override
  public EncodedFrame encodeClientMessage(Message m) {
    if (m == null) {
      throw new ProtocolException("message must not be null");
    }
    Payload payload = JsonFrames.requirePayload("payload", m.payload());
    if (payload instanceof Payload.Binary bin) {
      return new EncodedFrame(true,
          BinaryFrames.clientPush(m.joinRef(), m.ref(), m.topic(), m.event(), bin.bytes()));
    }
    return text(array(m.joinRef(), m.ref(), m.topic(), m.event(), (Payload.Json) payload));
  }

  @Override
  public ServerFrame decodeServerFrame(boolean binary, byte[] frame) {
    if (binary) {
      return BinaryFrames.decodeServerFrame(frame);
    }
    FrameContext ctx = new FrameContext();
    return JsonFrames.toServerFrame(decodeText(frame, ctx), ctx);
  }

  // ---- shared ----

  private static EncodedFrame text(byte[] bytes) {
    return new EncodedFrame(false, bytes);
  }

  private static byte[] array(String joinRef, String ref, String topic, String event, Payload.Json payload) {
    JsonFrames.requireName("topic", topic);
    JsonFrames.requireName("event", event);
    byte[] body = JsonFrames.jsonBytes("payload", payload);
    int size = 6 + JsonOut.sizeOf(joinRef) + JsonOut.sizeOf(ref) + JsonOut.sizeOf(topic)
        + JsonOut.sizeOf(event) + body.length;
    return new JsonOut(size)
        .raw('[').string(joinRef)
        .raw(',').string(ref)
        .raw(',').string(topic)
        .raw(',').string(event)
        .raw(',').raw(body)
        .raw(']').finish();
  }

  /**
   * Reads {@code [join_ref, ref, topic, event, payload, ...]}. A wrong element type is remembered and
   * reported after the array is read, so that the topic and ref still reach the exception.
   */
  private static Message decodeText(byte[] frame, FrameContext ctx) {
    JsonFrames.checkText(frame);
    return JsonFrames.parse(frame, 0, frame.length, ctx, p -> {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw ctx.fail("frame holds no JSON value");
      }
      if (t != JsonToken.START_ARRAY) {
        throw ctx.fail(SHAPE + ", got " + JsonFrames.describe(p, t)
            + (t == JsonToken.START_OBJECT ? " (a protocol 1.0.0 message?)" : ""));
      }
      String problem = null;
      String event = null;
      Payload.Json payload = null;
      int n = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw ctx.fail("invalid JSON: unexpected end of input");
        }
        String bad = null;
        switch (n) {
          case 0, 1 -> {
            String field = n == 0 ? "join_ref" : "ref";
            if (JsonFrames.isRef(t)) {
              String ref = JsonFrames.refText(p, t);
              if (JsonFrames.cutShort(p, t, frame.length)) {
                ref = null; // not named in the error; the frame is incomplete
              }
              if (n == 0) {
                ctx.joinRef = ref;
              } else {
                ctx.ref = ref;
              }
            } else {
              bad = JsonFrames.refProblem(field, p, t);
            }
          }
          case 2 -> {
            if (JsonFrames.isName(p, t)) {
              ctx.topic = p.getText();
            } else {
              bad = JsonFrames.nameProblem("topic", p, t);
            }
          }
          case 3 -> {
            if (JsonFrames.isName(p, t)) {
              event = p.getText();
            } else {
              bad = JsonFrames.nameProblem("event", p, t);
            }
          }
          case 4 -> payload = JsonFrames.captureValue(p, t, frame, 0);
          default -> { } // extra elements are ignored, as Phoenix does
        }
        if (bad != null && problem == null) {
          problem = bad;
        }
        p.skipChildren(); // no-op for scalars and for the payload, which is already consumed
        n++;
      }
      if (p.nextToken() != null) {
        throw ctx.fail("invalid JSON: trailing data after the array");
      }
      if (n < 5) {
        throw ctx.fail(SHAPE + ", got " + n + (n == 1 ? " element" : " elements"));
      }
      if (problem != null) {
        throw ctx.fail(problem);
      }
      return new Message(ctx.joinRef, ctx.ref, ctx.topic, event, payload);
    });
  }
}
