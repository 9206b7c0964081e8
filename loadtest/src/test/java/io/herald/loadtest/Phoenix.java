package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.WsFrameCheck;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/**
 * What a phoenix.js client does on the wire (Phoenix Channels V2 JSON), as Gatling steps: connect,
 * join one topic, heartbeat, push, each answered by a {@code phx_reply} that carries the same ref.
 *
 * <p>Every virtual user has one socket and one channel. Its join uses ref "1" (which becomes the
 * channel's join_ref); every later frame takes the next ref from a counter in the session, so a reply
 * is recognised by its ref alone, whatever broadcasts arrive around it.
 */
final class Phoenix {
  /** Request names in the reports and in assertions. */
  static final String CONNECT = "connect";
  static final String JOIN = "join";
  static final String JOIN_REPLY = "join reply";
  static final String HEARTBEAT = "heartbeat";
  static final String HEARTBEAT_REPLY = "heartbeat reply";
  static final String CLOSE = "close";

  static final String JOIN_REF = "1";
  static final String V2_QUERY = "/websocket?vsn=2.0.0";

  /** Session keys. */
  private static final String REF = "phoenix.ref";
  private static final String TOPIC = "phoenix.topic";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Phoenix() {}

  // ---- frames ----

  static String joinFrame(String topic) {
    return frame(JOIN_REF, JOIN_REF, topic, "phx_join", Map.of());
  }

  static String heartbeatFrame(String ref) {
    return frame(null, ref, "phoenix", "heartbeat", Map.of());
  }

  /** A client event on the joined channel. */
  static String pushFrame(String ref, String topic, String event, Map<String, ?> payload) {
    return frame(JOIN_REF, ref, topic, event, payload);
  }

  /** {@code [join_ref, ref, topic, event, payload]}, refs being strings or null. */
  static String frame(String joinRef, String ref, String topic, String event, Map<String, ?> payload) {
    try {
      return JSON.writeValueAsString(Arrays.asList(joinRef, ref, topic, event, payload));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("payload is not JSON-serialisable: " + payload, e);
    }
  }

  /** A JSON object as text, for HTTP bodies. */
  static String json(Map<String, ?> object) {
    try {
      return JSON.writeValueAsString(object);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON-serialisable: " + object, e);
    }
  }

  // ---- session state ----

  /** The ref of the frame this user sent last. */
  static String ref(Session session) {
    return Integer.toString(session.getInt(REF));
  }

  static String topic(Session session) {
    return session.getString(TOPIC);
  }

  /** Takes the next ref; run before building a frame with {@link #ref}. */
  static ChainBuilder nextRef() {
    return exec(session -> session.set(REF, session.getInt(REF) + 1));
  }

  // ---- steps ----

  /**
   * Opens the socket at {@code socketUrl} and joins {@code topic}; a user whose connect or join failed stops here (its
   * failure is already counted), instead of failing every later step too.
   */
  static ChainBuilder connectAndJoin(
      Function<Session, String> socketUrl, Function<Session, String> topic, Duration timeout) {
    return exec(session -> session.set(REF, Integer.parseInt(JOIN_REF)).set(TOPIC, topic.apply(session)))
        .exec(ws(CONNECT).connect(socketUrl))
        .exitHereIfFailed()
        .exec(ws(JOIN).sendText(session -> joinFrame(topic(session))).await(timeout).on(okReply(JOIN_REPLY)))
        .exitHereIfFailed();
  }

  /** A heartbeat and its ok reply, as phoenix.js sends every 30 s. */
  static ChainBuilder heartbeat(Duration timeout) {
    return nextRef()
        .exec(ws(HEARTBEAT).sendText(session -> heartbeatFrame(ref(session))).await(timeout).on(okReply(HEARTBEAT_REPLY)));
  }

  static ChainBuilder close() {
    return exec(ws(CLOSE).close());
  }

  // ---- checks ----

  /**
   * The {@code phx_reply} to the frame with the session's current ref, whatever its status. Every
   * frame that arrives while it waits is first shown to the user's delivery check, if it has one
   * ({@link Deliveries#seeFrame}).
   */
  static WsFrameCheck.Text reply(String name) {
    return ws.checkTextMessage(name)
        .matching(Deliveries.seeFrame(), jsonPath("$[1]").is(Phoenix::ref), jsonPath("$[3]").is("phx_reply"));
  }

  /** The {@code phx_reply} to the frame with the session's current ref, with status ok. */
  static WsFrameCheck.Text okReply(String name) {
    return reply(name).check(jsonPath("$[4].status").is("ok"));
  }

  /** As {@link #okReply(String)}, and saves the status under {@code statusKey} when it is ok. */
  static WsFrameCheck.Text okReply(String name, String statusKey) {
    return reply(name).check(jsonPath("$[4].status").is("ok").saveAs(statusKey));
  }
}
