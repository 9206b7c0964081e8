package io.herald.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Well-formed client frames for each wire format, written without the encoders. It has its own string
 * escaper (raw, short and backslash-u escapes, both hex cases, surrogate pairs), random whitespace, V1
 * key orders, duplicate keys, integer refs, and the binary layout built byte by byte. So a decoder is
 * checked against what the frame says, not against its own encoder.
 *
 * <p>A {@link Spec} is what to write; {@link #render} writes it into a {@link Frame} that also records
 * where each value ends. The truncation and error-reply properties use those offsets.
 */
final class FrameGenerator {
  private FrameGenerator() {}

  /** The three client-frame decoders. */
  enum Format {
    V1_TEXT(Serializers.V1, false),
    V2_TEXT(Serializers.V2, false),
    V2_BINARY(Serializers.V2, true);

    final Serializer serializer;
    final boolean binary;

    Format(Serializer serializer, boolean binary) {
      this.serializer = serializer;
      this.binary = binary;
    }
  }

  /** A join_ref or ref as written: absent (V1 join_ref only), null, a string, or an integer literal. */
  record Ref(Kind kind, String value) {
    enum Kind { ABSENT, NULL, STRING, NUMBER }

    static final Ref ABSENT = new Ref(Kind.ABSENT, null);
    static final Ref NULL = new Ref(Kind.NULL, null);

    static Ref string(String s) {
      return new Ref(Kind.STRING, s);
    }

    static Ref number(String literal) {
      return new Ref(Kind.NUMBER, literal);
    }

    @Override
    public String toString() {
      return switch (kind) {
        case ABSENT -> "absent";
        case NULL -> "null";
        case STRING -> Tries.readable(value);
        case NUMBER -> value;
      };
    }
  }

  /** A way to spoil a frame after its topic, for the error-reply property; NONE for valid frames. */
  enum Break {
    NONE,
    EVENT_WRONG_TYPE, EVENT_EMPTY, EVENT_MISSING, PAYLOAD_MISSING,
    PAYLOAD_SYNTAX, PAYLOAD_TOO_DEEP, PAYLOAD_HUGE_NUMBER,
    BINARY_EVENT_EMPTY, BINARY_EVENT_BAD_UTF8, BINARY_EVENT_CUT;

    /** Breaks that stop the parser inside the payload; the others let it read the whole frame. */
    boolean stopsInPayload() {
      return this == PAYLOAD_SYNTAX || this == PAYLOAD_TOO_DEEP || this == PAYLOAD_HUGE_NUMBER;
    }
  }

  /**
   * What to write. {@code payload} is JSON text for text formats (written verbatim, so it is also the
   * expected payload) and the data for binary. {@code extras} are extra array elements (V2) or unknown
   * members {@code "key":value} (V1). {@code style} seeds whitespace, escapes, key order and duplicate
   * keys; {@code plain} writes like {@code JSON.stringify}.
   */
  record Spec(Format format, Ref joinRef, Ref ref, String topic, String event, byte[] payload,
      List<byte[]> extras, long style, boolean plain, Break brk, long breakSeed) {

    Spec with(Ref newJoinRef, Ref newRef, String newTopic, String newEvent, byte[] newPayload,
        List<byte[]> newExtras, boolean newPlain) {
      return new Spec(format, newJoinRef, newRef, newTopic, newEvent, newPayload, newExtras, style, newPlain,
          brk, breakSeed);
    }

    @Override
    public String toString() {
      return format + (brk == Break.NONE ? "" : " " + brk) + " joinRef=" + joinRef + " ref=" + ref
          + " topic=" + Tries.readable(topic) + " event=" + Tries.readable(event) + (plain ? " plain" : "")
          + " extras=" + extras.size() + "; frame " + Tries.show(render(this).bytes());
    }
  }

  /** One written value: which field, where its member (V1 key) starts, where the value starts and ends. */
  record Span(String field, int memberStart, int start, int end, String value, boolean number) {
    boolean claimable() {
      return field.equals("join_ref") || field.equals("ref") || field.equals("topic");
    }

    /**
     * Whether a decoder that got {@code limit} bytes has read this value. A string or literal is read once
     * its last byte is. An integer needs one more byte: at the end of the input it may have been cut short.
     */
    boolean readWithin(int limit) {
      return number ? end < limit : end <= limit;
    }
  }

  /**
   * A written frame. {@code expected} is null for a broken frame. {@code end} is where the frame's
   * value ends; trailing whitespace may follow. For binary, {@code end} is where the data starts.
   * {@code breakAt} is how far a decoder reads before a break stops it, or -1.
   */
  record Frame(Spec spec, byte[] bytes, Message expected, int end, List<Span> spans, int breakAt) {

    /** join_ref, ref and topic that a decoder given {@code limit} bytes has read: the last of each. */
    String[] claimsWithin(int limit) {
      String[] claims = new String[3];
      for (Span s : spans) {
        if (s.claimable() && s.readWithin(limit)) {
          claims[switch (s.field()) {
            case "join_ref" -> 0;
            case "ref" -> 1;
            default -> 2;
          }] = s.value();
        }
      }
      return claims;
    }
  }

  // ---- generating specs ----

  private static final Set<String> V1_KEYS = Set.of("topic", "event", "payload", "ref", "join_ref");

  static Spec spec(Format f, Random r) {
    return spec(f, r, Break.NONE);
  }

  /** A spec that is spoiled after its topic in one of the ways that apply to the format. */
  static Spec broken(Format f, Random r) {
    Break[] breaks = switch (f) {
      case V1_TEXT -> new Break[] {Break.EVENT_WRONG_TYPE, Break.EVENT_EMPTY, Break.EVENT_MISSING,
          Break.PAYLOAD_MISSING, Break.PAYLOAD_SYNTAX, Break.PAYLOAD_TOO_DEEP, Break.PAYLOAD_HUGE_NUMBER};
      case V2_TEXT -> new Break[] {Break.EVENT_WRONG_TYPE, Break.EVENT_EMPTY, Break.PAYLOAD_MISSING,
          Break.PAYLOAD_SYNTAX, Break.PAYLOAD_TOO_DEEP, Break.PAYLOAD_HUGE_NUMBER};
      case V2_BINARY -> new Break[] {Break.BINARY_EVENT_EMPTY, Break.BINARY_EVENT_BAD_UTF8,
          Break.BINARY_EVENT_CUT};
    };
    return spec(f, r, breaks[r.nextInt(breaks.length)]);
  }

  private static Spec spec(Format f, Random r, Break brk) {
    long style = r.nextLong();
    long breakSeed = r.nextLong();
    if (f.binary) {
      Ref joinRef = r.nextInt(3) == 0 ? Ref.NULL : Ref.string(nonEmpty(utf8Field(r)));
      Ref ref = r.nextInt(4) == 0 ? Ref.NULL : Ref.string(nonEmpty(utf8Field(r)));
      return new Spec(f, joinRef, ref, nonEmpty(utf8Field(r)), nonEmpty(utf8Field(r)), data(r), List.of(), style,
          true, brk, breakSeed);
    }
    Ref joinRef = ref(r, f == Format.V1_TEXT);
    Ref ref = ref(r, false);
    String topic = nonEmpty(text(r, 30, true));
    String event = nonEmpty(text(r, 16, true));
    byte[] payload = payload(r);
    List<byte[]> extras = new ArrayList<>();
    if (r.nextInt(6) == 0) {
      for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
        extras.add(f == Format.V1_TEXT ? unknownMember(r) : jsonValue(r, 3));
      }
    }
    return new Spec(f, joinRef, ref, topic, event, payload, extras, style, r.nextInt(6) == 0, brk, breakSeed);
  }

  private static Ref ref(Random r, boolean mayBeAbsent) {
    int k = r.nextInt(10);
    if (k == 0 && mayBeAbsent) {
      return Ref.ABSENT;
    }
    if (k <= 2) {
      return Ref.NULL;
    }
    if (k == 3) {
      return Ref.number(integerLiteral(r));
    }
    return Ref.string(text(r, 12, true)); // may be empty: "" is a string ref, not null
  }

  /**
   * Object keys come from a fixed pool. Jackson keeps every new key in the decoder's shared symbol table,
   * and a large table makes each later parse slower; the pool keeps the tries fast and does not slow
   * other tests in the same JVM. The keys still have every character class, and the escapes are chosen
   * anew each time a key is written.
   */
  private static final String[] KEYS = keyPool();

  private static String[] keyPool() {
    Random r = new Random(0x6B657973L);
    String[] keys = new String[64];
    keys[0] = "";
    keys[1] = "a";
    for (int i = 2; i < keys.length; i++) {
      keys[i] = text(r, 10, true);
    }
    return keys;
  }

  private static String key(Random r) {
    return KEYS[r.nextInt(KEYS.length)];
  }

  private static byte[] unknownMember(Random r) {
    String key;
    do {
      key = key(r);
    } while (V1_KEYS.contains(key));
    Out o = new Out(r, false);
    o.string(key).ws().raw(':').ws().raw(jsonValue(r, 3));
    return o.bytes();
  }

  /** Text with every character class the escapers treat differently; lone surrogates only if asked. */
  static String text(Random r, int maxChars, boolean loneSurrogates) {
    int len = r.nextInt(maxChars + 1);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < len) {
      switch (r.nextInt(loneSurrogates ? 9 : 8)) {
        case 0, 1 -> sb.append((char) ('a' + r.nextInt(26)));
        case 2 -> sb.append("\"\\/:*_-. '{}[],#".charAt(r.nextInt(16)));
        case 3 -> sb.append((char) r.nextInt(0x20)); // control characters, NUL included
        case 4 -> sb.append((char) (0x7F + r.nextInt(0x800 - 0x7F))); // DEL and two-byte UTF-8
        case 5 -> {
          char c = (char) (0x800 + r.nextInt(0x10000 - 0x800));
          sb.append(Character.isSurrogate(c) ? '\u20ac' : c);
        }
        case 6 -> sb.append("\ufeff\ufffe\uffff\u2028\u2029\u0000".charAt(r.nextInt(6)));
        case 7 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
        default -> sb.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate: JSON escapes carry it
      }
    }
    return sb.toString();
  }

  static String nonEmpty(String s) {
    return s.isEmpty() ? "t" : s;
  }

  /** A binary-frame field: valid UTF-8 of at most 255 bytes, sometimes exactly 255. */
  static String utf8Field(Random r) {
    if (r.nextInt(12) == 0) {
      StringBuilder sb = new StringBuilder();
      int bytes = 0;
      while (true) {
        String cp = text(r, 1, false);
        int n = utf8(cp).length;
        if (bytes + n > BinaryFrames.MAX_FIELD) {
          break;
        }
        sb.append(cp);
        bytes += n;
      }
      return sb.append("x".repeat(BinaryFrames.MAX_FIELD - bytes)).toString();
    }
    return withinBytes(text(r, 40, false), BinaryFrames.MAX_FIELD);
  }

  /** {@code s} without its last code points until its UTF-8 fits in {@code max} bytes. */
  private static String withinBytes(String s, int max) {
    while (utf8(s).length > max) {
      s = s.substring(0, s.offsetByCodePoints(0, s.codePointCount(0, s.length()) - 1));
    }
    return s;
  }

  private static byte[] data(Random r) {
    int k = r.nextInt(20);
    byte[] b;
    if (k == 0) {
      b = new byte[256];
      for (int i = 0; i < 256; i++) {
        b[i] = (byte) i;
      }
      return b;
    }
    b = new byte[k == 1 ? 256 + r.nextInt(3000) : r.nextInt(65)];
    r.nextBytes(b);
    return b;
  }

  /** A payload: usually a small random JSON value, sometimes nested up to the 1000-level limit. */
  private static byte[] payload(Random r) {
    if (r.nextInt(60) == 0) {
      // the frame is one level, so a payload may nest 999 deep
      int depth = r.nextBoolean() ? 990 + r.nextInt(10) : 2 + r.nextInt(998);
      return nest(r, depth, true);
    }
    return jsonValue(r, 5);
  }

  /** {@code depth} nested arrays and objects around a scalar; unbalanced leaves them open. */
  static byte[] nest(Random r, int depth, boolean balanced) {
    boolean[] arrays = new boolean[depth];
    StringBuilder sb = new StringBuilder(depth * 6 + 16);
    for (int i = 0; i < depth; i++) {
      arrays[i] = r.nextInt(3) != 0;
      sb.append(arrays[i] ? "[" : "{\"k\":");
    }
    sb.append(number(r));
    if (balanced) {
      for (int i = depth - 1; i >= 0; i--) {
        sb.append(arrays[i] ? ']' : '}');
      }
    }
    return utf8(sb.toString());
  }

  /** A random JSON value with random whitespace and escapes; containers up to {@code maxDepth} deep. */
  static byte[] jsonValue(Random r, int maxDepth) {
    Out o = new Out(r, r.nextInt(4) == 0);
    value(o, r, maxDepth);
    return o.bytes();
  }

  private static void value(Out o, Random r, int depthLeft) {
    int k = depthLeft <= 0 ? 3 + r.nextInt(5) : r.nextInt(8);
    switch (k) {
      case 0, 1 -> {
        o.raw('{').ws();
        for (int i = 0, n = r.nextInt(5); i < n; i++) {
          if (i > 0) {
            o.ws().raw(',').ws();
          }
          o.string(key(r)).ws().raw(':').ws();
          value(o, r, depthLeft - 1);
        }
        o.ws().raw('}');
      }
      case 2 -> {
        o.raw('[').ws();
        for (int i = 0, n = r.nextInt(5); i < n; i++) {
          if (i > 0) {
            o.ws().raw(',').ws();
          }
          value(o, r, depthLeft - 1);
        }
        o.ws().raw(']');
      }
      case 3 -> o.string(text(r, 24, true));
      case 4 -> o.raw(number(r));
      case 5 -> o.raw("true");
      case 6 -> o.raw("false");
      default -> o.raw("null");
    }
  }

  /** JSON numbers of every shape, within Jackson's default limit of 1000 characters. */
  static String number(Random r) {
    String sign = r.nextBoolean() ? "-" : "";
    return switch (r.nextInt(9)) {
      case 0 -> "0";
      case 1 -> "-0";
      case 2 -> Integer.toString(r.nextInt(2001) - 1000);
      case 3 -> Long.toString(r.nextLong());
      case 4 -> sign + digits(r, 20 + r.nextInt(300));
      case 5 -> sign + intPart(r) + "." + anyDigits(r, 1 + r.nextInt(20));
      case 6 -> sign + intPart(r) + (r.nextBoolean() ? "." + anyDigits(r, 1 + r.nextInt(5)) : "")
          + (r.nextBoolean() ? "e" : "E") + new String[] {"", "+", "-"}[r.nextInt(3)] + anyDigits(r, 1 + r.nextInt(4));
      case 7 -> sign + "1e" + (r.nextBoolean() ? "-" : "") + digits(r, 1 + r.nextInt(9));
      default -> sign + digits(r, 1 + r.nextInt(400)) + "." + anyDigits(r, 1 + r.nextInt(400));
    };
  }

  /** An integer literal for a ref (clients may send numbers); kept as text by the decoder. */
  static String integerLiteral(Random r) {
    String sign = r.nextBoolean() ? "-" : "";
    return switch (r.nextInt(5)) {
      case 0 -> "0";
      case 1 -> "-0";
      case 2 -> Integer.toString(r.nextInt(100_000));
      case 3 -> Long.toString(r.nextLong());
      default -> sign + digits(r, 20 + r.nextInt(40));
    };
  }

  private static String intPart(Random r) {
    return r.nextInt(4) == 0 ? "0" : digits(r, 1 + r.nextInt(6));
  }

  /** {@code n} digits without a leading zero. */
  static String digits(Random r, int n) {
    StringBuilder sb = new StringBuilder(n).append((char) ('1' + r.nextInt(9)));
    for (int i = 1; i < n; i++) {
      sb.append((char) ('0' + r.nextInt(10)));
    }
    return sb.toString();
  }

  private static String anyDigits(Random r, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + r.nextInt(10)));
    }
    return sb.toString();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ---- rendering ----

  static Frame render(Spec s) {
    return switch (s.format()) {
      case V2_TEXT -> renderV2(s);
      case V1_TEXT -> renderV1(s);
      case V2_BINARY -> renderBinary(s);
    };
  }

  private static Frame renderV2(Spec s) {
    Out o = new Out(new Random(s.style()), s.plain());
    Random br = new Random(s.breakSeed());
    List<Span> spans = new ArrayList<>();
    o.ws().raw('[').ws();
    refValue(o, spans, "join_ref", s.joinRef().kind() == Ref.Kind.ABSENT ? Ref.NULL : s.joinRef(), o.pos());
    o.ws().raw(',').ws();
    refValue(o, spans, "ref", s.ref(), o.pos());
    o.ws().raw(',').ws();
    stringValue(o, spans, "topic", s.topic(), o.pos());
    o.ws().raw(',').ws();
    eventValue(o, spans, s, br, o.pos());
    int breakAt = s.brk() == Break.NONE ? -1 : Integer.MAX_VALUE;
    if (s.brk() != Break.PAYLOAD_MISSING) {
      o.ws().raw(',').ws();
      int at = o.pos();
      if (s.brk().stopsInPayload()) {
        breakAt = at;
      }
      payloadValue(o, spans, s, br, at);
      for (byte[] extra : s.extras()) {
        o.ws().raw(',').ws();
        int x = o.pos();
        o.raw(extra);
        spans.add(new Span("extra", x, x, o.pos(), null, false));
      }
    }
    o.ws().raw(']');
    int end = o.pos();
    o.ws();
    return new Frame(s, o.bytes(), expected(s), end, spans, breakAt);
  }

  private static Frame renderV1(Spec s) {
    Random style = new Random(s.style());
    Out o = new Out(style, s.plain());
    Random br = new Random(s.breakSeed());
    List<String> members = new ArrayList<>(List.of("topic", "event", "payload", "ref"));
    boolean joinRefWritten = s.plain()
        ? s.joinRef().value() != null // as the encoder does: join_ref only when it has one
        : s.joinRef().kind() != Ref.Kind.ABSENT;
    if (joinRefWritten) {
      members.add("join_ref");
    }
    if (s.brk() == Break.EVENT_MISSING) {
      members.remove("event");
    }
    if (s.brk() == Break.PAYLOAD_MISSING) {
      members.remove("payload");
    }
    for (int i = 0; i < s.extras().size(); i++) {
      members.add("extra" + i);
    }
    if (!s.plain()) {
      Collections.shuffle(members, style);
      if (style.nextInt(8) == 0) {
        // an earlier duplicate of a key: the last one counts, as in Phoenix's JSON decoding
        List<String> known = new ArrayList<>(members);
        known.removeIf(m -> m.startsWith("extra")
            || (s.brk() != Break.NONE && (m.equals("event") || m.equals("payload"))));
        if (!known.isEmpty()) {
          String key = known.get(style.nextInt(known.size()));
          members.add(style.nextInt(members.indexOf(key) + 1), "decoy:" + key);
        }
      }
    }
    List<Span> spans = new ArrayList<>();
    int breakAt = s.brk() == Break.NONE ? -1 : Integer.MAX_VALUE;
    o.ws().raw('{').ws();
    for (int i = 0; i < members.size(); i++) {
      if (i > 0) {
        o.ws().raw(',').ws();
      }
      String m = members.get(i);
      int memberStart = o.pos();
      if (m.startsWith("extra")) {
        o.raw(s.extras().get(Integer.parseInt(m.substring(5))));
        spans.add(new Span("extra", memberStart, memberStart, o.pos(), null, false));
        continue;
      }
      boolean decoy = m.startsWith("decoy:");
      String key = decoy ? m.substring(6) : m;
      o.string(key).ws().raw(':').ws();
      if (decoy) {
        switch (key) {
          case "topic", "event" -> stringValue(o, spans, key, nonEmpty(text(style, 8, true)), memberStart);
          case "payload" -> {
            int at = o.pos();
            o.raw(jsonValue(style, 2));
            spans.add(new Span("payload", memberStart, at, o.pos(), null, false));
          }
          default -> refValue(o, spans, key, ref(style, false), memberStart);
        }
        continue;
      }
      switch (key) {
        case "topic" -> stringValue(o, spans, key, s.topic(), memberStart);
        case "event" -> eventValue(o, spans, s, br, memberStart);
        case "payload" -> {
          if (s.brk().stopsInPayload()) {
            breakAt = o.pos();
          }
          payloadValue(o, spans, s, br, memberStart);
        }
        case "ref" -> refValue(o, spans, key, s.ref(), memberStart);
        default -> refValue(o, spans, key, s.joinRef(), memberStart);
      }
    }
    o.ws().raw('}');
    int end = o.pos();
    o.ws();
    return new Frame(s, o.bytes(), expected(s), end, spans, breakAt);
  }

  private static Frame renderBinary(Spec s) {
    Random br = new Random(s.breakSeed());
    byte[] joinRef = s.joinRef().value() == null ? new byte[0] : utf8(s.joinRef().value());
    byte[] ref = s.ref().value() == null ? new byte[0] : utf8(s.ref().value());
    byte[] topic = utf8(s.topic());
    byte[] event = utf8(s.event());
    byte[] data = s.payload();
    int eventSize = event.length;
    switch (s.brk()) {
      case BINARY_EVENT_EMPTY -> eventSize = 0;
      case BINARY_EVENT_BAD_UTF8 -> {
        // at the start or the end, so that it cannot combine with the event's own bytes
        byte[] bad = INVALID_UTF8[br.nextInt(INVALID_UTF8.length)];
        byte[] e = utf8(withinBytes(s.event(), BinaryFrames.MAX_FIELD - bad.length)); // whole characters only
        event = br.nextBoolean() ? concat(bad, e) : concat(e, bad);
        eventSize = event.length;
      }
      case BINARY_EVENT_CUT -> {
        // the size says more than the frame holds
        event = Arrays.copyOf(event, Math.min(event.length, BinaryFrames.MAX_FIELD - 10));
        eventSize = event.length + 1 + br.nextInt(10);
        data = new byte[0];
      }
      default -> { }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(BinaryFrames.PUSH);
    out.write(joinRef.length);
    out.write(ref.length);
    out.write(topic.length);
    out.write(eventSize);
    List<Span> spans = new ArrayList<>();
    int at = 5;
    spans.add(new Span("join_ref", at, at, at += joinRef.length, s.joinRef().value(), false));
    spans.add(new Span("ref", at, at, at += ref.length, s.ref().value(), false));
    spans.add(new Span("topic", at, at, at += topic.length, s.topic(), false));
    spans.add(new Span("event", at, at, at += event.length, s.event(), false));
    spans.add(new Span("payload", at, at, at + data.length, null, false));
    out.writeBytes(joinRef);
    out.writeBytes(ref);
    out.writeBytes(topic);
    out.writeBytes(event);
    int end = out.size();
    out.writeBytes(data);
    return new Frame(s, out.toByteArray(), expected(s), end, spans, s.brk() == Break.NONE ? -1 : Integer.MAX_VALUE);
  }

  private static Message expected(Spec s) {
    if (s.brk() != Break.NONE) {
      return null;
    }
    Payload payload = s.format().binary ? new Payload.Binary(s.payload()) : new Payload.Json(s.payload());
    return new Message(s.joinRef().value(), s.ref().value(), s.topic(), s.event(), payload);
  }

  private static void refValue(Out o, List<Span> spans, String field, Ref ref, int memberStart) {
    int at = o.pos();
    switch (ref.kind()) {
      case STRING -> o.string(ref.value());
      case NUMBER -> o.raw(ref.value());
      default -> o.raw("null");
    }
    spans.add(new Span(field, memberStart, at, o.pos(), ref.value(), ref.kind() == Ref.Kind.NUMBER));
  }

  private static void stringValue(Out o, List<Span> spans, String field, String value, int memberStart) {
    int at = o.pos();
    o.string(value);
    spans.add(new Span(field, memberStart, at, o.pos(), value, false));
  }

  private static void eventValue(Out o, List<Span> spans, Spec s, Random br, int memberStart) {
    int at = o.pos();
    switch (s.brk()) {
      case EVENT_WRONG_TYPE -> o.raw(pick(br, "1", "-2.5", "null", "true", "false", "[]", "{}", "[\"e\"]",
          "{\"event\":\"e\"}", "12345678901234567890"));
      case EVENT_EMPTY -> o.raw("\"\"");
      default -> o.string(s.event());
    }
    spans.add(new Span("event", memberStart, at, o.pos(), s.event(), false));
  }

  private static void payloadValue(Out o, List<Span> spans, Spec s, Random br, int memberStart) {
    int at = o.pos();
    switch (s.brk()) {
      case PAYLOAD_SYNTAX -> o.raw(pick(br, "{", "[1,", "[1,]", "{\"a\":1,}", "{\"a\"}", "{1:2}", "[1 2]", "nul",
          "tru", "\"\\x\"", "\"\\u12\"", "]", "}", ":", "01", "-", "1.", ".5", "+1", "NaN", "'a'", "\"a\u0001\"",
          "\"abc", "{\"a\":[}", "0x10"));
      case PAYLOAD_TOO_DEEP -> o.raw(nest(br, 1000 + br.nextInt(20), true));
      case PAYLOAD_HUGE_NUMBER -> o.raw(br.nextBoolean()
          ? (br.nextBoolean() ? "-" : "") + digits(br, 1001 + br.nextInt(200))
          : "0." + anyDigits(br, 1001 + br.nextInt(200)));
      default -> o.raw(s.payload());
    }
    spans.add(new Span("payload", memberStart, at, o.pos(), null, false));
  }

  private static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }

  /** Byte sequences that are not UTF-8: bad continuations, overlong forms, surrogates, above U+10FFFF, cut. */
  static final byte[][] INVALID_UTF8 = {
      bytes(0xC3, 0x28), bytes(0x80), bytes(0xBF), bytes(0xC0, 0x80), bytes(0xC1, 0xBF), bytes(0xE0, 0x80, 0x80),
      bytes(0xE0, 0x9F, 0xBF), bytes(0xED, 0xA0, 0x80), bytes(0xED, 0xBF, 0xBF), bytes(0xF0, 0x80, 0x80, 0x80),
      bytes(0xF0, 0x8F, 0xBF, 0xBF), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xF5, 0x80, 0x80, 0x80),
      bytes(0xF8, 0x88, 0x80, 0x80, 0x80), bytes(0xFE), bytes(0xFF), bytes(0xE2, 0x82), bytes(0xF0, 0x9F, 0x98)};

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  // ---- shrinking ----

  /** Simpler specs: fewer extras, plain writing, null refs, shorter names, a trivial payload. */
  static List<Spec> smaller(Spec s) {
    List<Spec> out = new ArrayList<>();
    if (!s.extras().isEmpty()) {
      out.add(s.with(s.joinRef(), s.ref(), s.topic(), s.event(), s.payload(), List.of(), s.plain()));
    }
    if (!s.plain()) {
      out.add(s.with(s.joinRef(), s.ref(), s.topic(), s.event(), s.payload(), s.extras(), true));
    }
    if (s.joinRef().value() != null) {
      out.add(s.with(Ref.NULL, s.ref(), s.topic(), s.event(), s.payload(), s.extras(), s.plain()));
    }
    if (s.ref().value() != null) {
      out.add(s.with(s.joinRef(), Ref.NULL, s.topic(), s.event(), s.payload(), s.extras(), s.plain()));
    }
    byte[] trivial = s.format().binary ? new byte[0] : utf8("0");
    if (!Arrays.equals(s.payload(), trivial)) {
      out.add(s.with(s.joinRef(), s.ref(), s.topic(), s.event(), trivial, s.extras(), s.plain()));
    }
    for (String t : shorter(s.topic())) {
      out.add(s.with(s.joinRef(), s.ref(), t, s.event(), s.payload(), s.extras(), s.plain()));
    }
    for (String e : shorter(s.event())) {
      out.add(s.with(s.joinRef(), s.ref(), s.topic(), e, s.payload(), s.extras(), s.plain()));
    }
    if (s.ref().kind() == Ref.Kind.STRING) {
      for (String v : shorter(s.ref().value())) {
        out.add(s.with(s.joinRef(), Ref.string(v), s.topic(), s.event(), s.payload(), s.extras(), s.plain()));
      }
    }
    return out;
  }

  /** Non-empty shorter versions: the first half, without the last or the first code point. */
  private static List<String> shorter(String s) {
    int n = s.codePointCount(0, s.length());
    if (n <= 1) {
      return List.of();
    }
    return List.of(
        s.substring(0, s.offsetByCodePoints(0, n / 2)),
        s.substring(0, s.offsetByCodePoints(0, n - 1)),
        s.substring(s.offsetByCodePoints(0, 1)));
  }

  // ---- the writer ----

  /** Bytes with random whitespace and escapes; {@code plain} writes as {@code JSON.stringify} does. */
  static final class Out {
    private static final byte[] HEX = utf8("0123456789abcdef0123456789ABCDEF");
    private byte[] buf = new byte[64];
    private int pos;
    private final Random r;
    private final boolean plain;

    Out(Random r, boolean plain) {
      this.r = r;
      this.plain = plain;
    }

    int pos() {
      return pos;
    }

    byte[] bytes() {
      return Arrays.copyOf(buf, pos);
    }

    private void put(int b) {
      if (pos == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[pos++] = (byte) b;
    }

    Out raw(char c) {
      put(c);
      return this;
    }

    Out raw(String ascii) {
      return raw(utf8(ascii));
    }

    Out raw(byte[] b) {
      if (pos + b.length > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + b.length));
      }
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
      return this;
    }

    Out ws() {
      if (!plain && r.nextInt(4) == 0) {
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
          put(" \t\n\r".charAt(r.nextInt(4)));
        }
      }
      return this;
    }

    /** A JSON string. Each character is written raw or escaped, as any valid JSON writer might. */
    Out string(String s) {
      put('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          char low = s.charAt(++i);
          if (plain || r.nextInt(4) != 0) {
            int cp = Character.toCodePoint(c, low);
            put(0xF0 | (cp >> 18));
            put(0x80 | ((cp >> 12) & 0x3F));
            put(0x80 | ((cp >> 6) & 0x3F));
            put(0x80 | (cp & 0x3F));
          } else {
            unicode(c).unicode(low);
          }
        } else if (Character.isSurrogate(c)) {
          unicode(c); // UTF-8 cannot carry it raw
        } else if (c == '"' || c == '\\' || c < 0x20) {
          char shortForm = switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            case '\b' -> 'b';
            case '\f' -> 'f';
            default -> 0;
          };
          if (shortForm != 0 && (plain || r.nextInt(3) != 0)) {
            put('\\');
            put(shortForm);
          } else {
            unicode(c);
          }
        } else if (plain || r.nextInt(6) != 0) {
          if (c < 0x80) {
            put(c);
          } else if (c < 0x800) {
            put(0xC0 | (c >> 6));
            put(0x80 | (c & 0x3F));
          } else {
            put(0xE0 | (c >> 12));
            put(0x80 | ((c >> 6) & 0x3F));
            put(0x80 | (c & 0x3F));
          }
        } else if (c == '/' && r.nextBoolean()) {
          put('\\');
          put('/');
        } else {
          unicode(c);
        }
      }
      put('"');
      return this;
    }

    private Out unicode(char c) {
      int hexCase = !plain && r.nextBoolean() ? 16 : 0;
      put('\\');
      put('u');
      for (int shift = 12; shift >= 0; shift -= 4) {
        put(HEX[hexCase + ((c >> shift) & 0xF)]);
      }
      return this;
    }
  }
}
