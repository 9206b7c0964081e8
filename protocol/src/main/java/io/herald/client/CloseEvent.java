package io.herald.client;

/**
 * A connection that had opened was closed.
 *
 * @param code the WebSocket close code (1006 when the connection broke without a close frame)
 * @param reason the close reason, or a description of the failure
 * @param reconnecting whether the socket scheduled a reconnect
 */
public record CloseEvent(int code, String reason, boolean reconnecting) {}
