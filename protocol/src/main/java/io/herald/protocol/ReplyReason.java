package io.herald.protocol;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The reasons of Herald's own error replies, {@code {"status": "error", "response": {"reason": ...}}}.
 * This is the one list; docs/protocol.md ("Error replies") documents each, and a test keeps the two in
 * step. Handlers may refuse with reasons of their own.
 */
public enum ReplyReason {
  UNMATCHED_TOPIC("unmatched topic"),
  TOO_MANY_CHANNELS("too many channels joined"),
  JOIN_TIMED_OUT("join timed out"),
  JOIN_CRASHED("join crashed"),
  /** Followed by {@code ": <why>"}. */
  MALFORMED_MESSAGE("malformed message"),
  TOPIC_TOO_LONG("topic too long"),
  PAYLOAD_TOO_LARGE("payload too large"),
  UNAUTHORIZED("unauthorized"),
  /** A client push of an event the protocol reserves ({@link ReservedEvents#isReserved}). */
  RESERVED_EVENT("reserved event"),
  RATE_LIMITED("rate limited"),
  /** A presence meta (the built-in handler's {@code meta} join param) that is not a JSON object. */
  INVALID_PRESENCE_META("invalid presence meta"),
  /** A presence meta over {@code herald.presence.max-meta-size}. */
  PRESENCE_META_TOO_LARGE("presence meta too large");

  /** The {@code phx_error} payload of a channel whose handler threw (not a reply). */
  public static final Payload CHANNEL_CRASH = Payload.json("{\"reason\":\"channel_crash\"}");

  private final String text;
  private final Payload response;

  ReplyReason(String text) {
    this.text = text;
    this.response = reason(text);
  }

  /** The reason as the client sees it. */
  public String text() {
    return text;
  }

  /** The reply's response, {@code {"reason": text}}, encoded once. */
  public Payload response() {
    return response;
  }

  /** The reply's response with a detail: {@code {"reason": "text: detail"}}. */
  public Payload response(String detail) {
    return reason(text + ": " + detail);
  }

  /** {@code {"reason": reason}}: the shape of every error response, Herald's and handlers'. */
  public static Payload reason(String reason) {
    return Payload.json("{\"reason\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(reason)) + "\"}");
  }
}
