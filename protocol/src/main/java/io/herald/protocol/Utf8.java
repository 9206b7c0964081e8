package io.herald.protocol;

import java.nio.charset.StandardCharsets;

/** Strict UTF-8 checks: Java's decoders replace bad input silently, and a text frame must never carry it. */
final class Utf8 {
  private Utf8() {}

  /**
   * Index of the first byte in {@code [from, to)} that is not part of well-formed UTF-8 (RFC 3629: no
   * overlong forms, no surrogates, nothing above U+10FFFF), or -1 if the range is well formed.
   */
  static int firstInvalid(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      int c = b[i];
      if (c >= 0) {
        i++;
        continue;
      }
      c &= 0xFF;
      if (c < 0xC2) {
        return i; // a stray continuation byte, or an overlong two-byte lead
      } else if (c < 0xE0) {
        if (i + 1 >= to || !cont(b[i + 1])) {
          return i;
        }
        i += 2;
      } else if (c < 0xF0) {
        if (i + 2 >= to) {
          return i;
        }
        int c1 = b[i + 1] & 0xFF;
        int lo = c == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
        int hi = c == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
        if (c1 < lo || c1 > hi || !cont(b[i + 2])) {
          return i;
        }
        i += 3;
      } else if (c < 0xF5) {
        if (i + 3 >= to) {
          return i;
        }
        int c1 = b[i + 1] & 0xFF;
        int lo = c == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        int hi = c == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
        if (c1 < lo || c1 > hi || !cont(b[i + 2]) || !cont(b[i + 3])) {
          return i;
        }
        i += 4;
      } else {
        return i;
      }
    }
    return -1;
  }

  private static boolean cont(byte b) {
    return (b & 0xC0) == 0x80;
  }

  /** Decodes {@code [from, from+len)}, or returns null if it is not well-formed UTF-8. */
  static String decode(byte[] b, int from, int len) {
    if (firstInvalid(b, from, from + len) >= 0) {
      return null;
    }
    return new String(b, from, len, StandardCharsets.UTF_8);
  }

  /** Encodes {@code s}, or returns null if it holds a lone surrogate (which UTF-8 cannot carry). */
  static byte[] encode(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return null;
      }
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
