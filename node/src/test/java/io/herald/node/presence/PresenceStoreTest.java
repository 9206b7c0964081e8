package io.herald.node.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.node.channel.PresenceMeta;
import io.herald.node.channel.PresenceRefused;
import io.herald.protocol.Payload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.junit.jupiter.api.Test;

/** The node's presence view without an actor system: replicas as Distributed Data would hand them over. */
class PresenceStoreTest {
  private static final UniqueAddress SELF = new UniqueAddress(new Address("pekko", "herald", "127.0.0.1", 1), 1L);
  private static final UniqueAddress OTHER = new UniqueAddress(new Address("pekko", "herald", "127.0.0.1", 2), 2L);
  private static final int SHARDS = 8;

  private final PresenceStore store = new PresenceStore(PresenceReplicator.nodeName(SELF), SHARDS);

  private static PresenceEntry entry(UniqueAddress node, String topic, String key, String ref, String meta) {
    return new PresenceEntry(PresenceReplicator.nodeName(node), topic, key, ref, null, meta, 0L);
  }

  /** What a replica of {@code shard} holds after {@code node} added {@code entries} there. */
  private static LWWMap<String, PresenceEntry> replica(LWWMap<String, PresenceEntry> base, UniqueAddress node, PresenceEntry... entries) {
    LWWMap<String, PresenceEntry> m = base;
    for (PresenceEntry e : entries) {
      m = m.put(new SelfUniqueAddress(node), e.ref(), e);
    }
    return m;
  }

  private static String text(Payload p) {
    return new String(p.bytes(), StandardCharsets.UTF_8);
  }

  private void deliver(PresenceEntry... entries) {
    for (PresenceEntry e : entries) {
      int shard = PresenceShards.of(e.topic(), e.key(), SHARDS);
      store.replicaChanged(shard, replica(store.replica(shard), OTHER, e));
    }
  }

  private List<PresenceDiff> flush(String topic) {
    List<PresenceDiff> diffs = new ArrayList<>();
    store.flush((t, d) -> {
      assertThat(t).isEqualTo(topic);
      diffs.add(d);
    });
    return diffs;
  }

  @Test
  void ownEntriesAreListedAtOnceAndOtherNodesFromTheirReplicas() {
    PresenceEntry mine = entry(SELF, "room:a", "ada", "r1", "{\"n\":1}");
    store.putLocal(mine);
    deliver(entry(OTHER, "room:a", "bob", "r2", "{}"), entry(OTHER, "room:b", "eve", "r3", "{}"));
    assertThat(store.current("room:a")).containsOnlyKeys("r1", "r2");
    assertThat(store.localEntries()).isEqualTo(1);
    // this node's own entries coming back through the replica are not counted twice
    int shard = PresenceShards.of("room:a", "ada", SHARDS);
    store.replicaChanged(shard, replica(store.replica(shard), SELF, mine));
    assertThat(store.current("room:a")).hasSize(2);
  }

  @Test
  void listenersGetTheStateThenOneDiffPerBatchWithEveryChangeOfIt() {
    store.putLocal(entry(SELF, "room:a", "ada", "r1", "{}"));
    Payload state = store.listen("room:a");
    assertThat(text(state)).isEqualTo("{\"ada\":{\"metas\":[{\"phx_ref\":\"r1\"}]}}");
    assertThat(flush("room:a")).isEmpty();

    deliver(entry(OTHER, "room:a", "bob", "r2", "{\"x\":true}"));
    store.putLocal(entry(SELF, "room:a", "cy", "r3", "{}"));
    store.removeLocal(entry(SELF, "room:a", "ada", "r1", "{}"));
    List<PresenceDiff> diffs = flush("room:a");
    assertThat(diffs).hasSize(1);
    assertThat(diffs.get(0).joins()).extracting(PresenceEntry::ref).containsExactlyInAnyOrder("r2", "r3");
    assertThat(diffs.get(0).leaves()).extracting(PresenceEntry::ref).containsExactly("r1");
    assertThat(flush("room:a")).as("nothing changed since").isEmpty();
  }

  @Test
  void anEntryThatJoinsAndLeavesWithinOneBatchIsNeverSent() {
    store.listen("room:a");
    PresenceEntry brief = entry(SELF, "room:a", "ada", "r1", "{}");
    store.putLocal(brief);
    store.removeLocal(brief);
    assertThat(flush("room:a")).isEmpty();
  }

  @Test
  void topicsWithoutListenersAreNotDiffed() {
    store.putLocal(entry(SELF, "room:quiet", "ada", "r1", "{}"));
    deliver(entry(OTHER, "room:quiet", "bob", "r2", "{}"));
    List<String> flushed = new ArrayList<>();
    store.flush((t, d) -> flushed.add(t));
    assertThat(flushed).isEmpty();
    store.listen("room:quiet");
    store.unlisten("room:quiet");
    assertThat(store.listenedTopics()).isZero();
  }

  @Test
  void anUpdateIsAJoinWithPhxRefPrevAndALeaveInOneDiff() {
    PresenceEntry before = entry(SELF, "room:a", "ada", "r1", "{\"s\":\"on\"}");
    store.putLocal(before);
    store.listen("room:a");
    PresenceEntry after = new PresenceEntry(before.node(), "room:a", "ada", "r2", "r1", "{\"s\":\"away\"}", 0L);
    store.replaceLocal(before, after);
    List<PresenceDiff> diffs = flush("room:a");
    assertThat(diffs).hasSize(1);
    assertThat(text(PresenceJson.diff(diffs.get(0))))
        .isEqualTo(
            "{\"joins\":{\"ada\":{\"metas\":[{\"phx_ref\":\"r2\",\"phx_ref_prev\":\"r1\",\"s\":\"away\"}]}},"
                + "\"leaves\":{\"ada\":{\"metas\":[{\"phx_ref\":\"r1\",\"s\":\"on\"}]}}}");
  }

  @Test
  void stateGroupsMetasByKeyAndEscapesKeys() {
    String json =
        text(PresenceJson.state(List.of(
            entry(SELF, "t", "a\"b", "r1", "{}"), entry(SELF, "t", "a\"b", "r2", "{\"k\":[1]}"), entry(SELF, "t", "__proto__", "r3", "{}"))));
    assertThat(json)
        .isEqualTo("{\"a\\\"b\":{\"metas\":[{\"phx_ref\":\"r1\"},{\"phx_ref\":\"r2\",\"k\":[1]}]},\"__proto__\":{\"metas\":[{\"phx_ref\":\"r3\"}]}}");
  }

  @Test
  void metasMustBeObjectsWithinTheLimitAndLoseClientSetRefs() {
    assertThat(PresenceMeta.validate(Payload.json("{\"phx_ref\":\"forged\",\"name\":\"Ada\"}"), 100)).isEqualTo("{\"name\":\"Ada\"}");
    for (String bad : List.of("[1]", "\"x\"", "3", "null")) {
      assertThatThrownBy(() -> PresenceMeta.validate(Payload.json(bad), 100))
          .isInstanceOf(PresenceRefused.class)
          .hasMessage("invalid presence meta");
    }
    assertThatThrownBy(() -> PresenceMeta.validate(Payload.binary(new byte[] {1}), 100)).isInstanceOf(PresenceRefused.class);
    assertThatThrownBy(() -> PresenceMeta.validate(Payload.json("{\"b\":\"" + "x".repeat(100) + "\"}"), 100))
        .hasMessage("presence meta too large");
  }

  @Test
  void shardsSpreadOneTopicsKeysAndRefsAreUnique() {
    Set<Integer> shards = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      shards.add(PresenceShards.of("room:big", "user-" + i, 256));
    }
    assertThat(shards).hasSizeGreaterThan(200);
    PresenceRefs refs = new PresenceRefs("node");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(refs.next())).isTrue();
    }
    assertThat(seen.iterator().next()).matches("[A-Za-z0-9_-]{16}");
  }

  @Test
  void diffBetweenViewsByRef() {
    PresenceEntry a = entry(SELF, "t", "a", "1", "{}");
    PresenceEntry b = entry(SELF, "t", "b", "2", "{}");
    PresenceDiff d = PresenceDiff.between(Map.of("1", a), Map.of("2", b));
    assertThat(d.joins()).containsExactly(b);
    assertThat(d.leaves()).containsExactly(a);
    assertThat(PresenceDiff.between(Map.of("1", a), Map.of("1", a)).isEmpty()).isTrue();
  }

  @Test
  void aRemovedEntryLeavesNothingInTheReplicaAndConcurrentChangesOnOtherNodesSurvive() {
    SelfUniqueAddress me = new SelfUniqueAddress(SELF);
    PresenceEntry e = entry(SELF, "room:gone", "ada", "r1", "{}");
    LWWMap<String, PresenceEntry> tracked = PresenceStore.emptyReplica().put(me, e.ref(), e);
    LWWMap<String, PresenceEntry> left = tracked.remove(me, e.ref());
    assertThat(left.underlying().size()).as("nothing kept for the removed ref").isZero();
    PresenceEntry other = entry(OTHER, "room:gone", "bob", "r2", "{}");
    LWWMap<String, PresenceEntry> joined = tracked.put(new SelfUniqueAddress(OTHER), other.ref(), other);
    assertThat(left.merge(joined).getEntries()).containsOnlyKeys("r2");
    assertThat(joined.merge(left).getEntries()).containsOnlyKeys("r2");
  }

  @Test
  void aReplicaThatLosesATopicsEntriesMarksItChanged() {
    store.listen("room:a");
    PresenceEntry bob = entry(OTHER, "room:a", "bob", "r2", "{}");
    deliver(bob);
    assertThat(flush("room:a")).hasSize(1);
    int shard = PresenceShards.of("room:a", "bob", SHARDS);
    store.replicaChanged(shard, store.replica(shard).remove(new SelfUniqueAddress(OTHER), "r2"));
    List<PresenceDiff> diffs = flush("room:a");
    assertThat(diffs).hasSize(1);
    assertThat(diffs.get(0).leaves()).containsExactly(bob);
    assertThat(store.current("room:a")).isEmpty();
    deliver(entry(OTHER, "room:a", "bob", "r5", "{}"));
    assertThat(store.current("room:a")).as("the topic back in the shard").containsOnlyKeys("r5");
  }

  @Test
  void joinsBetweenTwoFlushesShareOneEncodedState() {
    store.putLocal(entry(SELF, "room:a", "ada", "r1", "{}"));
    Payload first = store.listen("room:a");
    assertThat(store.listen("room:a")).isSameAs(first);
    store.putLocal(entry(SELF, "room:a", "bob", "r2", "{}"));
    assertThat(store.listen("room:a")).as("until the flush, joiners get what the diffs start from").isSameAs(first);
    flush("room:a");
    assertThat(text(store.listen("room:a"))).contains("bob");
  }

  @Test
  void aReplicaReportsTheOtherNodesEntriesItShowsForTheFirstTime() {
    PresenceEntry bob = entry(OTHER, "room:a", "bob", "r2", "{}");
    int shard = PresenceShards.of("room:a", "bob", SHARDS);
    assertThat(store.replicaChanged(shard, replica(store.replica(shard), OTHER, bob))).containsExactly(bob);
    assertThat(store.replicaChanged(shard, store.replica(shard))).as("seen before").isEmpty();
    PresenceEntry mine = entry(SELF, "room:a", "bob", "r3", "{}");
    assertThat(store.replicaChanged(shard, replica(store.replica(shard), SELF, mine))).as("this node's own").isEmpty();
    PresenceEntry updated = new PresenceEntry(bob.node(), "room:a", "bob", "r4", "r2", "{\"s\":1}", 0L);
    LWWMap<String, PresenceEntry> replaced = store.replica(shard).remove(new SelfUniqueAddress(OTHER), "r2");
    assertThat(store.replicaChanged(shard, replica(replaced, OTHER, updated))).as("an update is a new entry").containsExactly(updated);
  }

  @Test
  void replicationLagRunsFromTheWritersClockToTheReadersAndSkipsEntriesOlderThanTheReader() {
    ReplicationLag lag = new ReplicationLag(1_000);
    PresenceEntry made = new PresenceEntry("n", "t", "k", "r", null, "{}", 5_000);
    assertThat(lag.millis(made, 5_250)).isEqualTo(250);
    assertThat(lag.millis(made, 4_990)).as("the writer's clock ahead of the reader's").isZero();
    PresenceEntry old = new PresenceEntry("n", "t", "k", "r", null, "{}", 999);
    assertThat(lag.millis(old, 5_000)).as("made before this node started: read at start, not replicated late").isEqualTo(ReplicationLag.NOT_MEASURED);
  }
}
