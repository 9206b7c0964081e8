package io.herald.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Writes a JSON frame into a byte array of exactly the size computed beforehand, so that encoding a
 * broadcast costs one allocation and one copy of the payload. Callers add up {@link #sizeOf} and the
 * lengths of the raw parts; {@link #finish} checks that the sum was right.
 *
 * <p>Strings are escaped as {@code JSON.stringify} does: {@code "} and {@code \} and control characters
 * are escaped, other characters are written as UTF-8, and a lone surrogate (which UTF-8 cannot carry)
 * becomes a {@code \\uXXXX} escape.
 */
final class JsonOut {
  static final byte[] NULL = ascii("null");
  private static final byte[] HEX = ascii("0123456789abcdef");

  private final byte[] buf;
  private int pos;

  JsonOut(int size) {
    buf = new byte[size];
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The encoded size of {@code s} as a JSON string with its quotes, or of {@code null}. */
  static int sizeOf(String s) {
    if (s == null) {
      return NULL.length;
    }
    int size = 2;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        size += c >= 0x20 && c != '"' && c != '\\' ? 1 : escapedAsciiSize(c);
      } else if (c < 0x800) {
        size += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        size += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        size += 6;
      } else {
        size += 3;
      }
    }
    return size;
  }

  private static int escapedAsciiSize(char c) {
    return switch (c) {
      case '"', '\\', '\n', '\r', '\t', '\b', '\f' -> 2;
      default -> 6;
    };
  }

  JsonOut raw(byte[] bytes) {
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
    return this;
  }

  JsonOut raw(char asciiChar) {
    buf[pos++] = (byte) asciiChar;
    return this;
  }

  /** Writes {@code s} as a quoted JSON string, or {@code null}. */
  JsonOut string(String s) {
    if (s == null) {
      return raw(NULL);
    }
    byte[] b = buf;
    int p = pos;
    b[p++] = '"';
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          b[p++] = (byte) c;
        } else {
          p = escapeAscii(b, p, c);
        }
      } else if (c < 0x800) {
        b[p++] = (byte) (0xC0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[p++] = (byte) (0xF0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        p = unicodeEscape(b, p, c);
      } else {
        b[p++] = (byte) (0xE0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[p++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    b[p++] = '"';
    pos = p;
    return this;
  }

  private static int escapeAscii(byte[] b, int p, char c) {
    char short_ = switch (c) {
      case '"' -> '"';
      case '\\' -> '\\';
      case '\n' -> 'n';
      case '\r' -> 'r';
      case '\t' -> 't';
      case '\b' -> 'b';
      case '\f' -> 'f';
      default -> 0;
    };
    if (short_ == 0) {
      return unicodeEscape(b, p, c);
    }
    b[p++] = '\\';
    b[p++] = (byte) short_;
    return p;
  }

  private static int unicodeEscape(byte[] b, int p, char c) {
    b[p++] = '\\';
    b[p++] = 'u';
    b[p++] = HEX[(c >> 12) & 0xF];
    b[p++] = HEX[(c >> 8) & 0xF];
    b[p++] = HEX[(c >> 4) & 0xF];
    b[p++] = HEX[c & 0xF];
    return p;
  }

  byte[] finish() {
    if (pos != buf.length) {
      // A size computation out of step with the writer: a bug here, not bad input.
      throw new IllegalStateException("JSON frame size mismatch: wrote " + pos + " of " + buf.length + " bytes");
    }
    return buf;
  }
}
