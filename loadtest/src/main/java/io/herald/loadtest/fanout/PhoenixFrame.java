package io.herald.loadtest.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * What the harness needs from one Phoenix V2 text frame {@code [join_ref, ref, topic, event, payload]},
 * read in place from the receive buffer: the kind of event, the ref of a reply, whether a reply is the
 * heartbeat's and is {@code ok}, and for a broadcast the payload's {@code t} and {@code seq}.
 *
 * <p>One instance per event loop, reused for every frame: a delivery costs a scan of its bytes and no
 * allocation. Everything else in the frame (the pad, other payload keys) is skipped, not decoded.
 */
final class PhoenixFrame {
  enum Kind { BROADCAST, REPLY, CHANNEL_ERROR, OTHER, MALFORMED }

  private static final byte[] PHX_REPLY = ascii("phx_reply");
  private static final byte[] PHX_ERROR = ascii("phx_error");
  private static final byte[] PHX_CLOSE = ascii("phx_close");
  private static final byte[] PHOENIX = ascii("phoenix");
  private static final byte[] KEY_T = ascii("t");
  private static final byte[] KEY_SEQ = ascii("seq");
  private static final byte[] KEY_STATUS = ascii("status");
  private static final byte[] OK = ascii("ok");
  private static final ByteProcessor STRING_BODY = b -> b != '"' && b != '\\';

  private final byte[] broadcastEvent;

  private ByteBuf buf;
  private int end;
  private int pos;

  Kind kind;
  /** The ref as a number, -1 when null or not a decimal number. */
  long ref;
  boolean heartbeatTopic;
  boolean statusOk;
  /** The payload object's bounds, for reading an error reason when one is reported. */
  int payloadStart;
  int payloadEnd;
  boolean hasT;
  boolean hasSeq;
  long t;
  long seq;

  PhoenixFrame(String broadcastEvent) {
    this.broadcastEvent = ascii(broadcastEvent);
  }

  /** Reads the frame in {@code buf[from, from + length)}; the buffer's indexes are not moved. */
  Kind read(ByteBuf frame, int from, int length) {
    this.buf = frame;
    this.end = from + length;
    this.pos = from;
    ref = -1;
    heartbeatTopic = false;
    statusOk = false;
    hasT = false;
    hasSeq = false;
    kind = scan();
    this.buf = null;
    return kind;
  }

  private Kind scan() {
    if (!expect('[')) return Kind.MALFORMED;
    if (!skipNullOrString() || !expect(',')) return Kind.MALFORMED; // join_ref
    skipSpace();
    if (peek() == '"') {
      int s = pos + 1;
      if (!skipString()) return Kind.MALFORMED;
      ref = decimal(s, pos - 1);
    } else if (!skipLiteral()) {
      return Kind.MALFORMED;
    }
    if (!expect(',')) return Kind.MALFORMED;
    skipSpace();
    int topicStart = pos + 1;
    if (!skipString()) return Kind.MALFORMED;
    heartbeatTopic = equalsAt(topicStart, pos - 1, PHOENIX);
    if (!expect(',')) return Kind.MALFORMED;
    skipSpace();
    int eventStart = pos + 1;
    if (!skipString()) return Kind.MALFORMED;
    int eventEnd = pos - 1;
    if (!expect(',')) return Kind.MALFORMED;
    skipSpace();
    payloadStart = pos;
    if (peek() != '{') return Kind.MALFORMED;
    if (equalsAt(eventStart, eventEnd, broadcastEvent)) {
      if (!readPayload(true)) return Kind.MALFORMED;
      return Kind.BROADCAST;
    }
    if (equalsAt(eventStart, eventEnd, PHX_REPLY)) {
      if (!readPayload(false)) return Kind.MALFORMED;
      return Kind.REPLY;
    }
    if (equalsAt(eventStart, eventEnd, PHX_ERROR) || equalsAt(eventStart, eventEnd, PHX_CLOSE)) {
      return Kind.CHANNEL_ERROR;
    }
    return Kind.OTHER;
  }

  /** Walks the payload's top-level keys: t and seq of a broadcast, status of a reply. */
  private boolean readPayload(boolean broadcast) {
    pos++; // '{'
    skipSpace();
    if (peek() == '}') {
      pos++;
      payloadEnd = pos;
      return true;
    }
    while (pos < end) {
      skipSpace();
      int keyStart = pos + 1;
      if (!skipString()) return false;
      int keyEnd = pos - 1;
      if (!expect(':')) return false;
      skipSpace();
      if (broadcast && equalsAt(keyStart, keyEnd, KEY_T)) {
        hasT = true;
        t = number();
      } else if (broadcast && equalsAt(keyStart, keyEnd, KEY_SEQ)) {
        hasSeq = true;
        seq = number();
      } else if (!broadcast && equalsAt(keyStart, keyEnd, KEY_STATUS) && peek() == '"') {
        int s = pos + 1;
        if (!skipString()) return false;
        statusOk = equalsAt(s, pos - 1, OK);
      } else if (!skipValue()) {
        return false;
      }
      skipSpace();
      byte b = peek();
      pos++;
      if (b == '}') {
        payloadEnd = pos;
        return true;
      }
      if (b != ',') return false;
    }
    return false;
  }

  /** A JSON number as a long; a fraction or exponent is read as a double and truncated. */
  private long number() {
    int s = pos;
    boolean negative = false;
    if (peek() == '-') {
      negative = true;
      pos++;
    }
    long v = 0;
    while (pos < end) {
      byte b = buf.getByte(pos);
      if (b < '0' || b > '9') break;
      v = v * 10 + (b - '0');
      pos++;
    }
    byte b = peek();
    if (b == '.' || b == 'e' || b == 'E') {
      while (pos < end && "+-.eE0123456789".indexOf(buf.getByte(pos)) >= 0) pos++;
      return (long) Double.parseDouble(buf.toString(s, pos - s, StandardCharsets.US_ASCII));
    }
    return negative ? -v : v;
  }

  private boolean skipValue() {
    byte b = peek();
    if (b == '"') return skipString();
    if (b == '{' || b == '[') return skipNested();
    int s = pos;
    while (pos < end) {
      byte c = buf.getByte(pos);
      if (c == ',' || c == '}' || c == ']' || c == ' ') break;
      pos++;
    }
    return pos > s;
  }

  private boolean skipNested() {
    int depth = 0;
    while (pos < end) {
      byte b = buf.getByte(pos);
      if (b == '"') {
        if (!skipString()) return false;
        continue;
      }
      pos++;
      if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        if (--depth == 0) return true;
      }
    }
    return false;
  }

  private boolean skipNullOrString() {
    skipSpace();
    return peek() == '"' ? skipString() : skipLiteral();
  }

  private boolean skipLiteral() {
    if (end - pos >= 4 && buf.getByte(pos) == 'n' && buf.getByte(pos + 1) == 'u'
        && buf.getByte(pos + 2) == 'l' && buf.getByte(pos + 3) == 'l') {
      pos += 4;
      return true;
    }
    return false;
  }

  /** Moves past a string starting at pos (the opening quote); pos ends after the closing quote. */
  private boolean skipString() {
    if (peek() != '"') return false;
    pos++;
    while (pos < end) {
      int i = buf.forEachByte(pos, end - pos, STRING_BODY);
      if (i < 0) return false;
      if (buf.getByte(i) == '"') {
        pos = i + 1;
        return true;
      }
      pos = i + 2; // a backslash and the character it escapes
    }
    return false;
  }

  private boolean expect(char c) {
    skipSpace();
    if (peek() != c) return false;
    pos++;
    return true;
  }

  private void skipSpace() {
    while (pos < end) {
      byte b = buf.getByte(pos);
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return;
      pos++;
    }
  }

  private byte peek() {
    return pos < end ? buf.getByte(pos) : 0;
  }

  private boolean equalsAt(int from, int to, byte[] expected) {
    if (to - from != expected.length) return false;
    for (int i = 0; i < expected.length; i++) {
      if (buf.getByte(from + i) != expected[i]) return false;
    }
    return true;
  }

  private long decimal(int from, int to) {
    if (to <= from || to - from > 18) return -1;
    long v = 0;
    for (int i = from; i < to; i++) {
      byte b = buf.getByte(i);
      if (b < '0' || b > '9') return -1;
      v = v * 10 + (b - '0');
    }
    return v;
  }

  /** The {@code reason} of an error reply's response, for error counts (allocates: errors only). */
  static String reason(ByteBuf frame, int payloadStart, int payloadEnd) {
    String payload = frame.toString(payloadStart, payloadEnd - payloadStart, StandardCharsets.UTF_8);
    int k = payload.indexOf("\"reason\"");
    if (k < 0) return payload.length() > 60 ? payload.substring(0, 60) : payload;
    int q1 = payload.indexOf('"', payload.indexOf(':', k) + 1);
    int q2 = q1 < 0 ? -1 : payload.indexOf('"', q1 + 1);
    return q2 < 0 ? payload.substring(k) : payload.substring(q1 + 1, q2);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
