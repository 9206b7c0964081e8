package io.herald.node.transport;

/**
 * WebSocket close codes Herald sends. Listed once here and in docs/protocol.md. phoenix.js reconnects
 * after any close the client did not ask for whose code is not 1000.
 */
public final class CloseCodes {
  /** Disconnected by socket id without reconnect (POST /api/sockets/{id}/disconnect): phoenix.js stays away. */
  public static final int NORMAL = 1000;
  /**
   * Idle timeout (nothing received for herald.socket.idle-timeout), or disconnected by socket id with
   * reconnect, as Phoenix's id-disconnect since 1.8.8.
   */
  public static final int GOING_AWAY = 1001;
  /**
   * A WebSocket framing violation found by the frame decoder (an unmasked or reserved frame, a bad
   * control frame, a continuation out of place); the connection is closed at once.
   */
  public static final int PROTOCOL_ERROR = 1002;
  /** A frame that cannot be decoded and cannot be answered with an error reply. */
  public static final int INVALID_PAYLOAD = 1007;
  /** The client broke a rule of the protocol's limits (for example frames flooding a pending join). */
  public static final int POLICY_VIOLATION = 1008;
  /** A message over herald.http.max-frame-size (sent by Netty's frame decoder). */
  public static final int MESSAGE_TOO_BIG = 1009;
  /** An unexpected server failure on this socket. */
  public static final int INTERNAL_ERROR = 1011;
  /** The node is shutting down (as Phoenix's drainer). */
  public static final int SERVICE_RESTART = 1012;
  /** The socket's token expired (herald.auth.close-on-expiry); the client reconnects with a fresh one (Centrifugo's code). */
  public static final int TOKEN_EXPIRED = 3005;
  /** The client did not read fast enough: its outbound queue passed the high water mark. */
  public static final int SLOW_CONSUMER = 3008;

  private CloseCodes() {}
}
