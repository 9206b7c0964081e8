package io.herald.node.channel;

/** Why a joined channel ends, as {@link ChannelHandler#terminate} is told. */
public enum LeaveReason {
  /** The client sent {@code phx_leave}. */
  LEFT,
  /** The client joined the same topic again on the same socket; the new join replaces this one. */
  DUPLICATE_JOIN,
  /** The socket closed: the client went away, or the server closed it for a protocol or limit reason. */
  SOCKET_CLOSED,
  /** The node is shutting down and closed the socket while draining. */
  NODE_DRAINING,
  /** The socket was disconnected by its socket id (HTTP API). */
  KICKED,
  /** The socket's token expired and the server closed it. */
  TOKEN_EXPIRED,
  /** The topic's owner did not acknowledge the join in time; the client got an error reply. */
  JOIN_TIMED_OUT,
  /** A callback of the handler threw; the client got {@code phx_error}. */
  CRASHED
}
