package io.herald.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The recovery fields of a join (docs/protocol.md, "History and recovery"): {@code since} and
 * {@code epoch} read from the join params, and {@code epoch}, {@code seq}, {@code recovered},
 * {@code reason} added to the ok reply.
 */
public final class JoinRecovery {
  private JoinRecovery() {}

  /** What a join asks: nothing, a resume from {@code since} of {@code epoch}, or something unreadable. */
  public sealed interface Request {}

  /** A plain join: neither {@code since} nor {@code epoch}. */
  public record Plain() implements Request {}

  /** Resume after {@code since} (0 or more) of {@code epoch}. */
  public record Resume(long since, long epoch) implements Request {}

  /** {@code since} or {@code epoch} missing, negative, fractional, not a number, or out of range. */
  public record Invalid() implements Request {}

  private static final Plain PLAIN = new Plain();
  private static final Invalid INVALID = new Invalid();
  private static final byte[] SINCE = "\"since\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EPOCH = "\"epoch\"".getBytes(StandardCharsets.US_ASCII);

  /**
   * Reads {@code since} (a number or decimal string) and {@code epoch} (a decimal string or number) of
   * a JSON object's top level; anything else in the params is the handler's business.
   */
  public static Request parse(Payload params) {
    if (!(params instanceof Payload.Json json) || !json.mentions(SINCE) && !json.mentions(EPOCH)) {
      return PLAIN; // most joins: no need to parse
    }
    Long since = null;
    Long epoch = null;
    boolean sinceSeen = false;
    boolean epochSeen = false;
    try (JsonParser p = JsonFrames.FACTORY.createParser(json.bytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return PLAIN;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("since".equals(name)) {
          sinceSeen = true;
          since = nonNegative(p);
        } else if ("epoch".equals(name)) {
          epochSeen = true;
          epoch = nonNegative(p);
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return sinceSeen || epochSeen ? INVALID : PLAIN;
    }
    if (!sinceSeen && !epochSeen) {
      return PLAIN;
    }
    if (since == null || epoch == null || epoch == 0) {
      return INVALID;
    }
    return new Resume(since, epoch);
  }

  /** A non-negative integer as a JSON integer or a decimal string, else null. */
  private static Long nonNegative(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        return null;
      }
      long v = p.getLongValue();
      return v < 0 ? null : v;
    }
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      if (s.isEmpty() || s.length() > 19) {
        return null;
      }
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) < '0' || s.charAt(i) > '9') {
          return null;
        }
      }
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    p.skipChildren();
    return null;
  }

  /**
   * The ok reply of a join of a topic with history: the handler's {@code reply} object with
   * {@code epoch} (a decimal string), {@code seq}, {@code recovered} and, when not empty,
   * {@code reason} first. A reply that is not a JSON object is returned unchanged.
   */
  public static Payload reply(Payload reply, long epoch, long seq, boolean recovered, String reason) {
    if (!(reply instanceof Payload.Json json)) {
      return reply;
    }
    byte[] b = json.bytes();
    int open = skipSpace(b, 0);
    int close = b.length - 1;
    while (close > open && isSpace(b[close])) {
      close--;
    }
    if (open >= b.length || b[open] != '{' || b[close] != '}') {
      return reply;
    }
    boolean empty = skipSpace(b, open + 1) == close;
    StringBuilder fields = new StringBuilder(64)
        .append("{\"epoch\":\"").append(epoch)
        .append("\",\"seq\":").append(seq)
        .append(",\"recovered\":").append(recovered);
    if (reason != null && !reason.isEmpty()) {
      fields.append(",\"reason\":\"").append(reason).append('"');
    }
    // then the handler's own fields, if any, and the closing brace
    byte[] head = fields.append(empty ? "" : ",").toString().getBytes(StandardCharsets.US_ASCII);
    int from = empty ? close : open + 1;
    byte[] out = new byte[head.length + close + 1 - from];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(b, from, out, head.length, close + 1 - from);
    return new Payload.Json(out);
  }

  private static int skipSpace(byte[] b, int i) {
    while (i < b.length && isSpace(b[i])) {
      i++;
    }
    return i;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

}
