package io.herald.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.Arrays;

/** What the V1 and V2 JSON codecs share: the parser factory, field rules, error wrapping, reply bodies. */
final class JsonFrames {
  private JsonFrames() {}

  /**
   * Thread-safe and shared. Field-name canonicalization must stay on: without it Jackson reads a byte[]
   * through a Reader and reports char offsets instead of byte offsets, and the payload spans would be
   * wrong. Interning is off because clients choose the names.
   */
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          // The parser is iterative, so depth costs no stack; the limit only bounds silly input.
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build())
          .build();

  static final byte[] REPLY_EVENT = JsonOut.ascii("\"" + Reply.EVENT + "\"");
  private static final byte[] STATUS_KEY = JsonOut.ascii("{\"status\":");
  private static final byte[] RESPONSE_KEY = JsonOut.ascii(",\"response\":");

  /** Parses with a fresh parser; every failure comes out as a {@link ProtocolException}. */
  interface Body<T> {
    T parse(JsonParser p) throws IOException;
  }

  static <T> T parse(byte[] src, int off, int len, FrameContext ctx, Body<T> body) {
    JsonParser p;
    try {
      p = FACTORY.createParser(src, off, len);
    } catch (IOException e) {
      throw ctx.fail("could not read the frame: " + e.getMessage(), e);
    }
    try (p) {
      return body.parse(p);
    } catch (JsonProcessingException e) {
      // Constraint violations (nesting, number length) carry no location; the parser knows it.
      JsonLocation at = e.getLocation() != null ? e.getLocation() : p.currentLocation();
      long offset = at == null ? -1 : at.getByteOffset();
      String where = offset >= 0 ? " at byte " + (off + offset) : "";
      throw ctx.fail("invalid JSON" + where + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw ctx.fail("could not read the frame: " + e.getMessage(), e);
    } catch (IllegalStateException e) {
      // Jackson's symbol table refuses names crafted to collide (hash flooding).
      throw ctx.fail("invalid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that must precede Jackson. Jackson sniffs the encoding from the first four bytes (a NUL there
   * means UTF-16 or UTF-32 to it) and skips a UTF-8 byte order mark; Phoenix accepts neither, and the
   * raw payload bytes we keep must be UTF-8 because they go out again in text frames.
   */
  static void checkText(byte[] frame) {
    if (frame == null || frame.length == 0) {
      throw new ProtocolException("empty frame");
    }
    if (frame.length >= 3 && (frame[0] & 0xFF) == 0xEF && (frame[1] & 0xFF) == 0xBB
        && (frame[2] & 0xFF) == 0xBF) {
      throw new ProtocolException("invalid JSON: the frame starts with a byte order mark");
    }
    int bad = Utf8.firstInvalid(frame, 0, frame.length);
    if (bad >= 0) {
      throw new ProtocolException("invalid UTF-8 at byte " + bad);
    }
    for (int i = 0, n = Math.min(4, frame.length); i < n; i++) {
      if (frame[i] == 0) {
        throw new ProtocolException("invalid JSON: NUL byte at byte " + i);
      }
    }
  }

  /** "a JSON object", "an integer", ... for error messages. */
  static String describe(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "a JSON object";
      case START_ARRAY -> "a JSON array";
      case VALUE_STRING -> p.getTextLength() == 0 ? "an empty string" : "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a decimal number";
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }

  /** join_ref and ref: strings or null; integers are accepted (some clients send numbers) as their text. */
  static boolean isRef(JsonToken t) {
    return t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NULL;
  }

  /**
   * Refs below {@link #SHARED_REFS} ("0" to "999" without leading zeros) come from a shared table:
   * clients count refs up from 1, so most refs and almost every join ref are small, and a joined
   * channel keeps its join ref for as long as it lives. Other refs are new strings.
   */
  static String refText(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    int length = p.getTextLength();
    if (length <= 3) {
      char[] chars = p.getTextCharacters();
      int offset = p.getTextOffset();
      int value = 0;
      for (int i = 0; i < length; i++) {
        char c = chars[offset + i];
        if (c < '0' || c > '9' || (c == '0' && i == 0 && length > 1)) {
          return p.getText();
        }
        value = value * 10 + (c - '0');
      }
      if (length > 0) {
        return SMALL_REFS[value];
      }
    }
    return p.getText();
  }

  /** How many small refs are shared. */
  static final int SHARED_REFS = 1000;

  private static final String[] SMALL_REFS = new String[SHARED_REFS];

  static {
    for (int i = 0; i < SHARED_REFS; i++) {
      SMALL_REFS[i] = Integer.toString(i);
    }
  }

  /**
   * An integer that runs to the end of the input may have been cut short: {@code "ref":12} cut after the
   * 1 reads as 1. Such a ref must not be named in the error (an error reply to ref "1" would answer some
   * other push); the frame is incomplete and fails anyway.
   */
  static boolean cutShort(JsonParser p, JsonToken t, int inputLength) {
    return t == JsonToken.VALUE_NUMBER_INT && p.currentLocation().getByteOffset() >= inputLength;
  }

  static String refProblem(String field, JsonParser p, JsonToken t) throws IOException {
    return field + " must be a string, an integer or null, got " + describe(p, t);
  }

  /** topic and event: non-empty strings. */
  static boolean isName(JsonParser p, JsonToken t) throws IOException {
    return t == JsonToken.VALUE_STRING && p.getTextLength() > 0;
  }

  static String nameProblem(String field, JsonParser p, JsonToken t) throws IOException {
    return field + " must be a non-empty string, got " + describe(p, t);
  }

  /**
   * The current value's exact bytes in {@code src}. {@code base} is the offset the parser was opened at,
   * because Jackson counts from there. Nothing is re-serialized.
   */
  static Payload.Json captureValue(JsonParser p, JsonToken t, byte[] src, int base) throws IOException {
    long start = p.currentTokenLocation().getByteOffset();
    if (t.isStructStart()) {
      p.skipChildren();
    } else {
      p.finishToken(); // a string's closing quote is not read until asked
    }
    long end = p.currentLocation().getByteOffset();
    if (start < 0 || end <= start || base + end > src.length) {
      throw new ProtocolException("could not locate the payload in the frame (" + start + ".." + end + ")");
    }
    return new Payload.Json(Arrays.copyOfRange(src, base + (int) start, base + (int) end));
  }

  /**
   * Client side: a {@code phx_reply} message becomes a {@link Reply} (status from payload.status, response
   * from the raw bytes of payload.response, {} if absent); any other message is returned as is.
   */
  static ServerFrame toServerFrame(Message m, FrameContext ctx) {
    if (!Reply.EVENT.equals(m.event())) {
      return m;
    }
    byte[] body = m.payload().bytes();
    return parse(body, 0, body.length, ctx, p -> {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw ctx.fail("phx_reply payload must be a JSON object {\"status\":..,\"response\":..}, got "
            + describe(p, t));
      }
      String status = null;
      String problem = null;
      Payload response = Payload.EMPTY_OBJECT;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        t = p.nextToken();
        if ("status".equals(name)) {
          if (isName(p, t)) {
            status = p.getText();
          } else {
            problem = nameProblem("phx_reply status", p, t);
            p.skipChildren();
          }
        } else if ("response".equals(name)) {
          response = captureValue(p, t, body, 0);
        } else {
          p.skipChildren();
        }
      }
      if (status == null) {
        throw ctx.fail(problem != null ? problem : "phx_reply payload has no status");
      }
      return new Reply(m.joinRef(), m.ref(), m.topic(), status, response);
    });
  }

  // ---- encoding ----

  static String requireName(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new ProtocolException(field + " must be a non-empty string");
    }
    return value;
  }

  /**
   * The bytes of a JSON payload, copied verbatim into frames. They are not validated (that would mean
   * parsing every broadcast); only an absent or empty value, which would break the frame, is refused.
   */
  static byte[] jsonBytes(String field, Payload.Json payload) {
    byte[] b = payload.bytes();
    if (b == null || b.length == 0) {
      throw new ProtocolException(field + " must hold one JSON value, got no bytes");
    }
    return b;
  }

  static <P extends Payload> P requirePayload(String field, P payload) {
    if (payload == null) {
      throw new ProtocolException(field + " must not be null");
    }
    if (payload.bytes() == null) {
      throw new ProtocolException(field + " bytes must not be null");
    }
    return payload;
  }

  /** Size of {@code {"status":S,"response":R}}. */
  static int replyBodySize(String status, byte[] response) {
    return STATUS_KEY.length + JsonOut.sizeOf(status) + RESPONSE_KEY.length + response.length + 1;
  }

  static JsonOut writeReplyBody(JsonOut out, String status, byte[] response) {
    return out.raw(STATUS_KEY).string(status).raw(RESPONSE_KEY).raw(response).raw('}');
  }
}
