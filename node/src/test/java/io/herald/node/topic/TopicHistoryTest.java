package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.herald.protocol.RecoveryReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A topic's history without an actor: its bounds, what a rejoin recovers, and the API's pages. */
class TopicHistoryTest {
  private static final long T0 = 1_000_000;

  private static HistoryEntry entry(long seq, long atMillis) {
    return new HistoryEntry(seq, "msg", new byte[100], false, atMillis);
  }

  private static TopicHistory filled(int limit, long upTo, TopicHistory.Budget budget) {
    TopicHistory h = new TopicHistory(new HistoryPolicy(limit, Duration.ofMinutes(5)), budget);
    for (long seq = 1; seq <= upTo; seq++) {
      h.append(entry(seq, T0 + seq), T0 + seq);
    }
    return h;
  }

  @Test
  void keepsTheLastMessagesByCountAndRecoversEveryOneAfterSince() {
    TopicHistory h = filled(5, 8, new TopicHistory.Budget(1 << 20));
    assertThat(h.size()).isEqualTo(5); // 4..8
    TopicHistory.Recovery r = h.after(3, 8, T0 + 10);
    assertThat(r.recovered()).isTrue();
    assertThat(r.missed()).extracting(HistoryEntry::seq).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(h.after(8, 8, T0 + 10).missed()).isEmpty();
    assertThat(h.after(8, 8, T0 + 10).recovered()).isTrue();
  }

  @Test
  void aSinceOlderThanTheHistoryOrInTheFutureIsRefusedNeverPartlyReplayed() {
    TopicHistory h = filled(5, 8, new TopicHistory.Budget(1 << 20));
    assertThat(h.after(2, 8, T0 + 10).refused()).isEqualTo(RecoveryReason.HISTORY_TRIMMED);
    assertThat(h.after(9, 8, T0 + 10).refused()).isEqualTo(RecoveryReason.FUTURE_SINCE);
    assertThat(h.after(0, 8, T0 + 10).missed()).isEmpty();
  }

  @Test
  void messagesOlderThanTheTtlAreDropped() {
    TopicHistory h = filled(100, 3, new TopicHistory.Budget(1 << 20));
    long later = T0 + Duration.ofMinutes(5).toMillis() + 2; // seq 1 is now too old, 2 and 3 not
    TopicHistory.Recovery r = h.after(1, 3, later);
    assertThat(r.missed()).extracting(HistoryEntry::seq).containsExactly(2L, 3L);
    assertThat(h.after(0, 3, later).refused()).isEqualTo(RecoveryReason.HISTORY_TRIMMED);
    h.expire(T0 + Duration.ofMinutes(10).toMillis());
    assertThat(h.size()).isZero();
    assertThat(h.after(2, 3, T0 + Duration.ofMinutes(10).toMillis()).refused()).isEqualTo(RecoveryReason.HISTORY_TRIMMED);
  }

  @Test
  void aNodeOverItsByteBudgetTrimsTheTopicThatAppendsAndGetsItsBytesBackWhenATopicStops() {
    long perEntry = entry(1, 0).bytes();
    TopicHistory.Budget budget = new TopicHistory.Budget(10 * perEntry);
    TopicHistory a = filled(100, 8, budget);
    TopicHistory b = filled(100, 5, budget);
    assertThat(budget.used()).isLessThanOrEqualTo(10 * perEntry);
    assertThat(a.size()).isEqualTo(8);
    assertThat(b.size()).isEqualTo(2); // b appended past the budget: its own oldest went
    assertThat(b.after(2, 5, T0 + 10).refused()).isEqualTo(RecoveryReason.HISTORY_TRIMMED);
    a.release();
    assertThat(budget.used()).isEqualTo(b.bytes());
  }

  @Test
  void pagesStopAtTheirLimitOrSizeAndSayWhetherTheyAreComplete() {
    TopicHistory h = filled(5, 8, new TopicHistory.Budget(1 << 20));
    TopicHistory.Page first = h.page(3, 2, 1 << 20, T0 + 10);
    assertThat(first.entries()).extracting(HistoryEntry::seq).containsExactly(4L, 5L);
    assertThat(first.complete()).isTrue();
    assertThat(first.more()).isTrue();
    TopicHistory.Page small = h.page(3, 100, 1, T0 + 10);
    assertThat(small.entries()).hasSize(1); // at least one, whatever the size
    TopicHistory.Page old = h.page(0, 100, 1 << 20, T0 + 10);
    assertThat(old.complete()).isFalse();
    assertThat(old.entries()).extracting(HistoryEntry::seq).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(old.more()).isFalse();
  }

  @Test
  void policiesComeFromTheFirstMatchingChannelPattern() {
    HistoryPolicy.Lookup lookup =
        HistoryPolicy.Lookup.fromConfig(
            ConfigFactory.parseString(
                """
                topic.history-ttl = 1m
                channels = [
                  { pattern = "room:quiet", handler = "broadcast" }
                  { pattern = "room:*", handler = "broadcast", history = 50 }
                  { pattern = "feed:*", handler = "broadcast", history = 10, history-ttl = 30s }
                ]
                """));
    assertThat(lookup.of("room:quiet")).isEqualTo(HistoryPolicy.NONE);
    assertThat(lookup.of("room:42")).isEqualTo(new HistoryPolicy(50, Duration.ofMinutes(1)));
    assertThat(lookup.of("feed:x")).isEqualTo(new HistoryPolicy(10, Duration.ofSeconds(30)));
    assertThat(lookup.of("other")).isEqualTo(HistoryPolicy.NONE);
    assertThatThrownBy(() -> HistoryPolicy.Lookup.fromConfig(ConfigFactory.parseString(
            "topic.history-ttl = 1m\nchannels = [{ pattern = \"a:*\", handler = \"broadcast\", history = -1 }]")))
        .hasMessageContaining("a:*");
  }
}
