package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Message;
import io.herald.protocol.Serializers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A long-poll session's queue, polls, bounds, expiry and posts, without a node. */
final class LongPollSessionTest {
  private static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long IDLE = TimeUnit.SECONDS.toNanos(1);

  private final ScheduledExecutorService home = Executors.newSingleThreadScheduledExecutor();
  private final List<Message> inbound = new ArrayList<>();
  private final AtomicInteger disconnected = new AtomicInteger();

  @AfterEach
  void stop() {
    home.shutdownNow();
  }

  private LongPollSession session(int maxMessages, long maxBytes, HeraldSettings.RateLimit rate) {
    LongPollSession s =
        new LongPollSession(
            "id",
            Serializers.forVsn("2.0.0"),
            "peer",
            home,
            new LongPollSession.Limits(maxMessages, maxBytes, WINDOW, IDLE, rate, 255),
            new NodeMetrics(),
            new MalformedFrameLog(Duration.ofSeconds(10)),
            System.nanoTime());
    s.attach(m -> { synchronized (inbound) { inbound.add(m); } }, disconnected::incrementAndGet);
    return s;
  }

  private LongPollSession session() {
    return session(100, 1 << 20, new HeraldSettings.RateLimit(1000, 1000, 10));
  }

  private static EncodedFrame text(String json) {
    return new EncodedFrame(false, json.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> texts(LongPollSession.Answer answer) {
    return answer.messages().stream().map(f -> new String(f.bytes(), StandardCharsets.UTF_8)).toList();
  }

  private static LongPollSession.Answer poll(LongPollSession s) throws Exception {
    CompletableFuture<LongPollSession.Answer> answer = new CompletableFuture<>();
    s.poll(answer::complete, System.nanoTime());
    return answer.get(5, TimeUnit.SECONDS);
  }

  @Test
  void framesQueuedBeforeAPollAreItsAnswerInOrder() throws Exception {
    LongPollSession s = session();
    s.send(text("[1]"));
    s.send(text("[2]"));
    LongPollSession.Answer answer = poll(s);
    assertThat(answer.status()).isEqualTo(LongPollSession.Status.MESSAGES);
    assertThat(texts(answer)).containsExactly("[1]", "[2]");
    assertThat(s.queued()).isZero();
  }

  @Test
  void aWaitingPollIsAnsweredByTheFirstFrameAndAnEmptyWindowBy204() throws Exception {
    LongPollSession s = session();
    CompletableFuture<LongPollSession.Answer> waiting = new CompletableFuture<>();
    s.poll(waiting::complete, System.nanoTime());
    assertThat(waiting).isNotDone();
    s.send(text("[3]"));
    assertThat(texts(waiting.get(5, TimeUnit.SECONDS))).containsExactly("[3]");
    // nothing more: the window passes
    assertThat(poll(s)).isEqualTo(LongPollSession.Answer.EMPTY);
  }

  @Test
  void aNewerPollAnswersTheOlderWithNothing() throws Exception {
    LongPollSession s = session();
    CompletableFuture<LongPollSession.Answer> older = new CompletableFuture<>();
    CompletableFuture<LongPollSession.Answer> newer = new CompletableFuture<>();
    s.poll(older::complete, System.nanoTime());
    s.poll(newer::complete, System.nanoTime());
    assertThat(older.get(1, TimeUnit.SECONDS)).isEqualTo(LongPollSession.Answer.EMPTY);
    s.send(text("[4]"));
    assertThat(texts(newer.get(5, TimeUnit.SECONDS))).containsExactly("[4]");
  }

  @Test
  void aCancelledPollLeavesItsFramesForTheNext() throws Exception {
    LongPollSession s = session();
    CompletableFuture<LongPollSession.Answer> gone = new CompletableFuture<>();
    LongPollSession.Poll poll = gone::complete;
    s.poll(poll, System.nanoTime());
    s.cancel(poll);
    s.send(text("[5]"));
    Thread.sleep(50);
    assertThat(gone).isNotDone();
    assertThat(texts(poll(s))).containsExactly("[5]");
  }

  @Test
  void overTheMessageBoundTheSessionClosesAsASlowConsumerAndDropsItsQueue() throws Exception {
    LongPollSession s = session(3, 1 << 20, new HeraldSettings.RateLimit(1000, 1000, 10));
    for (int i = 0; i < 4; i++) {
      s.send(text("[" + i + "]"));
    }
    assertThat(s.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
    assertThat(s.queued()).isZero();
    assertThat(disconnected).hasValue(1);
    assertThat(poll(s)).isEqualTo(LongPollSession.Answer.GONE);
    s.send(text("[9]"));
    assertThat(s.queued()).isZero();
  }

  @Test
  void overTheByteBoundTheSessionClosesAsASlowConsumer() {
    LongPollSession s = session(100, 10, new HeraldSettings.RateLimit(1000, 1000, 10));
    s.send(text("[\"12345\"]"));
    assertThat(s.closeReason()).isNull();
    s.send(text("[\"12345\"]"));
    assertThat(s.closeReason()).isEqualTo(CloseReason.SLOW_CONSUMER);
  }

  @Test
  void aClosedSessionGivesItsLastFramesThen410() throws Exception {
    LongPollSession s = session();
    s.send(text("[\"phx_close\"]"));
    s.close(CloseReason.SERVER_SHUTTING_DOWN);
    assertThat(disconnected).hasValue(1);
    assertThat(texts(poll(s))).containsExactly("[\"phx_close\"]");
    assertThat(poll(s)).isEqualTo(LongPollSession.Answer.GONE);
    s.close(CloseReason.IDLE_TIMEOUT);
    assertThat(disconnected).hasValue(1);
  }

  @Test
  void aSessionWithoutPollsExpiresButNotWhileAPollWaits() throws Exception {
    LongPollSession s = session();
    long start = System.nanoTime();
    assertThat(s.expireIfIdle(start + IDLE / 2)).isFalse();
    CompletableFuture<LongPollSession.Answer> waiting = new CompletableFuture<>();
    s.poll(waiting::complete, start);
    assertThat(s.expireIfIdle(start + 2 * IDLE)).isFalse(); // a poll is waiting: the client is there
    waiting.get(5, TimeUnit.SECONDS); // the window ends
    assertThat(s.expireIfIdle(System.nanoTime() + 2 * IDLE)).isTrue();
    assertThat(disconnected).hasValue(1);
    assertThat(poll(s)).isEqualTo(LongPollSession.Answer.GONE);
  }

  @Test
  void binaryFramesAreNotQueued() {
    LongPollSession s = session();
    s.send(new EncodedFrame(true, new byte[] {2, 1, 1, 'a', 'b'}));
    assertThat(s.queued()).isZero();
  }

  @Test
  void postedLinesReachTheActorAndMalformedOnesAreAnswered() throws Exception {
    LongPollSession s = session();
    List<LongPollSession.Line> lines =
        LongPollBodies.lines(List.of("[null,\"1\",\"phoenix\",\"heartbeat\",{}]", "[null,\"2\",\"room:1\",7,{}]"));
    assertThat(s.post(lines, System.nanoTime())).isEqualTo(LongPollSession.PostResult.ACCEPTED);
    assertThat(inbound).extracting(Message::event).containsExactly("heartbeat");
    assertThat(texts(poll(s))).singleElement().asString().contains("\"2\"", "malformed message");
    // a line that names no ref cannot be answered: the session closes, as a WebSocket with 1007
    s.post(LongPollBodies.lines(List.of("garbage!")), System.nanoTime());
    assertThat(s.closeReason()).isEqualTo(CloseReason.MALFORMED_MESSAGE);
    assertThat(s.post(lines, System.nanoTime())).isEqualTo(LongPollSession.PostResult.GONE);
  }

  @Test
  void postsOverTheRateLimitAreRefusedAndTooManyInARowCloseTheSession() throws Exception {
    LongPollSession s = session(1000, 1 << 20, new HeraldSettings.RateLimit(1, 3, 5));
    List<String> hearts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      hearts.add("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
    }
    long now = System.nanoTime(); // both posts at one instant: no token refills between them
    s.post(LongPollBodies.lines(hearts), now);
    assertThat(inbound).hasSize(3);
    assertThat(texts(poll(s))).hasSize(3).allSatisfy(t -> assertThat(t).contains("rate limited"));
    assertThat(s.closeReason()).isNull();
    s.post(LongPollBodies.lines(hearts), now);
    assertThat(s.closeReason()).isEqualTo(CloseReason.RATE_LIMIT_EXCEEDED);
    assertThat(inbound).hasSize(3);
  }
}
