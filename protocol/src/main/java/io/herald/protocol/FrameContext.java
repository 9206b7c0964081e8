package io.herald.protocol;

/**
 * What a decoder has learned about a frame so far. A failure is reported with these fields so that a
 * server can still address an error reply to the frame's topic and ref.
 */
final class FrameContext {
  String joinRef;
  String ref;
  String topic;

  ProtocolException fail(String reason) {
    return new ProtocolException(reason, joinRef, ref, topic, null);
  }

  ProtocolException fail(String reason, Throwable cause) {
    return new ProtocolException(reason, joinRef, ref, topic, cause);
  }
}
