package io.herald.client;

/** The life cycle of a {@link Channel}, as phoenix.js's {@code CHANNEL_STATES}. */
public enum ChannelState {
  /** Not joined yet, or left, or closed by the server ({@code phx_close}). A closed channel never rejoins. */
  CLOSED,
  /** A {@code phx_join} is in flight, or waits for the socket to open. */
  JOINING,
  /** The server accepted the join. */
  JOINED,
  /** {@code phx_leave} sent; becomes {@link #CLOSED} on its reply, its timeout or a disconnect. */
  LEAVING,
  /** The join was refused or timed out, the server crashed the channel, or the connection dropped: rejoins. */
  ERRORED
}
