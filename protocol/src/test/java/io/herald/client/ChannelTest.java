package io.herald.client;

import static io.herald.client.TestSupport.await;
import static io.herald.client.TestSupport.get;
import static io.herald.client.TestSupport.holdsFalse;
import static io.herald.client.TestSupport.json;
import static io.herald.client.TestSupport.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.client.PhoenixPeer.Frame;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChannelTest extends PeerTestBase {

  @Test
  void joinCompletesWithTheOkReplyAndUsesItsRefAsJoinRef() {
    Socket s = connected();
    Channel ch = s.channel("room:1", () -> Payload.json("{\"name\":\"ann\"}"));
    assertThat(ch.state()).isEqualTo(ChannelState.CLOSED);

    Reply r = get(ch.join());

    assertThat(r.ok()).isTrue();
    assertThat(response(r).get("topic").asText()).isEqualTo("room:1");
    assertThat(response(r).get("params").get("name").asText()).isEqualTo("ann");
    assertThat(ch.state()).isEqualTo(ChannelState.JOINED);
    Frame join = peer.joins("room:1").get(0);
    assertThat(join.ref()).isEqualTo(join.joinRef()).isEqualTo(ch.joinRef());
    assertThat(join.param("name")).isEqualTo("ann");
  }

  @Test
  void joinBeforeTheSocketOpensIsSentOnOpen() {
    Socket s = socket(b -> b);
    Channel ch = s.channel("room:early");
    CompletableFuture<Reply> joined = ch.join();
    assertThat(ch.state()).isEqualTo(ChannelState.JOINING);
    assertThat(joined).isNotDone();

    get(s.connect());

    assertThat(get(joined).ok()).isTrue();
    assertThat(peer.joins("room:early")).hasSize(1);
  }

  @Test
  void refusedJoinCompletesWithTheErrorReplyThenRejoinsOnTheSchedule() {
    Socket s = connected(b -> b.rejoinAfter(ms(100), ms(200)));
    Channel ch = s.channel("denied:x");

    Reply r = get(ch.join());

    assertThat(r.ok()).isFalse();
    assertThat(r.status()).isEqualTo("error");
    assertThat(response(r).get("reason").asText()).isEqualTo("denied");
    assertThat(ch.state()).isEqualTo(ChannelState.ERRORED);

    await("4 join attempts", () -> peer.joins("denied:x").size() >= 4);
    List<Frame> joins = peer.joins("denied:x");
    long tolerance = TimeUnit.MILLISECONDS.toNanos(15); // timer vs. network clocks
    long[] expected = {100, 200, 200}; // the last delay repeats
    for (int i = 1; i < 4; i++) {
      long gap = joins.get(i).nanos() - joins.get(i - 1).nanos();
      assertThat(gap).as("gap before attempt %d", i)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(expected[i - 1]) - tolerance)
          .isLessThan(TimeUnit.MILLISECONDS.toNanos(expected[i - 1] + 400));
    }
    assertThat(joins.stream().map(Frame::joinRef).distinct()).hasSize(joins.size());

    // leaving stops the schedule
    get(ch.leave());
    int attempts = peer.joins("denied:x").size();
    holdsFalse("a rejoin after leave", () -> peer.joins("denied:x").size() > attempts, ms(300));
  }

  @Test
  void joinWithoutReplyFailsWithTimeoutLeavesAndRetries() {
    Socket s = connected(b -> b.pushTimeout(ms(200)));
    Channel ch = s.channel("silent:x");

    assertThatThrownBy(() -> ch.join().get(2, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TimeoutException.class);

    String firstJoinRef = peer.joins("silent:x").get(0).joinRef();
    await("phx_leave after the join timeout",
        () -> !peer.frames(f -> Channel.LEAVE.equals(f.event()) && firstJoinRef.equals(f.joinRef())).isEmpty());
    await("a rejoin", () -> peer.joins("silent:x").size() >= 2);
    assertThat(peer.joins("silent:x").get(1).joinRef()).isNotEqualTo(firstJoinRef);
  }

  @Test
  void pushCompletesWithItsReplyWhateverTheStatus() {
    Socket s = connected();
    Channel ch = s.channel("room:p");
    get(ch.join());

    Reply ok = get(ch.push("echo", Payload.json("{\"n\":1,\"s\":\"é\"}")));
    assertThat(ok.ok()).isTrue();
    assertThat(response(ok).get("n").asInt()).isEqualTo(1);
    assertThat(response(ok).get("s").asText()).isEqualTo("é");

    Reply error = get(ch.push("error_reply", null));
    assertThat(error.ok()).isFalse();
    assertThat(response(error).get("reason").asText()).isEqualTo("nope");

    Frame echo = peer.frames(f -> "echo".equals(f.event())).get(0);
    assertThat(echo.joinRef()).isEqualTo(ch.joinRef());
    assertThat(echo.ref()).isEqualTo(ok.ref());
    assertThat(s.pendingCount()).isZero();
  }

  @Test
  void pushWithoutReplyFailsWithTimeoutAndIsForgotten() {
    Socket s = connected();
    Channel ch = s.channel("room:t");
    get(ch.join());

    long start = System.nanoTime();
    CompletableFuture<Reply> f = ch.push("noreply", null, ms(100));
    assertThatThrownBy(() -> f.get(2, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TimeoutException.class);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(95));
    assertThat(s.pendingCount()).isZero();
    // the channel is unaffected
    assertThat(get(ch.push("echo", null)).ok()).isTrue();
  }

  @Test
  void severalHandlersPerEventAndSubscriptionsRemoveThem() {
    Socket s = connected();
    Channel ch = s.channel("room:h");
    get(ch.join());
    List<String> a = new CopyOnWriteArrayList<>();
    List<String> b = new CopyOnWriteArrayList<>();
    List<String> pushed = new CopyOnWriteArrayList<>();
    Subscription subA = ch.on("broadcasted", m -> a.add(json(m.payload()).get("n").asText()));
    ch.on("broadcasted", m -> b.add(json(m.payload()).get("n").asText()));
    ch.on("pushed", m -> {
      assertThat(m.joinRef()).isEqualTo(ch.joinRef());
      pushed.add(json(m.payload()).get("n").asText());
    });

    get(ch.push("broadcast", Payload.json("{\"n\":1}")));
    get(ch.push("push_back", Payload.json("{\"n\":2}")));
    await("both handlers and the other event", () -> a.size() == 1 && b.size() == 1 && pushed.size() == 1);

    subA.cancel();
    get(ch.push("broadcast", Payload.json("{\"n\":3}")));
    await("second broadcast", () -> b.size() == 2);
    assertThat(a).containsExactly("1");
    assertThat(b).containsExactly("1", "3");
    assertThat(pushed).containsExactly("2");
  }

  @Test
  void binaryPushTravelsInABinaryFrameAndBinaryMessagesArrive() {
    Socket s = connected();
    Channel ch = s.channel("room:bin");
    get(ch.join());
    byte[] data = {9, 8, 7, 0, (byte) 0xff};

    Reply r = get(ch.push("upload", Payload.binary(data)));

    assertThat(r.ok()).isTrue();
    assertThat(r.response()).isEqualTo(Payload.binary(data));
    Frame f = peer.frames(Frame::binary).get(0);
    assertThat(f.event()).isEqualTo("upload");
    assertThat(f.joinRef()).isEqualTo(ch.joinRef());
    assertThat(f.data()).containsExactly(data);

    List<Message> blobs = new CopyOnWriteArrayList<>();
    ch.on("blob", blobs::add);
    peer.connection(0).sendBinary(PhoenixPeer.binaryPush(ch.joinRef(), "room:bin", "blob", new byte[] {1, 2}));
    await("binary push", () -> blobs.size() == 1);
    assertThat(blobs.get(0).payload()).isEqualTo(Payload.binary(new byte[] {1, 2}));
  }

  @Test
  void messagesWithAStaleJoinRefAreDropped() {
    Socket s = connected();
    Channel ch = s.channel("room:s");
    get(ch.join());
    List<String> got = new CopyOnWriteArrayList<>();
    ch.on("news", m -> got.add(json(m.payload()).get("n").asText()));
    PhoenixPeer.Conn c = peer.connection(0);
    String stale = "999999";

    c.send(stale, null, "room:s", "news", "{\"n\":1}");
    c.send(ch.joinRef(), null, "room:s", "news", "{\"n\":2}");
    c.send(null, null, "room:s", "news", "{\"n\":3}"); // broadcasts carry no join_ref
    c.send(stale, stale, "room:s", Channel.CLOSE, "{}"); // e.g. the close of a duplicate join's old channel
    c.send(ch.joinRef(), null, "room:s", "news", "{\"n\":4}");

    await("current messages", () -> got.size() == 3);
    assertThat(got).containsExactly("2", "3", "4");
    assertThat(ch.state()).isEqualTo(ChannelState.JOINED);
  }

  @Test
  void leaveSendsPhxLeaveAndClosesTheChannel() {
    Socket s = connected();
    Channel ch = s.channel("room:l");
    get(ch.join());
    String joinRef = ch.joinRef();
    List<Message> closes = new CopyOnWriteArrayList<>();
    ch.onClose(closes::add);

    get(ch.leave());

    assertThat(ch.state()).isEqualTo(ChannelState.CLOSED);
    List<Frame> leaves = peer.frames(f -> Channel.LEAVE.equals(f.event()));
    assertThat(leaves).hasSize(1);
    assertThat(leaves.get(0).joinRef()).isEqualTo(joinRef);
    assertThat(s.channels()).doesNotContain(ch);
    assertThat(s.pendingCount()).isZero();
    // the server's phx_close that follows the leave reply reaches nobody: one close only
    holdsFalse("a second close", () -> closes.size() > 1, ms(100));
    assertThat(closes).hasSize(1);
    assertThat(json(closes.get(0).payload()).get("reason").asText()).isEqualTo("leave");
    assertThatThrownBy(() -> ch.push("echo", null).get(1, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ch::join).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void leaveWhileJoinIsPendingCancelsTheJoinFuture() {
    Socket s = socket(b -> b); // not connected: the join waits
    Channel ch = s.channel("room:x");
    CompletableFuture<Reply> joined = ch.join();
    get(ch.leave());
    assertThat(ch.state()).isEqualTo(ChannelState.CLOSED);
    assertThatThrownBy(() -> joined.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
  }

  @Test
  void serverPhxCloseClosesWithoutRejoin() {
    Socket s = connected(b -> b.rejoinAfter(ms(10)));
    Channel ch = s.channel("room:c");
    get(ch.join());
    List<Message> closes = new CopyOnWriteArrayList<>();
    ch.onClose(closes::add);

    peer.connection(0).send(ch.joinRef(), ch.joinRef(), "room:c", Channel.CLOSE, "{}");

    // Close handlers run after the state changes (outside the channel's lock): wait for both.
    await("closed", () -> ch.state() == ChannelState.CLOSED && !closes.isEmpty());
    assertThat(closes).hasSize(1);
    holdsFalse("a rejoin after phx_close", () -> peer.joins("room:c").size() > 1, ms(200));
    assertThat(s.channels()).doesNotContain(ch);
  }

  @Test
  void serverPhxErrorErrorsTheChannelThenRejoins() {
    Socket s = connected();
    Channel ch = s.channel("room:e");
    get(ch.join());
    String first = ch.joinRef();
    List<Message> errors = new CopyOnWriteArrayList<>();
    ch.onError(errors::add);
    AtomicInteger rejoined = new AtomicInteger();
    ch.onJoin(r -> rejoined.incrementAndGet());

    peer.connection(0).send(first, first, "room:e", Channel.ERROR, "{\"reason\":\"channel_crash\"}");

    await("error handler", () -> errors.size() == 1);
    assertThat(json(errors.get(0).payload()).get("reason").asText()).isEqualTo("channel_crash");
    await("rejoined", () -> rejoined.get() == 1 && ch.state() == ChannelState.JOINED);
    assertThat(ch.joinRef()).isNotEqualTo(first);
    assertThat(peer.joins("room:e")).hasSize(2);
  }

  @Test
  void pushesWaitingForTheJoinAreBufferedBoundedAndFlushedInOrder() {
    Socket s = socket(b -> b.sendBufferSize(2));
    Channel ch = s.channel("room:b");
    ch.join();
    CompletableFuture<Reply> p1 = ch.push("echo", Payload.json("{\"n\":1}"));
    CompletableFuture<Reply> p2 = ch.push("echo", Payload.json("{\"n\":2}"));
    CompletableFuture<Reply> p3 = ch.push("echo", Payload.json("{\"n\":3}"));

    assertThat(p3).isCompletedExceptionally();
    assertThatThrownBy(p3::join).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("send buffer full");
    assertThat(s.bufferedCount()).isEqualTo(2);

    get(s.connect());

    assertThat(response(get(p1)).get("n").asInt()).isEqualTo(1);
    assertThat(response(get(p2)).get("n").asInt()).isEqualTo(2);
    List<Frame> echoes = peer.frames(f -> "echo".equals(f.event()));
    assertThat(echoes).extracting(f -> f.param("n")).containsExactly("1", "2");
    assertThat(echoes).allMatch(f -> f.joinRef().equals(ch.joinRef()));
    assertThat(s.bufferedCount()).isZero();
  }

  @Test
  void bufferedPushTimesOutIfNeverSent() {
    Socket s = socket(b -> b);
    Channel ch = s.channel("room:never");
    ch.join();
    CompletableFuture<Reply> p = ch.push("echo", null, ms(100));
    assertThatThrownBy(() -> p.get(2, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    assertThat(s.bufferedCount()).isZero();
  }

  @Test
  void pushBeforeJoinAndJoiningTwiceThrow() {
    Socket s = connected();
    Channel ch = s.channel("room:misuse");
    assertThatThrownBy(() -> ch.push("echo", null)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("before joining");
    get(ch.join());
    assertThatThrownBy(ch::join).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("multiple times");
  }

  @Test
  void joiningATopicAgainLeavesTheOlderChannel() {
    Socket s = connected();
    Channel older = s.channel("room:dup");
    get(older.join());
    String olderRef = older.joinRef();

    Channel newer = s.channel("room:dup");
    assertThat(get(newer.join()).ok()).isTrue();

    await("older closed", () -> older.state() == ChannelState.CLOSED);
    assertThat(peer.frames(f -> Channel.LEAVE.equals(f.event()) && olderRef.equals(f.joinRef()))).hasSize(1);
    assertThat(newer.state()).isEqualTo(ChannelState.JOINED);
    assertThat(s.channels()).containsExactly(newer);
  }
}
