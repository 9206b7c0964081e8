package io.herald.node.warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Picks the warm-up's topic names so that its traffic stays on the starting node. A topic's entity
 * lives on the node that owns its shard; a topic whose shard another node owns would send every
 * warm-up message to that node, which in a rolling deploy is serving users. Shards nobody owns yet
 * are fine as long as they are few: the coordinator gives a new shard to the region with the fewest,
 * which a starting node is for its first few, but not once it has caught up with the others.
 */
final class WarmUpTopics {
  /** Names tried per name wanted before giving up on placement (only when nearly every shard is taken). */
  private static final int ATTEMPTS_PER_TOPIC = 10_000;

  private WarmUpTopics() {}

  /**
   * {@code count} names {@code prefix + n} whose shards ({@code shardOf}) are not in
   * {@code ownedElsewhere} and, together with {@code shardsInUse}, number at most {@code maxShards};
   * when too few such names turn up, the rest are taken as they come. Adds the shards used to
   * {@code shardsInUse}, so that several calls share one small set.
   */
  static List<String> choose(
      String prefix, int count, Set<String> ownedElsewhere, Set<String> shardsInUse, int maxShards, Function<String, String> shardOf) {
    List<String> topics = new ArrayList<>(count);
    long limit = (long) count * ATTEMPTS_PER_TOPIC;
    long n = 0;
    for (; topics.size() < count && n < limit; n++) {
      String topic = prefix + n;
      String shard = shardOf.apply(topic);
      if (ownedElsewhere.contains(shard)) {
        continue;
      }
      if (shardsInUse.contains(shard) || shardsInUse.size() < maxShards) {
        shardsInUse.add(shard);
        topics.add(topic);
      }
    }
    while (topics.size() < count) {
      topics.add(prefix + n++);
    }
    return topics;
  }

  /**
   * Why the warm-up should not run, if it should not: when peers ({@code peers} other members, joining
   * or up) own no shard, the cluster is forming (its nodes started together and serve no topic yet:
   * their warm-ups would each allocate shards on the others and compete for the same cores and
   * coordinator, and no user waits on them); when they own every one of the {@code numberOfShards}
   * shards (ids {@code "0"} to {@code numberOfShards - 1}), the warm-up's topics could only live on
   * nodes that serve users. A node alone, or joining peers that own some but not all shards, warms up.
   */
  static Optional<String> reasonToSkip(int peers, Set<String> ownedElsewhere, int numberOfShards) {
    if (peers > 0 && ownedElsewhere.isEmpty()) {
      return Optional.of("the cluster is forming (" + peers + " other members, none owns a shard yet): no user waits for a warm node, and the members' warm-ups would compete for the same shards");
    }
    for (int shard = 0; shard < numberOfShards; shard++) {
      if (!ownedElsewhere.contains(Integer.toString(shard))) {
        return Optional.empty();
      }
    }
    return Optional.of("other nodes own all " + numberOfShards + " shards, so its traffic would run on nodes that serve users");
  }
}
