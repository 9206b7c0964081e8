package io.herald.protocol;

/**
 * A {@code phx_reply}: the answer to the client message whose ref is {@code ref}.
 *
 * <p>On the wire (V2 JSON) it is {@code [join_ref, ref, topic, "phx_reply", {"status":..,"response":..}]};
 * in a binary frame the status travels in its own field and the response is the raw data.
 */
public record Reply(String joinRef, String ref, String topic, String status, Payload response)
    implements ServerFrame {

  public static final String EVENT = "phx_reply";

  public boolean ok() {
    return "ok".equals(status);
  }
}
