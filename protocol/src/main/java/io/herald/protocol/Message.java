package io.herald.protocol;

/**
 * One Phoenix Channels message, {@code [join_ref, ref, topic, event, payload]}.
 *
 * <p>{@code joinRef} and {@code ref} may be null (broadcasts carry neither, pushes carry no ref).
 * The payload stays in its encoded form so that a server can forward it without parsing it again.
 */
public record Message(String joinRef, String ref, String topic, String event, Payload payload)
    implements ServerFrame {}
