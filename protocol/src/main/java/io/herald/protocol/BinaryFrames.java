package io.herald.protocol;

import java.util.Arrays;

/**
 * V2 binary frames (Phoenix 1.6+, {@code serializer.js}). A kind byte, then one size byte per field,
 * then the fields as UTF-8, then the data to the end of the frame:
 *
 * <pre>
 * client push  0: kind, join_ref_size, ref_size, topic_size, event_size, join_ref, ref, topic, event, data
 * server push  0: kind, join_ref_size, topic_size, event_size, join_ref, topic, event, data
 * server reply 1: kind, join_ref_size, ref_size, topic_size, status_size, join_ref, ref, topic, status, data
 * broadcast    2: kind, topic_size, event_size, topic, event, data
 * </pre>
 *
 * A null join_ref or ref travels as a zero-length field and is decoded back to null.
 */
final class BinaryFrames {
  private BinaryFrames() {}

  static final int PUSH = 0;
  static final int REPLY = 1;
  static final int BROADCAST = 2;
  static final int MAX_FIELD = 255;

  // ---- encoding ----

  static byte[] clientPush(String joinRef, String ref, String topic, String event, byte[] data) {
    return frame(PUSH, data,
        field("join_ref", joinRef), field("ref", ref), name("topic", topic), name("event", event));
  }

  static byte[] serverPush(String joinRef, String topic, String event, byte[] data) {
    return frame(PUSH, data, field("join_ref", joinRef), name("topic", topic), name("event", event));
  }

  static byte[] reply(String joinRef, String ref, String topic, String status, byte[] data) {
    return frame(REPLY, data,
        field("join_ref", joinRef), field("ref", ref), name("topic", topic), name("status", status));
  }

  static byte[] broadcast(String topic, String event, byte[] data) {
    return frame(BROADCAST, data, name("topic", topic), name("event", event));
  }

  private static byte[] frame(int kind, byte[] data, byte[]... fields) {
    int size = 1 + fields.length + data.length;
    for (byte[] f : fields) {
      size += f.length;
    }
    byte[] out = new byte[size];
    out[0] = (byte) kind;
    int pos = 1;
    for (byte[] f : fields) {
      out[pos++] = (byte) f.length;
    }
    for (byte[] f : fields) {
      System.arraycopy(f, 0, out, pos, f.length);
      pos += f.length;
    }
    System.arraycopy(data, 0, out, pos, data.length);
    return out;
  }

  private static final byte[] NONE = new byte[0];

  /** A nullable field (join_ref, ref). */
  private static byte[] field(String what, String value) {
    if (value == null) {
      return NONE;
    }
    byte[] b = Utf8.encode(value);
    if (b == null) {
      throw new ProtocolException(what + " holds a lone surrogate, which UTF-8 cannot encode");
    }
    if (b.length > MAX_FIELD) {
      throw new ProtocolException(
          "binary frame field " + what + " is " + b.length + " bytes in UTF-8; the limit is " + MAX_FIELD);
    }
    return b;
  }

  /** A required field (topic, event, status). */
  private static byte[] name(String what, String value) {
    return field(what, JsonFrames.requireName(what, value));
  }

  // ---- decoding ----

  /** Server side: a client frame, which can only be a push. */
  static Message decodeClientPush(byte[] frame) {
    int kind = kind(frame);
    if (kind != PUSH) {
      throw new ProtocolException(kind == REPLY || kind == BROADCAST
          ? "binary frame kind " + kind + " (" + (kind == REPLY ? "reply" : "broadcast")
              + ") is only sent by servers; a client sends kind 0 (push)"
          : "unknown binary frame kind " + kind);
    }
    FrameContext ctx = new FrameContext();
    Reader r = new Reader(frame, ctx, "push");
    r.header(4);
    int joinRefSize = r.size();
    int refSize = r.size();
    int topicSize = r.size();
    int eventSize = r.size();
    ctx.joinRef = r.optional("join_ref", joinRefSize);
    ctx.ref = r.optional("ref", refSize);
    ctx.topic = r.required("topic", topicSize);
    String event = r.required("event", eventSize);
    return new Message(ctx.joinRef, ctx.ref, ctx.topic, event, r.data());
  }

  /** Client side: a server frame (push, reply or broadcast). */
  static ServerFrame decodeServerFrame(byte[] frame) {
    int kind = kind(frame);
    FrameContext ctx = new FrameContext();
    switch (kind) {
      case PUSH -> {
        Reader r = new Reader(frame, ctx, "push");
        r.header(3);
        int joinRefSize = r.size();
        int topicSize = r.size();
        int eventSize = r.size();
        ctx.joinRef = r.optional("join_ref", joinRefSize);
        ctx.topic = r.required("topic", topicSize);
        String event = r.required("event", eventSize);
        return new Message(ctx.joinRef, null, ctx.topic, event, r.data());
      }
      case REPLY -> {
        Reader r = new Reader(frame, ctx, "reply");
        r.header(4);
        int joinRefSize = r.size();
        int refSize = r.size();
        int topicSize = r.size();
        int statusSize = r.size();
        ctx.joinRef = r.optional("join_ref", joinRefSize);
        ctx.ref = r.optional("ref", refSize);
        ctx.topic = r.required("topic", topicSize);
        String status = r.required("status", statusSize);
        return new Reply(ctx.joinRef, ctx.ref, ctx.topic, status, r.data());
      }
      case BROADCAST -> {
        Reader r = new Reader(frame, ctx, "broadcast");
        r.header(2);
        int topicSize = r.size();
        int eventSize = r.size();
        ctx.topic = r.required("topic", topicSize);
        String event = r.required("event", eventSize);
        return new Message(null, null, ctx.topic, event, r.data());
      }
      default -> throw new ProtocolException("unknown binary frame kind " + kind);
    }
  }

  private static int kind(byte[] frame) {
    if (frame == null || frame.length == 0) {
      throw new ProtocolException("empty frame");
    }
    return frame[0] & 0xFF;
  }

  /** Reads fields after the kind byte, failing with the fields read so far. */
  private static final class Reader {
    private final byte[] frame;
    private final FrameContext ctx;
    private final String kindName;
    private int pos = 1;

    Reader(byte[] frame, FrameContext ctx, String kindName) {
      this.frame = frame;
      this.ctx = ctx;
      this.kindName = kindName;
    }

    void header(int sizeBytes) {
      int left = frame.length - pos;
      if (left < sizeBytes) {
        throw ctx.fail("binary frame truncated: the " + kindName + " header needs " + sizeBytes
            + " size bytes after the kind, " + left + " left");
      }
    }

    int size() {
      return frame[pos++] & 0xFF;
    }

    private String read(String what, int size) {
      int left = frame.length - pos;
      if (size > left) {
        throw ctx.fail("binary frame truncated: " + what + " needs " + size + " bytes, " + left + " left");
      }
      String s = Utf8.decode(frame, pos, size);
      if (s == null) {
        throw ctx.fail(what + " is not valid UTF-8");
      }
      pos += size;
      return s;
    }

    /** join_ref, ref: zero length means null. */
    String optional(String what, int size) {
      String s = read(what, size);
      return s.isEmpty() ? null : s;
    }

    String required(String what, int size) {
      String s = read(what, size);
      if (s.isEmpty()) {
        throw ctx.fail(what + " must be a non-empty string");
      }
      return s;
    }

    Payload.Binary data() {
      return new Payload.Binary(Arrays.copyOfRange(frame, pos, frame.length));
    }
  }
}
