package io.herald.protocol;

/** What a client decodes from a server frame: a reply to one of its pushes, or any other message. */
public sealed interface ServerFrame permits Message, Reply {}
