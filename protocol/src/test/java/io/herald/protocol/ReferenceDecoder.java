package io.herald.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.herald.protocol.FrameGenerator.Format;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a frame means according to the protocol, worked out independently of the decoders. Text frames
 * are read with Jackson's tree model and a strict JDK UTF-8 check, then the shape rules are applied to
 * the tree. Binary frames are read field by field from the layout in the Phoenix reference notes.
 *
 * <p>It also lists the join_refs, refs and topics a frame really holds. A decoder that names one of them
 * in an exception must have read it from the frame.
 */
final class ReferenceDecoder {
  private ReferenceDecoder() {}

  private static final ObjectMapper TREES =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  enum Kind {
    VALID, INVALID,
    /** V1 objects with repeated keys: Phoenix keeps the last, Herald may also refuse such a frame. */
    VALID_OR_REFUSED
  }

  /** The reference reading of a frame. Refs are tree nodes, because JSON integers are compared by value. */
  record Verdict(Kind kind, String why, JsonNode joinRef, JsonNode ref, String topic, String event,
      JsonNode payload, byte[] data) {

    static Verdict invalid(String why) {
      return new Verdict(Kind.INVALID, why, null, null, null, null, null, null);
    }

    /** Null if {@code m} says what the frame says, else what differs. */
    String mismatch(Message m) {
      List<String> diffs = new ArrayList<>();
      if (!refMatches(m.joinRef(), joinRef)) {
        diffs.add("join_ref " + Tries.readable(m.joinRef()) + " but the frame has " + joinRef);
      }
      if (!refMatches(m.ref(), ref)) {
        diffs.add("ref " + Tries.readable(m.ref()) + " but the frame has " + ref);
      }
      if (!Objects.equals(m.topic(), topic)) {
        diffs.add("topic " + Tries.readable(m.topic()) + " but the frame has " + Tries.readable(topic));
      }
      if (!Objects.equals(m.event(), event)) {
        diffs.add("event " + Tries.readable(m.event()) + " but the frame has " + Tries.readable(event));
      }
      if (data != null) {
        if (!(m.payload() instanceof Payload.Binary) || !Arrays.equals(m.payload().bytes(), data)) {
          diffs.add("payload " + m.payload() + " but the frame has " + data.length + " bytes of data");
        }
      } else {
        JsonNode got = m.payload() instanceof Payload.Json j ? tree(j.bytes()) : null;
        if (got == null || !got.equals(payload)) {
          diffs.add("payload " + m.payload() + " but the frame has " + payload);
        }
      }
      return diffs.isEmpty() ? null : String.join("; ", diffs);
    }
  }

  static Verdict verdict(Format f, byte[] frame) {
    return switch (f) {
      case V1_TEXT -> v1(frame);
      case V2_TEXT -> v2(frame);
      case V2_BINARY -> binary(frame);
    };
  }

  // ---- text ----

  /** JSON text as Phoenix reads it: UTF-8 only, no byte order mark; NUL cannot occur in JSON text. */
  private static String textProblem(byte[] f) {
    if (f.length == 0) {
      return "empty";
    }
    if (f.length >= 3 && (f[0] & 0xFF) == 0xEF && (f[1] & 0xFF) == 0xBB && (f[2] & 0xFF) == 0xBF) {
      return "byte order mark";
    }
    for (byte b : f) {
      if (b == 0) {
        return "NUL byte";
      }
    }
    return strictUtf8(f, 0, f.length) == null ? "not UTF-8" : null;
  }

  private static Verdict v2(byte[] f) {
    String problem = textProblem(f);
    if (problem != null) {
      return Verdict.invalid(problem);
    }
    JsonNode root = tree(f);
    if (root == null) {
      return Verdict.invalid("not one JSON value");
    }
    if (!root.isArray() || root.size() < 5) {
      return Verdict.invalid("not an array of at least 5 elements");
    }
    String shape = refProblem("join_ref", root.get(0));
    shape = shape != null ? shape : refProblem("ref", root.get(1));
    shape = shape != null ? shape : nameProblem("topic", root.get(2));
    shape = shape != null ? shape : nameProblem("event", root.get(3));
    if (shape != null) {
      return Verdict.invalid(shape);
    }
    return new Verdict(Kind.VALID, "valid", root.get(0), root.get(1), root.get(2).textValue(),
        root.get(3).textValue(), root.get(4), null);
  }

  private static Verdict v1(byte[] f) {
    String problem = textProblem(f);
    if (problem != null) {
      return Verdict.invalid(problem);
    }
    // strict first: a repeated key is rare, and only then is the lenient (last one counts) tree needed
    boolean repeatedKeys = false;
    JsonNode root;
    try {
      root = parseTree(f, true);
    } catch (Exception e) {
      root = null;
      repeatedKeys = String.valueOf(e.getMessage()).startsWith("Duplicate field");
    }
    if (repeatedKeys) {
      root = tree(f);
    }
    if (root == null) {
      return Verdict.invalid("not one JSON value");
    }
    if (!root.isObject()) {
      return Verdict.invalid("not an object");
    }
    for (String key : List.of("topic", "event", "payload", "ref")) {
      if (!root.has(key)) {
        return Verdict.invalid("no " + key);
      }
    }
    String shape = nameProblem("topic", root.get("topic"));
    shape = shape != null ? shape : nameProblem("event", root.get("event"));
    shape = shape != null ? shape : refProblem("ref", root.get("ref"));
    shape = shape != null || !root.has("join_ref") ? shape : refProblem("join_ref", root.get("join_ref"));
    if (shape != null) {
      return Verdict.invalid(shape);
    }
    Kind kind = repeatedKeys ? Kind.VALID_OR_REFUSED : Kind.VALID;
    return new Verdict(kind, kind == Kind.VALID ? "valid" : "repeated keys", root.get("join_ref"),
        root.get("ref"), root.get("topic").textValue(), root.get("event").textValue(), root.get("payload"), null);
  }

  private static String refProblem(String field, JsonNode n) {
    return n.isNull() || n.isTextual() || n.isIntegralNumber() ? null : field + " is " + n.getNodeType();
  }

  private static String nameProblem(String field, JsonNode n) {
    return n.isTextual() && !n.textValue().isEmpty() ? null : field + " is not a non-empty string";
  }

  /** A decoded ref against the frame's: the same string, the same integer written as text, or both null. */
  private static boolean refMatches(String decoded, JsonNode node) {
    if (node == null || node.isNull()) {
      return decoded == null;
    }
    if (node.isTextual()) {
      return node.textValue().equals(decoded);
    }
    return decoded != null && isJsonInteger(decoded) && new BigInteger(decoded).equals(node.bigIntegerValue());
  }

  /** {@code -?(0|[1-9][0-9]*)}: what JSON allows as an integer. */
  private static boolean isJsonInteger(String s) {
    int i = s.startsWith("-") ? 1 : 0;
    if (i == s.length() || (s.charAt(i) == '0' && s.length() > i + 1)) {
      return false;
    }
    for (; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Exactly one JSON value, or null. */
  static JsonNode tree(byte[] json) {
    try {
      return parseTree(json, false);
    } catch (Exception e) {
      return null;
    }
  }

  /** Parses exactly one JSON value; the exception says why not. */
  private static JsonNode parseTree(byte[] json, boolean strictKeys) throws Exception {
    try (JsonParser p = parser(json)) {
      if (strictKeys) {
        p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      }
      JsonNode n = TREES.readTree(p);
      return n == null || n.isMissingNode() ? null : n;
    }
  }

  private static final int PARSES_PER_FACTORY = 256;
  private static JsonFactory factory = new JsonFactory();
  private static int parses;

  /**
   * A parser from a factory that is replaced now and then. A factory keeps every field name it meets in
   * one table, mutated frames keep bringing new names, and each new name copies the whole table. The
   * decoders' shared factory pays that cost; the oracle need not.
   */
  private static synchronized JsonParser parser(byte[] json) throws IOException {
    if (++parses % PARSES_PER_FACTORY == 0) {
      factory = new JsonFactory();
    }
    return factory.createParser(json);
  }

  /** The JDK's decoder, which refuses overlong forms, surrogates and code points above U+10FFFF. */
  static String strictUtf8(byte[] b, int from, int len) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, len))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  // ---- binary ----

  private static Verdict binary(byte[] f) {
    if (f.length == 0 || f[0] != BinaryFrames.PUSH) {
      return Verdict.invalid("not a push");
    }
    BinaryFields fields = binaryFields(f);
    if (fields.problem != null) {
      return Verdict.invalid(fields.problem);
    }
    return new Verdict(Kind.VALID, "valid", node(fields.joinRef), node(fields.ref), fields.topic, fields.event, null,
        Arrays.copyOfRange(f, fields.dataStart, f.length));
  }

  private static JsonNode node(String s) {
    return s == null ? null : TREES.getNodeFactory().textNode(s);
  }

  /** A client push read field by field; it stops at the first field it cannot read, as a decoder must. */
  static final class BinaryFields {
    String joinRef;
    String ref;
    String topic;
    String event;
    int dataStart;
    String problem;
  }

  static BinaryFields binaryFields(byte[] f) {
    BinaryFields out = new BinaryFields();
    if (f.length == 0 || f[0] != BinaryFrames.PUSH) {
      out.problem = "not a push";
      return out;
    }
    if (f.length < 5) {
      out.problem = "header cut";
      return out;
    }
    int pos = 5;
    String[] values = new String[4];
    for (int i = 0; i < 4; i++) {
      int size = f[1 + i] & 0xFF;
      if (pos + size > f.length) {
        out.problem = "field " + i + " cut";
        return out;
      }
      String s = strictUtf8(f, pos, size);
      if (s == null) {
        out.problem = "field " + i + " not UTF-8";
        return out;
      }
      if (s.isEmpty() && i >= 2) {
        out.problem = "field " + i + " empty";
        return out;
      }
      values[i] = s.isEmpty() ? null : s;
      switch (i) {
        case 0 -> out.joinRef = values[0];
        case 1 -> out.ref = values[1];
        case 2 -> out.topic = values[2];
        default -> out.event = values[3];
      }
      pos += size;
    }
    out.dataStart = pos;
    return out;
  }

  // ---- what a frame holds, for exceptions that name it ----

  /** join_refs, refs and topics present in the frame; lists, because null and repeats count. */
  record Held(List<String> joinRefs, List<String> refs, List<String> topics) {}

  /**
   * Reads a text frame token by token as far as it is JSON, and collects join_ref, ref and topic values:
   * V2 array elements 0 to 2, V1 top-level keys. An integer that runs to the end of the input is left
   * out, because it may have been cut short.
   */
  static Held held(Format f, byte[] frame) {
    Held held = new Held(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    try (JsonParser p = parser(frame)) {
      JsonToken t = p.nextToken();
      if (f == Format.V2_TEXT && t == JsonToken.START_ARRAY) {
        for (int i = 0; (t = p.nextToken()) != null && t != JsonToken.END_ARRAY; i++) {
          collect(p, t, frame.length, i == 0 ? "join_ref" : i == 1 ? "ref" : i == 2 ? "topic" : "", held);
          p.skipChildren();
        }
      } else if (f == Format.V1_TEXT && t == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          collect(p, p.nextToken(), frame.length, name, held);
          p.skipChildren();
        }
      }
    } catch (Exception e) {
      // the frame stops being JSON here; what was collected stands
    }
    return held;
  }

  private static void collect(JsonParser p, JsonToken t, int length, String field, Held held) throws Exception {
    if (t == null) {
      return;
    }
    if (field.equals("topic")) {
      if (t == JsonToken.VALUE_STRING && !p.getText().isEmpty()) {
        held.topics().add(p.getText());
      }
      return;
    }
    if (!field.equals("join_ref") && !field.equals("ref")) {
      return;
    }
    List<String> into = field.equals("ref") ? held.refs() : held.joinRefs();
    if (t == JsonToken.VALUE_STRING) {
      into.add(p.getText());
    } else if (t == JsonToken.VALUE_NULL) {
      into.add(null);
    } else if (t == JsonToken.VALUE_NUMBER_INT && p.currentLocation().getByteOffset() < length) {
      into.add(p.getText());
    }
  }
}
