package io.herald.protocol;

import io.herald.protocol.FrameGenerator.Format;
import io.herald.protocol.FrameGenerator.Frame;
import io.herald.protocol.FrameGenerator.Span;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Damaged and random frames. A mutation starts from a well-formed frame. The first edit may use the
 * frame's layout: it can replace a value, drop or repeat a member, cut at a value's edge, or make a size
 * byte lie. Then come byte edits: flips, truncation, insertions, deletions, repeated and swapped spans,
 * invalid UTF-8, deep nesting and huge numbers.
 */
final class FrameMutations {
  private FrameMutations() {}

  private static final String[] TOKENS = {
      "[", "]", "{", "}", ",", ":", "\"", "\\", "\\\"", "\\u", "\\u00", "\\ud83d", "\\ude00", "\\/", " ", "\t", "\n",
      "null", "true", "false", "0", "-", "1e", "E+", ".", "12345678901234567890", "\"\"", "\"topic\"", "\"event\"",
      "\"payload\"", "\"ref\"", "\"join_ref\"", "\"phx_join\"", "\"phx_reply\"", "\"status\"", "\"response\"",
      "\"ok\"", "é", "€", "😀", "\u2028", "\ufeff", "[[[[", "]]]]", "{\"a\":", "\"room:1\""};

  /** A well-formed frame with one to four edits. */
  static byte[] mutate(Frame frame, Random r) {
    boolean binary = frame.spec().format().binary;
    byte[] b = frame.bytes();
    int edits = 1 + r.nextInt(3);
    if (r.nextInt(3) == 0) {
      b = binary ? lieInBinary(frame, r) : editValue(frame, r);
      edits = r.nextInt(2);
    }
    for (int i = 0; i < edits; i++) {
      b = editBytes(b, r);
    }
    return b;
  }

  /** A random frame: uniform bytes, or, so that decoding gets past the first bytes, plausible ones. */
  static byte[] random(Format f, Random r) {
    int k = r.nextInt(10);
    if (k < 4) {
      byte[] b = new byte[r.nextInt(10) == 0 ? r.nextInt(1025) : r.nextInt(65)];
      r.nextBytes(b);
      return b;
    }
    if (f.binary) {
      return plausibleBinary(r);
    }
    return k < 7 ? tokenSoup(r) : randomShape(f, r);
  }

  // ---- edits that use the layout ----

  private static byte[] editValue(Frame frame, Random r) {
    byte[] b = frame.bytes();
    Span s = frame.spans().get(r.nextInt(frame.spans().size()));
    return switch (r.nextInt(5)) {
      case 0, 1 -> splice(b, s.start(), s.end() - s.start(), oddValue(r));
      case 2 -> splice(b, s.memberStart(), s.end() - s.memberStart(), new byte[0]); // drop it, keep the commas
      case 3 -> splice(b, s.memberStart(), 0,
          FrameGenerator.concat(Arrays.copyOfRange(b, s.memberStart(), s.end()), ascii(","))); // repeat it
      default -> Arrays.copyOf(b, Math.max(0, Math.min(b.length, (r.nextBoolean() ? s.start() : s.end())
          + r.nextInt(3) - 1)));
    };
  }

  /** Values that a decoder has to refuse, or that sit at a limit. */
  private static byte[] oddValue(Random r) {
    int k = r.nextInt(10);
    if ((k == 3 || k == 4) && r.nextInt(4) != 0) {
      k = 9; // deep nesting is costly to parse; a quarter of its share is enough
    }
    return switch (k) {
      case 0 -> ascii(new String[] {"1", "-1.5e3", "true", "false", "null", "\"\"", "[]", "{}", "{\"a\":1}",
          "[\"1\"]", "0", "-0", "1E400"}[r.nextInt(13)]);
      case 1 -> ascii((r.nextBoolean() ? "-" : "") + FrameGenerator.digits(r, 995 + r.nextInt(12)));
      case 2 -> ascii(new String[] {"1e99999999999", "-1e-99999999999", "0." + "0".repeat(999) + "1",
          FrameGenerator.digits(r, 500) + "." + FrameGenerator.digits(r, 499 + r.nextInt(3))}[r.nextInt(4)]);
      case 3 -> FrameGenerator.nest(r, 995 + r.nextInt(10), true);
      case 4 -> FrameGenerator.nest(r, r.nextBoolean() ? 1 + r.nextInt(2000) : 5000, false);
      case 5 -> ascii(new String[] {"nul", "tru", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
          "\"\\udc00\\ud800\"", "'a'", "NaN", "Infinity", "01", "1.", ".5", "-", "+1", "0x10", "\"a\u0001b\"",
          "\"\u007f\""}[r.nextInt(18)]);
      case 6 -> FrameGenerator.concat(FrameGenerator.concat(ascii("\""),
          FrameGenerator.INVALID_UTF8[r.nextInt(FrameGenerator.INVALID_UTF8.length)]), ascii("\""));
      case 7 -> {
        FrameGenerator.Out o = new FrameGenerator.Out(r, false);
        yield o.string(FrameGenerator.text(r, 300, true)).bytes();
      }
      default -> FrameGenerator.jsonValue(r, 4);
    };
  }

  private static byte[] lieInBinary(Frame frame, Random r) {
    byte[] b = frame.bytes().clone();
    switch (r.nextInt(4)) {
      case 0, 1 -> { // a size byte that lies
        int i = 1 + r.nextInt(4);
        int now = b[i] & 0xFF;
        int v = switch (r.nextInt(6)) {
          case 0 -> 0;
          case 1 -> 255;
          case 2 -> now + 1;
          case 3 -> now - 1;
          case 4 -> b.length - 5; // everything after the header
          default -> r.nextInt(256);
        };
        b[i] = (byte) Math.max(0, Math.min(255, v));
      }
      case 2 -> b[0] = (byte) new int[] {1, 2, 3, '[', '{', 255, r.nextInt(256)}[r.nextInt(7)];
      default -> { // invalid UTF-8 over a field's bytes, sizes unchanged
        Span s = frame.spans().get(r.nextInt(4));
        if (s.end() > s.start()) {
          byte[] bad = FrameGenerator.INVALID_UTF8[r.nextInt(FrameGenerator.INVALID_UTF8.length)];
          int at = s.start() + r.nextInt(s.end() - s.start());
          System.arraycopy(bad, 0, b, at, Math.min(bad.length, b.length - at));
        }
      }
    }
    return b;
  }

  // ---- byte edits ----

  private static byte[] editBytes(byte[] b, Random r) {
    int n = b.length;
    switch (r.nextInt(13)) {
      case 0 -> { // flip a bit
        if (n > 0) {
          b = b.clone();
          b[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> { // set a byte
        if (n > 0) {
          b = b.clone();
          b[r.nextInt(n)] = (byte) r.nextInt(256);
        }
      }
      case 2 -> b = Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n)); // truncate
      case 3 -> { // insert random bytes
        byte[] ins = new byte[1 + r.nextInt(4)];
        r.nextBytes(ins);
        b = splice(b, r.nextInt(n + 1), 0, ins);
      }
      case 4 -> b = splice(b, r.nextInt(n + 1), 0, TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
      case 5 -> { // delete a span
        if (n > 0) {
          int at = r.nextInt(n);
          b = splice(b, at, 1 + r.nextInt(Math.min(8, n - at)), new byte[0]);
        }
      }
      case 6 -> { // repeat a span
        if (n > 0) {
          int at = r.nextInt(n);
          int len = 1 + r.nextInt(Math.min(16, n - at));
          b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
        }
      }
      case 7 -> { // swap two bytes
        if (n > 1) {
          b = b.clone();
          int i = r.nextInt(n);
          int j = r.nextInt(n);
          byte t = b[i];
          b[i] = b[j];
          b[j] = t;
        }
      }
      case 8 -> { // swap two adjacent spans
        if (n > 2) {
          int at = r.nextInt(n - 1);
          int mid = at + 1 + r.nextInt(Math.min(8, n - at - 1));
          int end = mid + r.nextInt(Math.min(8, n - mid) + 1);
          byte[] swapped = FrameGenerator.concat(Arrays.copyOfRange(b, mid, end), Arrays.copyOfRange(b, at, mid));
          b = splice(b, at, end - at, swapped);
        }
      }
      case 9 -> b = splice(b, r.nextInt(n + 1), 0,
          FrameGenerator.INVALID_UTF8[r.nextInt(FrameGenerator.INVALID_UTF8.length)]);
      case 10 -> b = splice(b, r.nextInt(n + 1), 0,
          FrameGenerator.nest(r, 1 + r.nextInt(r.nextInt(8) == 0 ? 1200 : 40), r.nextBoolean()));
      case 11 -> b = splice(b, r.nextInt(n + 1), 0, ascii(FrameGenerator.digits(r, 1 + r.nextInt(1100))));
      default -> { // a byte that means something to a parser
        if (n > 0) {
          b = b.clone();
          b[r.nextInt(n)] = (byte) "\"\\,]}[{: \0\u007f".charAt(r.nextInt(11));
        }
      }
    }
    return b;
  }

  // ---- random frames ----

  private static byte[] tokenSoup(Random r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0, n = r.nextInt(30); i < n; i++) {
      sb.append(TOKENS[r.nextInt(TOKENS.length)]);
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Random values in the frame's outer shape. Fields are often of the right type, so that some frames
   * decode and the reference decoder gets to compare fields.
   */
  private static byte[] randomShape(Format f, Random r) {
    FrameGenerator.Out o = new FrameGenerator.Out(r, r.nextBoolean());
    if (f == Format.V2_TEXT) {
      o.raw('[');
      for (int i = 0, n = r.nextBoolean() ? 5 : r.nextInt(8); i < n; i++) {
        if (i > 0) {
          o.raw(',');
        }
        o.raw(randomValue(r, i == 2 || i == 3));
      }
      return o.raw(']').bytes();
    }
    List<String> keys = new ArrayList<>(List.of("topic", "event", "payload", "ref"));
    for (int i = 0, n = r.nextInt(3); i < n; i++) {
      keys.add(r.nextBoolean() ? "join_ref" : "x");
    }
    Collections.shuffle(keys, r);
    o.raw('{');
    boolean first = true;
    for (String key : keys) {
      if (r.nextInt(8) == 0) {
        continue;
      }
      if (!first) {
        o.raw(',');
      }
      first = false;
      o.string(key).raw(':').raw(randomValue(r, key.equals("topic") || key.equals("event")));
    }
    return o.raw('}').bytes();
  }

  private static byte[] randomValue(Random r, boolean name) {
    if (name && r.nextBoolean()) {
      return new FrameGenerator.Out(r, false).string(FrameGenerator.nonEmpty(FrameGenerator.text(r, 6, true))).bytes();
    }
    return switch (r.nextInt(6)) {
      case 0 -> new FrameGenerator.Out(r, false).string(FrameGenerator.text(r, 6, true)).bytes();
      case 1 -> ascii(FrameGenerator.integerLiteral(r));
      case 2 -> ascii("null");
      case 3 -> ascii("\"\"");
      default -> FrameGenerator.jsonValue(r, 2);
    };
  }

  /** A kind byte that is usually a push and sizes that roughly fit what follows. */
  private static byte[] plausibleBinary(Random r) {
    int[] sizes = new int[4];
    int total = 0;
    for (int i = 0; i < 4; i++) {
      sizes[i] = r.nextInt(8) == 0 ? r.nextInt(256) : r.nextInt(6);
      total += sizes[i];
    }
    byte[] b = new byte[Math.max(0, 5 + total + r.nextInt(8) - 4)];
    for (int i = 5; i < b.length; i++) {
      b[i] = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : (byte) ('a' + r.nextInt(26));
    }
    if (b.length > 0) {
      b[0] = (byte) (r.nextInt(4) == 0 ? r.nextInt(4) : 0);
    }
    for (int i = 1; i < Math.min(5, b.length); i++) {
      b[i] = (byte) sizes[i - 1];
    }
    return b;
  }

  static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
