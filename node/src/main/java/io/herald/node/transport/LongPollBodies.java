package io.herald.node.transport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The bodies of Phoenix's long-poll transport, both ways. Requests: a POST of
 * {@code application/x-ndjson} carries one frame per line, a text frame as its JSON, a binary one in
 * base64 (another content type: the whole body is one text frame, as Phoenix reads it). Answers: JSON
 * whose {@code status} field is what phoenix.js acts on ({@code {"status":200,"token":..,"messages":[..]}},
 * where each message is a frame's JSON text as a JSON string). Plain functions.
 */
final class LongPollBodies {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private LongPollBodies() {}

  /** The POST status phoenix.js expects for a post's result. */
  static int status(LongPollSession.PostResult result) {
    return result == LongPollSession.PostResult.ACCEPTED ? 200 : LongPollSession.Status.GONE.code;
  }

  /**
   * The lines of an ndjson body, empty lines skipped (a trailing newline, {@code \r\n} line ends).
   * Returns null when there are more than {@code maxLines}.
   */
  static List<String> splitLines(String body, int maxLines) {
    List<String> lines = new ArrayList<>();
    int start = 0;
    int n = body.length();
    while (start <= n) {
      int end = body.indexOf('\n', start);
      if (end < 0) {
        end = n;
      }
      int stop = end > start && body.charAt(end - 1) == '\r' ? end - 1 : end;
      if (stop > start) {
        if (lines.size() == maxLines) {
          return null;
        }
        lines.add(body.substring(start, stop));
      }
      start = end + 1;
    }
    return lines;
  }

  /**
   * Lines as frames: a line that starts with {@code [} (V2) or <code>{</code> (V1) is a text frame,
   * anything else base64 of a binary frame. A line that is not base64 becomes an empty binary frame,
   * which the serializer refuses as malformed (the session is then closed with 1007, as a WebSocket).
   */
  static List<LongPollSession.Line> lines(List<String> lines) {
    List<LongPollSession.Line> frames = new ArrayList<>(lines.size());
    for (String line : lines) {
      char first = line.isEmpty() ? 0 : line.charAt(0);
      if (first == '[' || first == '{') {
        frames.add(new LongPollSession.Line(false, line.getBytes(StandardCharsets.UTF_8)));
      } else {
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(line.strip());
        } catch (IllegalArgumentException notBase64) {
          bytes = new byte[0];
        }
        frames.add(new LongPollSession.Line(true, bytes));
      }
    }
    return frames;
  }

  /** {@code {"status":S}}. */
  static byte[] status(int status) {
    return ("{\"status\":" + status + "}").getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code {"status":S,"reason":"..."}}: a refusal phoenix.js reads the status of and logs the rest. */
  static byte[] refusal(int status, String reason) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ascii(out, "{\"status\":" + status + ",\"reason\":");
    string(out, reason.getBytes(StandardCharsets.UTF_8));
    out.write('}');
    return out.toByteArray();
  }

  /** {@code {"status":S,"token":"T","messages":["...",...]}}; each message a frame's JSON text. */
  static byte[] poll(int status, String token, List<byte[]> messages) {
    int size = token.length(); // a first guess at the capacity (the stream grows past it): escapes are rare
    for (byte[] m : messages) {
      size += m.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    ascii(out, "{\"status\":" + status + ",\"token\":");
    string(out, token.getBytes(StandardCharsets.US_ASCII));
    ascii(out, ",\"messages\":[");
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      string(out, messages.get(i));
    }
    ascii(out, "]}");
    return out.toByteArray();
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * {@code utf8} as a JSON string. Byte by byte: UTF-8 never uses bytes below 0x80 inside a multi-byte
   * character, so escaping the quote, the backslash and control bytes keeps the rest valid as it is.
   */
  static void string(ByteArrayOutputStream out, byte[] utf8) {
    out.write('"');
    int from = 0;
    for (int i = 0; i < utf8.length; i++) {
      int b = utf8[i] & 0xFF;
      if (b >= 0x20 && b != '"' && b != '\\') {
        continue;
      }
      out.write(utf8, from, i - from);
      from = i + 1;
      out.write('\\');
      switch (b) {
        case '"' -> out.write('"');
        case '\\' -> out.write('\\');
        case '\n' -> out.write('n');
        case '\r' -> out.write('r');
        case '\t' -> out.write('t');
        default -> {
          out.write('u');
          out.write('0');
          out.write('0');
          out.write(HEX[b >> 4]);
          out.write(HEX[b & 0xF]);
        }
      }
    }
    out.write(utf8, from, utf8.length - from);
    out.write('"');
  }
}
