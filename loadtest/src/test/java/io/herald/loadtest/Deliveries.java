package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks every delivery of a simulation's broadcasts, not a sample.
 *
 * <p>A sender numbers each message of a topic ({@link #number}: 1, 2, ... per topic) and puts the
 * number ({@code n}) and its send time ({@code sent_at}, epoch ms) in the payload; once the node has
 * accepted it (the API's 200, the push's ok reply) it records it ({@link #acknowledged}). Every virtual
 * user that receives is a {@link Receiver}: it sees every frame its socket gets and, at the end
 * ({@link #checkAllReceived}, one Gatling request per user), must have received every message
 * acknowledged on its topic from its join on, once, each within {@code maxDeliveryMs} of its send.
 *
 * <p>How a receiver sees every frame: Gatling hands a WebSocket frame to the check being awaited, if
 * any, and otherwise keeps it in a buffer of unmatched frames, which it clears whenever the user sends
 * a frame. So a receiver looks at each frame in two places: a matching condition ({@link #seeFrame})
 * that comes first in every check Phoenix awaits, and {@link #drain}, which must run before each send
 * and takes the buffered frames with their arrival times. Both run on the virtual user's event loop,
 * the same thread that reads its socket, so no frame slips between a drain and the send after it.
 */
final class Deliveries {
  /** The check each receiver ends with: ok when all its deliveries arrived, in time, once. */
  static final String ALL_RECEIVED = "all broadcasts received";
  /** The heartbeat whose reply carries that check. */
  static final String LAST_HEARTBEAT = "last heartbeat";
  static final String NUMBER = "n";
  static final String SENT_AT = "sent_at";

  /**
   * Gatling's unmatched-frame buffer holds this many drain intervals' frames: a drain that comes this
   * late (Gatling overloaded) loses frames, and the receiver reports it.
   */
  private static final int BUFFERED_DRAIN_INTERVALS = 60;
  private static final int MIN_BUFFER = 100;
  private static final String RECEIVER = "deliveries.receiver";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String event;
  private final long maxDeliveryMs;
  private final int bufferSize;
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final DeliveryLatencies latencies = new DeliveryLatencies();
  private final LongAdder receiversChecked = new LongAdder();
  private final LongAdder receiversFailed = new LongAdder();
  private final LongAdder expectedTotal = new LongAdder();
  private final LongAdder missingTotal = new LongAdder();
  private final LongAdder lateTotal = new LongAdder();
  private final LongAdder duplicateTotal = new LongAdder();

  /**
   * @param event the event of the checked broadcasts; other events are not checked
   * @param maxDeliveryMs the longest a delivery may take, send to arrival
   * @param framesPerDrain how many checked frames a receiver gets between two drains, to size Gatling's
   *     buffer ({@link #bufferSize})
   */
  Deliveries(String event, long maxDeliveryMs, double framesPerDrain) {
    this.event = event;
    this.maxDeliveryMs = maxDeliveryMs;
    this.bufferSize = (int) Math.max(MIN_BUFFER, Math.ceil(framesPerDrain * BUFFERED_DRAIN_INTERVALS));
  }

  /** For {@code http.wsUnmatchedInboundMessageBufferSize}: Gatling buffers no unmatched frame by default. */
  int bufferSize() {
    return bufferSize;
  }

  /** The next number of a message on {@code topic}, from 1. */
  long number(String topic) {
    return topic(topic).numbers.incrementAndGet();
  }

  /** The node accepted message {@code n} of {@code topic}, sent at {@code sentAt}: its receivers must get it. */
  void acknowledged(String topic, long n, long sentAt) {
    topic(topic).acknowledged.put(n, sentAt);
  }

  /** A payload field pair for a numbered message: {@code {"n": n, "sent_at": sentAt}}. */
  static Map<String, Object> stamp(long n, long sentAt) {
    return Map.of(NUMBER, n, SENT_AT, sentAt);
  }

  /** Makes this virtual user a receiver of its topic ({@link Phoenix#topic}), joined now. Run right after the join. */
  ChainBuilder startReceiving() {
    return exec(session -> session.set(RECEIVER, new Receiver(Phoenix.topic(session), System.currentTimeMillis())));
  }

  /**
   * Shows the frames Gatling buffered since the last drain to the receiver. Run before every frame the
   * user sends (the send clears the buffer) and often enough that the buffer does not overflow.
   */
  ActionBuilder drain() {
    return ws.processUnmatchedMessages((messages, session) -> {
      if (session.contains(RECEIVER)) {
        Receiver receiver = session.get(RECEIVER);
        if (messages.size() >= bufferSize) {
          receiver.bufferFull = true;
        }
        for (WsInboundMessage message : messages) {
          if (message instanceof WsInboundMessage.Text text) {
            receiver.see(text.message(), text.timestamp());
          }
        }
      }
      return session;
    });
  }

  /**
   * A matching condition that always matches and shows the frame to the user's receiver, if it has one:
   * first in every awaited check, it sees the frames that arrive while the check waits, which Gatling
   * neither buffers nor hands to any other step.
   */
  static CheckBuilder seeFrame() {
    return bodyString()
        .transformWithSession((frame, session) -> {
          if (session.contains(RECEIVER)) {
            Receiver receiver = session.get(RECEIVER);
            receiver.see(frame, System.currentTimeMillis());
          }
          return true;
        })
        .is(true);
  }

  /**
   * The receiver's verdict, as one Gatling request ({@link #ALL_RECEIVED}): drains, sends a heartbeat,
   * and on its reply fails unless every message acknowledged on the topic since the join, and sent at
   * least {@code maxDeliveryMs} ago, arrived once and within {@code maxDeliveryMs}. Run once, at the
   * end, after waiting {@code maxDeliveryMs} past the last send.
   */
  ChainBuilder checkAllReceived(Duration timeout) {
    return exec(drain())
        .exec(Phoenix.nextRef())
        .exec(ws(LAST_HEARTBEAT)
            .sendText(session -> Phoenix.heartbeatFrame(Phoenix.ref(session)))
            .await(timeout)
            .on(Phoenix.reply(ALL_RECEIVED)
                .check(
                    jsonPath("$[4].status").is("ok"),
                    jsonPath("$[1]").validate("every delivery arrived once and in time", (ref, session) -> {
                      String problems = verdict(session.get(RECEIVER), System.currentTimeMillis());
                      if (!problems.isEmpty()) {
                        throw new IllegalStateException(problems);
                      }
                      return ref;
                    }))));
  }

  /**
   * The receivers' verdicts: failed ones at most {@code maxFailedPercent} of them, and at least one
   * passed (a run in which no receiver checked anything proves nothing about delivery).
   */
  static List<Assertion> assertions(double maxFailedPercent) {
    return List.of(
        details(ALL_RECEIVED).failedRequests().percent().lte(maxFailedPercent),
        details(ALL_RECEIVED).successfulRequests().count().gte(1L));
  }

  /** Totals over every receiver checked, and the latency of every delivery, for the log at the end. */
  String summary() {
    return "receivers checked=" + receiversChecked.sum() + " failed=" + receiversFailed.sum()
        + "; deliveries expected=" + expectedTotal.sum() + " missing=" + missingTotal.sum()
        + " late=" + lateTotal.sum() + " duplicate=" + duplicateTotal.sum()
        + "; latency (send to arrival) of every delivery: " + latencies.summary();
  }

  private String verdict(Receiver receiver, long now) {
    String problems = receiver.problems(now);
    receiversChecked.increment();
    if (!problems.isEmpty()) {
      receiversFailed.increment();
    }
    return problems;
  }

  private Topic topic(String name) {
    return topics.computeIfAbsent(name, n -> new Topic());
  }

  private static final class Topic {
    final AtomicLong numbers = new AtomicLong();
    /** Number to send time of every message the node accepted. */
    final ConcurrentSkipListMap<Long, Long> acknowledged = new ConcurrentSkipListMap<>();
  }

  /** What one virtual user received. Used only on its event loop. */
  final class Receiver {
    private final String topic;
    private final long joinedAt;
    private final BitSet received = new BitSet();
    private long late;
    private long worstLateMs;
    private long duplicates;
    private long unreadable;
    private boolean bufferFull;

    Receiver(String topic, long joinedAt) {
      this.topic = topic;
      this.joinedAt = joinedAt;
    }

    /** A frame that arrived at {@code arrivedAt}: counted if it is a numbered broadcast of the event on the topic. */
    void see(String frame, long arrivedAt) {
      // replies and other frames carry no send time: skip them without parsing
      if (!frame.contains("\"" + SENT_AT + "\"")) {
        return;
      }
      JsonNode message;
      try {
        message = JSON.readTree(frame);
      } catch (JsonProcessingException e) {
        unreadable++;
        return;
      }
      JsonNode payload = message.path(4);
      // a broadcast is [null, ref, topic, event, payload]: ref null, or its seq on a topic with history
      if (!message.path(0).isNull() || !(message.path(1).isNull() || message.path(1).isTextual())
          || !topic.equals(message.path(2).asText()) || !event.equals(message.path(3).asText())
          || !payload.path(NUMBER).canConvertToInt() || !payload.path(SENT_AT).canConvertToLong()) {
        return;
      }
      int n = payload.get(NUMBER).intValue();
      long latency = arrivedAt - payload.get(SENT_AT).longValue();
      latencies.record(latency);
      if (n < 1) {
        unreadable++;
      } else if (received.get(n)) {
        duplicates++;
      } else {
        received.set(n);
      }
      if (latency > maxDeliveryMs) {
        late++;
        worstLateMs = Math.max(worstLateMs, latency);
      }
    }

    /** Empty when every delivery due by {@code now} arrived once and in time; otherwise what went wrong. */
    String problems(long now) {
      long expected = 0;
      long missing = 0;
      long firstMissing = 0;
      for (Map.Entry<Long, Long> message : topic(topic).acknowledged.entrySet()) {
        long sentAt = message.getValue();
        // sent before this user joined, or may still be on its way
        if (sentAt < joinedAt || sentAt + maxDeliveryMs > now) {
          continue;
        }
        expected++;
        long n = message.getKey();
        if (n > Integer.MAX_VALUE || !received.get((int) n)) {
          missing++;
          firstMissing = firstMissing == 0 ? n : firstMissing;
        }
      }
      expectedTotal.add(expected);
      missingTotal.add(missing);
      lateTotal.add(late);
      duplicateTotal.add(duplicates);

      List<String> problems = new ArrayList<>();
      if (expected == 0) {
        problems.add("nothing to check: no message on " + topic + " was acknowledged between this user's join and "
            + maxDeliveryMs + " ms ago");
      }
      if (missing > 0) {
        problems.add("missed " + missing + " of " + expected + " broadcasts on " + topic + " (first n=" + firstMissing + ")");
      }
      if (late > 0) {
        problems.add(late + " arrived later than " + maxDeliveryMs + " ms (worst " + worstLateMs + " ms)");
      }
      if (duplicates > 0) {
        problems.add(duplicates + " arrived twice");
      }
      if (unreadable > 0) {
        problems.add(unreadable + " broadcasts could not be read");
      }
      if (bufferFull) {
        problems.add("Gatling's buffer of unmatched frames (" + bufferSize + ") filled up between two drains:"
            + " frames may be lost uncounted; Gatling is overloaded");
      }
      return String.join("; ", problems);
    }
  }
}
