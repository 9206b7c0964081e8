package io.herald.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Every WebSocket close Herald makes: the code and its reason text. This is the one list;
 * docs/protocol.md ("Close codes") documents each, and a test keeps the two in step. phoenix.js
 * reconnects after any close the client did not ask for whose code is not 1000.
 */
public enum CloseReason {
  /** Disconnected by socket id without reconnect (POST /api/sockets/{id}/disconnect): phoenix.js stays away. */
  DISCONNECTED(1000, "disconnected"),
  /** Nothing received for herald.socket.idle-timeout. */
  IDLE_TIMEOUT(1001, "idle timeout"),
  /** Disconnected by socket id with reconnect, as Phoenix's id-disconnect since 1.8.8. */
  DISCONNECTED_RECONNECT(1001, "disconnected"),
  /** A WebSocket framing violation; followed by {@code ": <why>"}; closed at once. */
  PROTOCOL_ERROR(1002, "protocol error"),
  /** A frame that cannot be decoded nor answered with an error reply; followed by {@code ": <why>"}. */
  MALFORMED_MESSAGE(1007, "malformed message"),
  /** More than herald.socket.max-held-frames frames while a join was pending. */
  TOO_MANY_FRAMES_WHILE_JOINING(1008, "too many frames while joining"),
  /** More than herald.socket.rate-limit.max-rejected frames in a row over the rate limit. */
  RATE_LIMIT_EXCEEDED(1008, "rate limit exceeded"),
  /** A message over herald.http.max-frame-size. */
  MESSAGE_TOO_BIG(1009, "message too big"),
  /** The node is shutting down (as Phoenix's drainer). */
  SERVER_SHUTTING_DOWN(1012, "server shutting down"),
  /** The socket's token expired; the client reconnects with a fresh one (Centrifugo's code). */
  TOKEN_EXPIRED(3005, "token expired"),
  /** The socket's unsent bytes passed herald.socket.outbound-high-water-mark. */
  SLOW_CONSUMER(3008, "slow consumer");

  /** A close reason must fit a control frame: 125 bytes minus the 2-byte code. */
  public static final int MAX_REASON_BYTES = 123;

  private final int code;
  private final String text;

  CloseReason(int code, String text) {
    this.code = code;
    this.text = text;
  }

  public int code() {
    return code;
  }

  public String text() {
    return text;
  }

  /** {@code "text: detail"}, cut to what a close frame carries, on a UTF-8 character boundary. */
  public String text(String detail) {
    String full = text + ": " + detail;
    byte[] utf8 = full.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_REASON_BYTES) {
      return full;
    }
    int end = MAX_REASON_BYTES;
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
  }
}
