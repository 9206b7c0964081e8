package io.herald.node.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WarmUpTopicsTest {
  private static final int SHARDS = 100;
  /** Pekko's default: abs(hashCode) mod the number of shards. */
  private static final Function<String, String> SHARD_OF = t -> Integer.toString(Math.abs(t.hashCode()) % SHARDS);

  @Test
  void withNoShardOwnedElsewhereAndShardsToSpareTheNamesAreThePlainSequence() {
    assertThat(WarmUpTopics.choose("w:", 3, Set.of(), new HashSet<>(), SHARDS, SHARD_OF)).containsExactly("w:0", "w:1", "w:2");
  }

  @Test
  void theNamesOfSeveralCallsShareAtMostMaxShardsShards() {
    Set<String> inUse = new HashSet<>();
    List<String> first = WarmUpTopics.choose("a:", 40, Set.of(), inUse, 3, SHARD_OF);
    List<String> second = WarmUpTopics.choose("b:", 60, Set.of(), inUse, 3, SHARD_OF);
    assertThat(inUse).hasSize(3);
    assertThat(first).hasSize(40).allSatisfy(t -> assertThat(SHARD_OF.apply(t)).isIn(inUse));
    assertThat(second).hasSize(60).allSatisfy(t -> assertThat(SHARD_OF.apply(t)).isIn(inUse));
  }

  @Test
  void everyNameFallsInAShardNoOtherNodeOwns() {
    Set<String> elsewhere = new HashSet<>();
    for (int s = 0; s < SHARDS; s++) {
      if (s != 7 && s != 42) {
        elsewhere.add(Integer.toString(s));
      }
    }
    List<String> topics = WarmUpTopics.choose("herald:warm-up:ab:f", 50, elsewhere, new HashSet<>(), 8, SHARD_OF);
    assertThat(topics).hasSize(50).doesNotHaveDuplicates();
    assertThat(topics).allSatisfy(t -> assertThat(SHARD_OF.apply(t)).isIn("7", "42"));
  }

  @Test
  void whenEveryShardIsOwnedElsewhereItStillGivesAsManyNames() {
    Set<String> all = new HashSet<>();
    for (int s = 0; s < SHARDS; s++) {
      all.add(Integer.toString(s));
    }
    assertThat(WarmUpTopics.choose("w:", 5, all, new HashSet<>(), 8, SHARD_OF)).hasSize(5).doesNotHaveDuplicates();
  }

  @Test
  void aNodeAloneWarmsUpAndSoDoesOneJoiningPeersThatOwnSomeShards() {
    assertThat(WarmUpTopics.reasonToSkip(0, Set.of(), SHARDS)).isEmpty();
    assertThat(WarmUpTopics.reasonToSkip(2, Set.of("3", "17"), SHARDS)).isEmpty();
  }

  @Test
  void aFormingClusterWherePeersOwnNoShardSkipsSayingWhy() {
    assertThat(WarmUpTopics.reasonToSkip(2, Set.of(), SHARDS)).hasValueSatisfying(why -> assertThat(why).contains("forming"));
  }

  @Test
  void peersOwningEveryShardSkipSayingWhy() {
    Set<String> all = new HashSet<>();
    for (int s = 0; s < SHARDS; s++) {
      all.add(Integer.toString(s));
    }
    assertThat(WarmUpTopics.reasonToSkip(1, all, SHARDS)).hasValueSatisfying(why -> assertThat(why).contains("all 100 shards"));
    all.remove("99");
    assertThat(WarmUpTopics.reasonToSkip(1, all, SHARDS)).isEmpty();
  }
}
