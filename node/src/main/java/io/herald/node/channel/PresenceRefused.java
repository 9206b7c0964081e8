package io.herald.node.channel;

/**
 * A presence call refused: a meta that is not a JSON object or is too large, a key already tracked on
 * this channel (or not tracked, for update), or a socket without the {@code presence} permission.
 * Nothing was stored. {@link #reason()} is what an error reply may tell the client.
 */
public final class PresenceRefused extends RuntimeException {
  private final String reason;

  public PresenceRefused(String reason) {
    super(reason);
    this.reason = reason;
  }

  /** Short, client-safe text, e.g. {@code "presence meta too large"}. */
  public String reason() {
    return reason;
  }
}
