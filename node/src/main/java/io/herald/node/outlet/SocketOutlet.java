package io.herald.node.outlet;

import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Serializer;

/**
 * Where one socket's frames go: what the socket's actor and the node fan-out may do to a client
 * connection, without knowing the transport. The transport implements it; every method may be called
 * from any thread.
 */
public interface SocketOutlet {

  /** The socket's wire format, chosen at connect ({@code vsn}). */
  Serializer serializer();

  /** Writes one frame (a reply, a push, a lifecycle event). Frames to a socket being closed are dropped. */
  void send(EncodedFrame frame);

  /** Starts the closing handshake with {@code reason}'s code and text; the socket stops once it is closed. */
  void close(CloseReason reason);

  /** The peer, for logs. */
  String peer();
}
