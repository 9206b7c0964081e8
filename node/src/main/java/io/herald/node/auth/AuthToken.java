package io.herald.node.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Where a connect carries its token. */
public final class AuthToken {
  /** phoenix.js's {@code AUTH_TOKEN_PREFIX}: its {@code authToken} option travels as this sub-protocol. */
  public static final String SUB_PROTOCOL_PREFIX = "base64url.bearer.phx.";

  private AuthToken() {}

  /**
   * The token from a connect: the connect param named {@code tokenParam} when present and non-empty, else
   * phoenix.js's sub-protocol {@code base64url.bearer.phx.<base64 of the token, no padding>} from the
   * {@code Sec-WebSocket-Protocol} header value (a comma-separated list; several header lines must be
   * joined with commas by the caller). phoenix.js encodes with {@code btoa} (standard alphabet, padding
   * stripped); the URL-safe alphabet and padding are accepted too.
   *
   * <p>Returns null when neither is present, and also when the sub-protocol's text is not base64 or
   * decodes to nothing: such a client sent no usable token, and the verifier then answers
   * "missing token" (choosing "malformed token" would mean passing undecoded bytes on as if they were a
   * token).
   *
   * <p>The edge must still answer the upgrade with a sub-protocol the client offered (phoenix.js offers
   * {@code phoenix} first), or browsers fail the connection.
   */
  public static String from(Map<String, String> connectParams, String tokenParam, String secWebSocketProtocolHeader) {
    if (connectParams != null && tokenParam != null && !tokenParam.isEmpty()) {
      String param = connectParams.get(tokenParam);
      if (param != null && !param.isEmpty()) {
        return param;
      }
    }
    if (secWebSocketProtocolHeader == null) {
      return null;
    }
    for (String protocol : secWebSocketProtocolHeader.split(",")) {
      String p = protocol.strip();
      if (p.startsWith(SUB_PROTOCOL_PREFIX)) {
        return decode(p.substring(SUB_PROTOCOL_PREFIX.length()));
      }
    }
    return null;
  }

  private static String decode(String encoded) {
    try {
      // one decoder for both alphabets; the JDK decoder accepts missing padding
      byte[] bytes = Base64.getDecoder().decode(encoded.replace('-', '+').replace('_', '/'));
      // btoa encodes a "binary string" (one char per byte), so Latin-1 is its exact inverse
      return bytes.length == 0 ? null : new String(bytes, StandardCharsets.ISO_8859_1);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }
}
