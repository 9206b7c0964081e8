package io.herald.node.transport;

/**
 * WebSocket close codes Herald sends. Listed once here and in docs/protocol.md. phoenix.js reconnects
 * after any close the client did not ask for whose code is not 1000.
 */
public final class CloseCodes {
  /** Idle timeout: nothing received for herald.socket.idle-timeout. */
  public static final int GOING_AWAY = 1001;
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
  /** The client did not read fast enough: its outbound queue passed the high water mark. */
  public static final int SLOW_CONSUMER = 3008;

  private CloseCodes() {}
}
