package io.herald.protocol;

/**
 * A Phoenix Channels wire format, in both directions (as Phoenix's serializer modules).
 *
 * <p>Server side: {@link #decode} client frames, {@link #encodeReply}, {@link #encodePush},
 * {@link #encodeBroadcast}. Client side: {@link #encodeClientMessage}, {@link #decodeServerFrame}.
 * Every decoding failure throws {@link ProtocolException}; nothing else escapes.
 * Implementations are stateless and thread-safe.
 */
public interface Serializer {

  /** The protocol version this serializer speaks, for example "2.0.0". */
  String vsn();

  /** Whether the format can carry {@link Payload.Binary} (V2 only). */
  boolean supportsBinary();

  /**
   * Decodes a client-to-server frame. {@code binary} is the WebSocket opcode, which picks the layout.
   *
   * @throws ProtocolException for any frame that is not a valid message; it names the frame's topic and
   *     refs when they were read before the failure
   */
  Message decode(boolean binary, byte[] frame);

  /** Encodes a reply to a client message. */
  EncodedFrame encodeReply(Reply reply);

  /** Encodes a server push on one channel: {@code [join_ref, null, topic, event, payload]}. */
  default EncodedFrame encodePush(String joinRef, String topic, String event, Payload payload) {
    return encodePush(joinRef, null, topic, event, payload);
  }

  /**
   * Encodes a server push on one channel with a {@code ref}: {@code [join_ref, ref, topic, event,
   * payload]} (Herald puts a history topic's seq there). Binary frames have no ref for a push: dropped.
   */
  EncodedFrame encodePush(String joinRef, String ref, String topic, String event, Payload payload);

  /** Encodes a broadcast as Phoenix's fastlane sends it: {@code [null, null, topic, event, payload]}. */
  default EncodedFrame encodeBroadcast(String topic, String event, Payload payload) {
    return encodeBroadcast(null, topic, event, payload);
  }

  /**
   * Encodes a broadcast with a {@code ref}: {@code [null, ref, topic, event, payload]} (Herald puts a
   * history topic's seq there; null for Phoenix's own form). Binary frames have no ref for a
   * broadcast: dropped.
   */
  EncodedFrame encodeBroadcast(String ref, String topic, String event, Payload payload);

  /** Client side: encodes a client-to-server message. */
  EncodedFrame encodeClientMessage(Message message);

  /**
   * Client side: decodes a server-to-client frame into a {@link Reply} (event {@code phx_reply}, or a
   * binary reply frame) or a {@link Message}.
   */
  ServerFrame decodeServerFrame(boolean binary, byte[] frame);
}
