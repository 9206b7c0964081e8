package io.herald.protocol;

/**
 * The one exception every codec throws for input it cannot decode (or a message it cannot encode).
 * The message is a reason a human can read. When the frame got far enough to name its topic and ref,
 * they are kept, so a server can answer with an error reply instead of closing the socket.
 */
public final class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String joinRef;
  private final String ref;
  private final String topic;

  public ProtocolException(String reason) {
    this(reason, null, null, null, null);
  }

  public ProtocolException(String reason, Throwable cause) {
    this(reason, null, null, null, cause);
  }

  public ProtocolException(String reason, String joinRef, String ref, String topic, Throwable cause) {
    super(reason, cause, false, false);
    this.joinRef = joinRef;
    this.ref = ref;
    this.topic = topic;
  }

  public String reason() {
    return getMessage();
  }

  /** The join_ref of the bad frame, if it was read before the failure. */
  public String joinRef() {
    return joinRef;
  }

  /** The ref of the bad frame, if it was read before the failure. */
  public String ref() {
    return ref;
  }

  /** The topic of the bad frame, if it was read before the failure. */
  public String topic() {
    return topic;
  }

  /** True when the frame named a topic and a ref, so that an error reply can be addressed. */
  public boolean canReply() {
    return topic != null && ref != null;
  }
}
