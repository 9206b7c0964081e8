package io.herald.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.protocol.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a channel stands in its topic's history (docs/protocol.md, "History and recovery"): the epoch
 * of its latest ok join reply and the last seq it received since, which its next join sends as {@code
 * since} to get what it missed.
 *
 * <p>Pure logic, not thread-safe: its {@link Channel} calls it under its own lock.
 */
final class HistoryPosition {
  private static final Logger log = LoggerFactory.getLogger(HistoryPosition.class);

  /** No seq known. Seqs are non-negative. */
  static final long NONE = -1;

  static final String SINCE = "since";
  static final String EPOCH = "epoch";
  static final String SEQ = "seq";
  static final String RECOVERED = "recovered";
  static final String REASON = "reason";

  /** The longest decimal a long holds (19 digits); longer is not a seq. */
  private static final int MAX_SEQ_DIGITS = 19;

  // floats as BigDecimal: app params that must be rewritten keep their exact values
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final String topic;
  private String epoch; // of the latest ok join reply; null: the topic keeps no history (or no join yet)
  private long lastSeq = NONE;
  private long sentSince = NONE; // the since of the join in flight
  private boolean warnedUnmergeable;

  HistoryPosition(String topic) {
    this.topic = topic;
  }

  String epoch() {
    return epoch;
  }

  long lastSeq() {
    return lastSeq;
  }

  /**
   * The params of the next join: the application's, plus {@code since} and {@code epoch} once a join
   * reply gave an epoch. The client's values replace any the application put there; before that (a
   * first join) the application's own since/epoch (restored from storage, say) go out as they are.
   * Params that are not a JSON object cannot carry them and go out unchanged.
   */
  Payload joinParams(Payload app) {
    sentSince = NONE;
    JsonNode params = objectOrNull(app);
    if (params == null) {
      if (epoch != null && !warnedUnmergeable) {
        warnedUnmergeable = true;
        log.warn("join params of '{}' are not a JSON object: joining without since/epoch, so missed"
            + " messages are not recovered", topic);
      }
      return app;
    }
    if (epoch == null || lastSeq == NONE) {
      sentSince = params.has(EPOCH) ? seqOf(params.get(SINCE)) : NONE;
      return app;
    }
    sentSince = lastSeq;
    if (!params.has(SINCE) && !params.has(EPOCH)) {
      return prepend((Payload.Json) app, params.isEmpty());
    }
    ObjectNode merged = ((ObjectNode) params).put(SINCE, lastSeq).put(EPOCH, epoch);
    try {
      return new Payload.Json(JSON.writeValueAsBytes(merged));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write join params of '" + topic + "'", e);
    }
  }

  /** {@code {"since":N,"epoch":"E", <the app's fields as sent>}}: the app's bytes stay as they are. */
  private Payload prepend(Payload.Json app, boolean empty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(app.bytes().length + 48);
    // epoch is a decimal string from the server, but quote it safely whatever it is
    out.writeBytes(("{\"" + SINCE + "\":" + lastSeq + ",\"" + EPOCH + "\":").getBytes(StandardCharsets.UTF_8));
    try {
      out.writeBytes(JSON.writeValueAsBytes(epoch));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an epoch", e);
    }
    if (empty) {
      out.write('}');
    } else {
      byte[] b = app.bytes();
      int open = 0;
      while (b[open] != '{') { // leading whitespace; objectOrNull checked it is an object
        open++;
      }
      out.write(',');
      out.write(b, open + 1, b.length - open - 1);
    }
    return new Payload.Json(out.toByteArray());
  }

  /**
   * An ok join reply's response: takes its epoch and seq as the new position and returns the outcome.
   * Without an epoch the topic keeps no history: forgets any position and returns null, or, if the
   * join asked for recovery, a not recovered outcome with a null epoch (reason {@code no_history}
   * unless the reply gives one).
   */
  Recovery joined(Payload response) {
    long since = sentSince;
    sentSince = NONE;
    JsonNode r = objectOrNull(response);
    JsonNode why = r == null ? null : r.get(REASON);
    String reason = why != null && why.isTextual() ? why.textValue() : null;
    JsonNode e = r == null ? null : r.get(EPOCH);
    if (e == null || !(e.isTextual() || e.isIntegralNumber())) {
      forget();
      // a topic that no longer keeps history (its configuration changed, or a node without history
      // answered) cannot recover: a join that asked for it must still tell the application
      boolean asked = since != NONE || (r != null && r.has(RECOVERED) && reason != null);
      return asked ? new Recovery(false, null, NONE, reason != null ? reason : Recovery.NO_HISTORY) : null;
    }
    long seq = seqOf(r.get(SEQ));
    JsonNode rec = r.get(RECOVERED);
    boolean recovered = rec != null && rec.isBoolean() && rec.booleanValue();
    epoch = e.asText();
    // recovered: the missed messages (since+1, ...) follow the reply, so the position stays at since
    lastSeq = recovered && since != NONE ? since : seq;
    return new Recovery(recovered, epoch, seq, reason);
  }

  private void forget() {
    epoch = null;
    lastSeq = NONE;
  }

  /**
   * A message's ref: records it as the last seq if it is one (a non-negative decimal) greater than the
   * last. Returns true, recording nothing, when it is a seq not greater than the last: the topic's
   * owner restarted under a new epoch and the channel must rejoin to learn it. A seq beyond last + 1 is
   * no gap: binary messages carry none.
   */
  boolean wentBack(String ref) {
    if (epoch == null) {
      return false;
    }
    long seq = parseSeq(ref);
    if (seq == NONE) {
      return false;
    }
    if (lastSeq != NONE && seq <= lastSeq) {
      return true;
    }
    lastSeq = seq;
    return false;
  }

  /** A non-negative decimal long, or {@link #NONE}. */
  static long parseSeq(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_SEQ_DIGITS) {
      return NONE;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return NONE;
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException overflow) {
      return NONE;
    }
  }

  private static long seqOf(JsonNode n) {
    if (n == null) {
      return NONE;
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() && n.longValue() >= 0 ? n.longValue() : NONE;
    }
    return n.isTextual() ? parseSeq(n.textValue()) : NONE;
  }

  private static JsonNode objectOrNull(Payload p) {
    if (!(p instanceof Payload.Json json)) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(json.bytes());
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }
}
