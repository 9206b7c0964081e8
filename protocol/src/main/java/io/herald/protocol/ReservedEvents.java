package io.herald.protocol;

/**
 * The event and topic names the Phoenix protocol reserves for itself. A client push or an API
 * broadcast must not use them: phoenix.js acts on them (a {@code phx_close} closes the channel for
 * good, a {@code phx_error} makes it rejoin).
 */
public final class ReservedEvents {
  /** The socket's own topic, for heartbeats. */
  public static final String PHOENIX_TOPIC = "phoenix";

  public static final String HEARTBEAT = "heartbeat";
  public static final String JOIN = "phx_join";
  public static final String LEAVE = "phx_leave";
  public static final String CLOSE = "phx_close";
  public static final String ERROR = "phx_error";
  public static final String REPLY = Reply.EVENT;

  /** The prefix Phoenix reserves: every event that starts with it belongs to the protocol. */
  public static final String PREFIX = "phx_";

  /** Phoenix Presence's events, which phoenix.js's {@code Presence} applies to its state. */
  public static final String PRESENCE_STATE = "presence_state";

  public static final String PRESENCE_DIFF = "presence_diff";

  private ReservedEvents() {}

  /**
   * Whether {@code event} is the protocol's, not an application's: every {@code phx_} event and
   * Presence's two. Clients may not push them and the API may not broadcast them, or every member's
   * phoenix.js would act on a forgery (close the channel, rejoin, show someone online).
   */
  public static boolean isReserved(String event) {
    return event.startsWith(PREFIX) || PRESENCE_STATE.equals(event) || PRESENCE_DIFF.equals(event);
  }
}
