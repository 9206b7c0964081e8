package io.herald.protocol;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Small helpers shared by the codec tests. */
final class TestFrames {
  private TestFrames() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(EncodedFrame frame) {
    return new String(frame.bytes(), StandardCharsets.UTF_8);
  }

  static Payload.Json json(String s) {
    return Payload.json(s);
  }

  static Payload.Binary bin(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return Payload.binary(b);
  }

  /** Concatenates parts: an Integer is one byte, a String its UTF-8 bytes, a byte[] itself. */
  static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof Integer i) {
        out.write(i);
      } else if (part instanceof String s) {
        out.writeBytes(utf8(s));
      } else if (part instanceof byte[] b) {
        out.writeBytes(b);
      } else {
        throw new IllegalArgumentException(String.valueOf(part));
      }
    }
    return out.toByteArray();
  }

  /** Runs {@code action}, which must throw a {@link ProtocolException}, and returns it. */
  static ProtocolException protocolError(Runnable action) {
    try {
      action.run();
    } catch (ProtocolException e) {
      return e;
    } catch (Throwable t) {
      throw new AssertionError("expected a ProtocolException, got " + t, t);
    }
    return fail("expected a ProtocolException, but nothing was thrown");
  }

  static ProtocolException decodeError(Serializer s, String frame) {
    return protocolError(() -> s.decode(false, utf8(frame)));
  }

  static ProtocolException decodeError(Serializer s, boolean binary, byte[] frame) {
    return protocolError(() -> s.decode(binary, frame));
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xFF));
    }
    return sb.toString();
  }
}
