package io.herald.protocol;

/** Bytes ready for one WebSocket frame: a text frame (UTF-8 JSON) or a binary frame. */
public record EncodedFrame(boolean binary, byte[] bytes) {}
