package io.herald.client;

import static io.herald.client.TestSupport.await;
import static io.herald.client.TestSupport.get;
import static io.herald.client.TestSupport.holdsFalse;
import static io.herald.client.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.client.PhoenixPeer.Conn;
import io.herald.client.PhoenixPeer.Frame;
import io.herald.protocol.Payload;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The channel's side of "History and recovery" (docs/protocol.md): seq and epoch tracked per channel,
 * since/epoch on rejoin, the outcome surfaced, a restarted topic noticed while connected.
 */
class ChannelRecoveryTest extends PeerTestBase {
  private static final String TOPIC = "history:a";

  private final List<String> got = new CopyOnWriteArrayList<>(); // "ref:n" of every msg received
  private final List<Recovery> outcomes = new CopyOnWriteArrayList<>();

  /** A channel on {@code topic} that records its msgs and recovery outcomes, joined. */
  private Channel joined(Socket s, String topic) {
    Channel ch = s.channel(topic, () -> Payload.json("{\"name\":\"ann\"}"));
    ch.on("msg", m -> got.add(m.ref() + ":" + json(m.payload()).get("n").asText()));
    ch.onRecovery(outcomes::add);
    assertThat(get(ch.join()).ok()).isTrue();
    return ch;
  }

  private List<Frame> joins() {
    return peer.joins(TOPIC);
  }

  @Test
  void aReconnectRejoinsWithTheLatestSeqAndGetsTheMissedMessagesInOrder() {
    ScriptedHistory room = history();
    Socket s = connected();
    Channel ch = joined(s, TOPIC);

    Frame first = joins().get(0);
    assertThat(first.payload().has("since") || first.payload().has("epoch")).as("a first join asks nothing").isFalse();
    assertThat(outcomes).containsExactly(new Recovery(false, "7001", 0, null));
    assertThat(outcomes.get(0).plainJoin()).isTrue();

    room.publish(1, 2, 3);
    await("3 messages", () -> got.size() == 3);
    assertThat(ch.lastSeq()).isEqualTo(3);
    assertThat(ch.epoch()).isEqualTo("7001");

    peer.refuseConnections.set(true);
    peer.dropAll();
    await("the client saw the drop", () -> !s.isConnected() && ch.state() == ChannelState.ERRORED);
    room.publish(4, 5); // missed
    peer.refuseConnections.set(false);

    await("rejoined", () -> ch.state() == ChannelState.JOINED && outcomes.size() == 2);
    Frame rejoin = joins().get(1);
    assertThat(rejoin.payload().get("since").asLong()).isEqualTo(3);
    assertThat(rejoin.payload().get("epoch").asText()).isEqualTo("7001");
    assertThat(rejoin.param("name")).as("the app's own params stay").isEqualTo("ann");
    assertThat(outcomes.get(1)).isEqualTo(new Recovery(true, "7001", 5, null));

    room.publish(6);
    await("replayed and live messages", () -> got.size() == 6);
    assertThat(got).containsExactly("1:1", "2:2", "3:3", "4:4", "5:5", "6:6");
    // the replayed seqs (4, 5) are not taken for a restart of the topic
    holdsFalse("a third join", () -> joins().size() > 2, ms(200));
    assertThat(ch.lastSeq()).isEqualTo(6);
  }

  @Test
  void aRejoinThatCannotRecoverSurfacesRecoveredFalseWithItsReason() {
    ScriptedHistory room = history();
    Socket s = connected();
    Channel ch = joined(s, TOPIC);
    room.publish(1, 2);
    await("2 messages", () -> got.size() == 2);

    get(s.disconnect());
    room.restart(); // a new incarnation of the topic's owner: epoch 7002, seqs from 1
    room.publish(3); // missed, and lost
    get(s.connect());

    await("rejoined", () -> ch.state() == ChannelState.JOINED && outcomes.size() == 2);
    Recovery outcome = outcomes.get(1);
    assertThat(outcome).isEqualTo(new Recovery(false, "7002", 1, Recovery.EPOCH_CHANGED));
    assertThat(outcome.plainJoin()).isFalse();
    Frame rejoin = joins().get(1);
    assertThat(rejoin.payload().get("since").asLong()).isEqualTo(2);
    assertThat(rejoin.payload().get("epoch").asText()).isEqualTo("7001");
    assertThat(ch.epoch()).isEqualTo("7002");
    assertThat(ch.lastSeq()).isEqualTo(1);

    room.publish(4);
    await("the next live message", () -> got.size() == 3);
    assertThat(got).containsExactly("1:1", "2:2", "2:4");
  }

  @Test
  void aSeqGoingBackwardsWhileJoinedLeavesAndRejoinsAtOnce() {
    ScriptedHistory room = history();
    Socket s = connected(b -> b.rejoinAfter(ms(5_000))); // the rejoin must not wait for the schedule
    Channel ch = joined(s, TOPIC);
    room.publish(1, 2, 3);
    await("3 messages", () -> got.size() == 3);
    String firstJoinRef = ch.joinRef();

    room.restart();
    room.publish(4); // seq 1 of epoch 7002, on the same connection

    await("rejoined", () -> ch.state() == ChannelState.JOINED && outcomes.size() == 2);
    assertThat(outcomes.get(1)).isEqualTo(new Recovery(false, "7002", 1, Recovery.EPOCH_CHANGED));
    assertThat(peer.frames(f -> Channel.LEAVE.equals(f.event()) && firstJoinRef.equals(f.joinRef()))).hasSize(1);
    assertThat(joins()).hasSize(2);
    Frame rejoin = joins().get(1);
    assertThat(rejoin.conn()).isSameAs(peer.connection(0));
    assertThat(rejoin.payload().get("since").asLong()).isEqualTo(3);
    assertThat(rejoin.payload().get("epoch").asText()).isEqualTo("7001");

    room.publish(5);
    await("the next live message", () -> got.size() == 5);
    // the message that revealed the restart is delivered too: it is a real one
    assertThat(got).containsExactly("1:1", "2:2", "3:3", "1:4", "2:5");
    // the old join's phx_close (after the leave) is stale: the channel stays joined, no third join
    holdsFalse("a third join", () -> joins().size() > 2, ms(200));
    assertThat(ch.state()).isEqualTo(ChannelState.JOINED);
    assertThat(ch.lastSeq()).isEqualTo(2);
  }

  @Test
  void aTopicWhoseJoinReplyHasNoEpochRejoinsWithoutSinceOrEpoch() {
    Socket s = connected();
    Channel ch = joined(s, "room:plain"); // the peer's default script: no epoch in the reply
    // even a numeric ref is no seq without an epoch
    peer.connection(0).send(null, "5", "room:plain", "msg", "{\"n\":1}");
    await("the message", () -> got.size() == 1);
    assertThat(got).containsExactly("5:1");
    assertThat(ch.epoch()).isNull();
    assertThat(ch.lastSeq()).isEqualTo(-1);

    get(s.disconnect());
    get(s.connect());

    await("rejoined", () -> ch.state() == ChannelState.JOINED && peer.joins("room:plain").size() == 2);
    assertThat(peer.joins("room:plain")).allSatisfy(f -> {
      assertThat(f.payload().has("since")).isFalse();
      assertThat(f.payload().has("epoch")).isFalse();
      assertThat(f.param("name")).isEqualTo("ann");
    });
    assertThat(outcomes).isEmpty();
  }

  @Test
  void malformedRefsAreDeliveredAndIgnoredAndASeqJumpIsNoGap() {
    ScriptedHistory room = history();
    Socket s = connected();
    Channel ch = joined(s, TOPIC);
    room.publish(1, 2);
    await("2 messages", () -> got.size() == 2);
    Conn c = peer.connection(0);
    String[] malformed = {"abc", "-1", "1.5", "", "+1", " 1", "1e3", "0x1", "99999999999999999999"};
    for (int i = 0; i < malformed.length; i++) {
      c.send(null, malformed[i], TOPIC, "msg", "{\"n\":" + (100 + i) + "}");
    }
    c.send(null, null, TOPIC, "msg", "{\"n\":200}");
    await("every message delivered", () -> got.size() == 2 + malformed.length + 1);
    assertThat(ch.lastSeq()).isEqualTo(2);

    c.send(null, "10", TOPIC, "msg", "{\"n\":300}"); // 8 seqs skipped: no gap (binary ones have none)
    await("the jump", () -> got.size() == 2 + malformed.length + 2);
    assertThat(ch.lastSeq()).isEqualTo(10);
    holdsFalse("a rejoin", () -> joins().size() > 1, ms(200));

    // the jump was taken as the position: a lower seq now means a restart, and 10 is what goes out
    room.publish(3);
    await("rejoined", () -> ch.state() == ChannelState.JOINED && outcomes.size() == 2);
    assertThat(joins().get(1).payload().get("since").asLong()).isEqualTo(10);
    assertThat(outcomes.get(1)).isEqualTo(new Recovery(false, "7001", 3, Recovery.FUTURE_SINCE));
  }

  private ScriptedHistory history() {
    ScriptedHistory h = new ScriptedHistory(TOPIC);
    peer.joinHandler = h;
    return h;
  }

  /**
   * One topic with history as docs/protocol.md describes it: seqs per epoch in the broadcasts' ref,
   * epoch/seq/recovered in the join reply, the missed messages after a recovered rejoin's reply.
   * Every frame goes through the connection's event loop under this object's lock, so that
   * publishes and replays reach the client in the order they happened.
   */
  static final class ScriptedHistory implements PhoenixPeer.JoinHandler {
    private final String topic;
    private final List<String> messages = new ArrayList<>(); // payloads by seq - 1
    private final Set<Conn> subscribers = new LinkedHashSet<>();
    private long epoch = 7001;

    ScriptedHistory(String topic) {
      this.topic = topic;
    }

    /** Broadcasts {@code msg} {"n": n} for each n, with the next seqs. */
    synchronized void publish(int... ns) {
      for (int n : ns) {
        String payload = "{\"n\":" + n + "}";
        messages.add(payload);
        String seq = Long.toString(messages.size());
        for (Conn c : subscribers) {
          if (c.isActive() && c.joined.containsKey(topic)) {
            later(c, () -> c.send(null, seq, topic, "msg", payload));
          }
        }
      }
    }

    /** A new incarnation: a new epoch, seqs from 1, an empty history. */
    synchronized void restart() {
      epoch++;
      messages.clear();
    }

    @Override
    public synchronized boolean handle(Conn conn, Frame join) {
      if (!topic.equals(join.topic())) {
        return false;
      }
      long seq = messages.size();
      ObjectNode response = PhoenixPeer.JSON.createObjectNode()
          .put("epoch", Long.toString(epoch)).put("seq", seq).put("recovered", false);
      JsonNode since = join.payload().get("since");
      JsonNode askedEpoch = join.payload().get("epoch");
      long replayFrom = seq; // nothing to replay
      if (since != null || askedEpoch != null) {
        if (since == null || askedEpoch == null) {
          response.put("reason", Recovery.INVALID_SINCE);
        } else if (!Long.toString(epoch).equals(askedEpoch.asText())) {
          response.put("reason", Recovery.EPOCH_CHANGED);
        } else if (since.asLong() > seq) {
          response.put("reason", Recovery.FUTURE_SINCE);
        } else {
          response.put("recovered", true);
          replayFrom = since.asLong();
        }
      }
      conn.joined.put(topic, join.ref());
      subscribers.add(conn);
      later(conn, () -> conn.reply(join, "ok", response));
      for (long s = replayFrom + 1; s <= seq; s++) {
        String ref = Long.toString(s);
        String payload = messages.get((int) s - 1);
        later(conn, () -> conn.send(null, ref, topic, "msg", payload));
      }
      return true;
    }

    private static void later(Conn c, Runnable send) {
      c.ch.eventLoop().execute(send);
    }
  }
}
