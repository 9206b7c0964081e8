package io.herald.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A message payload in its encoded form: either one JSON value (UTF-8 bytes, exactly as received) or
 * opaque binary data (a binary frame). Holding bytes lets the server forward a payload it never parsed.
 *
 * <p>The arrays are owned by the payload once constructed: callers must not change them afterwards.
 */
public sealed interface Payload permits Payload.Json, Payload.Binary {

  Json EMPTY_OBJECT = new Json("{}".getBytes(StandardCharsets.UTF_8));

  /** The encoded bytes: JSON text for {@link Json}, the data for {@link Binary}. */
  byte[] bytes();

  static Json json(String encodedJson) {
    return new Json(encodedJson.getBytes(StandardCharsets.UTF_8));
  }

  static Binary binary(byte[] data) {
    return new Binary(data);
  }

  /**
   * One encoded JSON value (normally an object), as UTF-8. Decoders fill it with the exact bytes of the
   * value as the peer sent them; encoders copy it into frames verbatim, without parsing or validating
   * it, so it must hold exactly one well-formed JSON value.
   */
  record Json(byte[] bytes) implements Payload {
    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Whether the text holds {@code quotedName} (a field name with its quotes, as ASCII bytes) anywhere:
     * a cheap test that spares parsing payloads that cannot have the field.
     */
    public boolean mentions(byte[] quotedName) {
      outer:
      for (int i = 0; i + quotedName.length <= bytes.length; i++) {
        for (int j = 0; j < quotedName.length; j++) {
          if (bytes[i + j] != quotedName[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Json other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    /** The JSON text itself, so that printing a received payload shows what was sent. */
    @Override
    public String toString() {
      return text();
    }
  }

  /** Opaque binary data, sent in a V2 binary frame. */
  record Binary(byte[] bytes) implements Payload {
    @Override
    public boolean equals(Object o) {
      return o instanceof Binary other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Binary[" + bytes.length + " bytes]";
    }
  }
}
