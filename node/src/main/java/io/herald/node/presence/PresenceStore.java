package io.herald.node.presence;

import io.herald.protocol.Payload;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;
import org.apache.pekko.cluster.ddata.LWWMap;

/**
 * This node's view of presence: the latest replica of each Distributed Data key (every node's entries),
 * this node's own entries (authoritative, seen at once, before their replication comes back), and, for
 * topics with local listeners, the view last published to them, from which diffs are made.
 *
 * <p>Thread-safe: sockets track and list from their own threads, the {@link PresenceReplicator} sets
 * replicas and flushes diffs. A topic's published view changes only under its map entry's lock.
 */
public final class PresenceStore {

  /** A listened topic: how many local channels listen, and what they were last told. */
  private static final class View {
    int listeners;
    Map<String, PresenceEntry> published;
    /**
     * {@link #published} encoded, made on the first join after a change: every join of a batch interval
     * shares it (each joiner gets the whole list, so 10,000 joins of one topic would otherwise encode it
     * 10,000 times).
     */
    Payload state;

    View(Map<String, PresenceEntry> published) {
      this.published = published;
    }
  }

  private final String self;
  private final AtomicReferenceArray<LWWMap<String, PresenceEntry>> replicas;
  /** Each replica's entries by topic, then by ref: made once per new replica, read by every lookup. */
  private final AtomicReferenceArray<Map<String, Map<String, PresenceEntry>>> byTopic;
  /**
   * The shards whose replica has entries of a topic: a topic's entries are spread over every shard
   * (by key), and a lookup must not visit all of them for a topic of a few members. Written by the
   * replicator only (with {@link #byTopic}, before it), read by any thread.
   */
  private final ConcurrentHashMap<String, Set<Integer>> shardsOf = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, PresenceEntry>> local = new ConcurrentHashMap<>();
  private final AtomicInteger localCount = new AtomicInteger();
  private final ConcurrentHashMap<String, View> views = new ConcurrentHashMap<>();
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();

  /** {@code self} is this node as {@link PresenceEntry#node} names it. */
  public PresenceStore(String self, int shards) {
    this.self = self;
    this.replicas = new AtomicReferenceArray<>(shards);
    this.byTopic = new AtomicReferenceArray<>(shards);
    for (int i = 0; i < shards; i++) {
      replicas.set(i, emptyReplica());
      byTopic.set(i, Map.of());
    }
  }

  /**
   * An empty replica: phx_ref to entry. Refs are never reused, so no ref is ever added on one node while
   * removed on another (the anomaly of concurrent add and remove in maps of sets, which brings removed
   * entries back), and a removed ref leaves nothing behind (an ORMultiMap with value deltas keeps every
   * topic ever used as an empty set).
   */
  public static LWWMap<String, PresenceEntry> emptyReplica() {
    return LWWMap.create();
  }

  public String self() {
    return self;
  }

  public int shards() {
    return replicas.length();
  }

  public LWWMap<String, PresenceEntry> replica(int shard) {
    return replicas.get(shard);
  }

  /** The entries of {@code shard}'s replica by topic. */
  public Map<String, Map<String, PresenceEntry>> replicaByTopic(int shard) {
    return byTopic.get(shard);
  }

  /** This node's entries. */
  public int localEntries() {
    return localCount.get();
  }

  /** This node's entries on every topic (for writing their removal when the node leaves). */
  public java.util.List<PresenceEntry> localSnapshot() {
    java.util.List<PresenceEntry> all = new java.util.ArrayList<>();
    local.values().forEach(m -> all.addAll(m.values()));
    return all;
  }

  public void putLocal(PresenceEntry e) {
    local.computeIfAbsent(e.topic(), t -> new ConcurrentHashMap<>()).put(e.ref(), e);
    localCount.incrementAndGet();
    touched(e.topic());
  }

  /** Puts {@code next} before removing {@code previous}, so a flush in between never shows the key gone. */
  public void replaceLocal(PresenceEntry previous, PresenceEntry next) {
    putLocal(next);
    removeLocal(previous);
  }

  public boolean removeLocal(PresenceEntry e) {
    boolean[] removed = {false};
    local.computeIfPresent(
        e.topic(),
        (t, entries) -> {
          removed[0] = entries.remove(e.ref()) != null;
          return entries.isEmpty() ? null : entries;
        });
    if (removed[0]) {
      localCount.decrementAndGet();
      touched(e.topic());
    }
    return removed[0];
  }

  /**
   * A new replica of {@code shard}: the listened topics whose entries in it changed are flushed next.
   * Returns the other nodes' entries it holds that the previous replica of the shard did not (first
   * seen now: the end of their replication lag). Only the presence replicator calls this, so replicas
   * of one shard never race.
   */
  public java.util.List<PresenceEntry> replicaChanged(int shard, LWWMap<String, PresenceEntry> replica) {
    Map<String, Map<String, PresenceEntry>> index = new HashMap<>();
    // the registers themselves: getEntries() would first copy the whole map
    var registers = replica.underlying().entries().valuesIterator();
    while (registers.hasNext()) {
      PresenceEntry e = registers.next().getValue();
      index.computeIfAbsent(e.topic(), t -> new HashMap<>()).put(e.ref(), e);
    }
    // a shard is named for a topic before its entries are there and after they are gone: a reader
    // at any moment finds every shard with entries of the topic
    for (String topic : index.keySet()) {
      shardsOf.computeIfAbsent(topic, t -> ConcurrentHashMap.newKeySet()).add(shard);
    }
    replicas.set(shard, replica);
    Map<String, Map<String, PresenceEntry>> previous = byTopic.getAndSet(shard, index);
    for (String topic : previous.keySet()) {
      if (!index.containsKey(topic)) {
        shardsOf.computeIfPresent(topic, (t, in) -> in.remove(shard) && in.isEmpty() ? null : in);
      }
    }
    markChanged(previous, index);
    markChanged(index, previous);
    java.util.List<PresenceEntry> firstSeen = new java.util.ArrayList<>();
    for (Map.Entry<String, Map<String, PresenceEntry>> topic : index.entrySet()) {
      Map<String, PresenceEntry> before = previous.getOrDefault(topic.getKey(), Map.of());
      for (PresenceEntry e : topic.getValue().values()) {
        if (!before.containsKey(e.ref()) && !self.equals(e.node())) {
          firstSeen.add(e);
        }
      }
    }
    return firstSeen;
  }

  private void markChanged(Map<String, Map<String, PresenceEntry>> from, Map<String, Map<String, PresenceEntry>> to) {
    for (Map.Entry<String, Map<String, PresenceEntry>> topic : from.entrySet()) {
      if (views.containsKey(topic.getKey()) && !Objects.equals(topic.getValue(), to.get(topic.getKey()))) {
        dirty.add(topic.getKey());
      }
    }
  }

  /** Who is on {@code topic} now: other nodes' entries from the replicas, this node's own. By phx_ref. */
  public Map<String, PresenceEntry> current(String topic) {
    Map<String, PresenceEntry> entries = new HashMap<>();
    for (int s : shardsOf.getOrDefault(topic, Set.of())) {
      Map<String, PresenceEntry> inShard = byTopic.get(s).get(topic);
      if (inShard != null) {
        for (PresenceEntry e : inShard.values()) {
          if (!self.equals(e.node())) {
            entries.put(e.ref(), e);
          }
        }
      }
    }
    Map<String, PresenceEntry> own = local.get(topic);
    if (own != null) {
      entries.putAll(own);
    }
    return entries;
  }

  /** {@link #current} in the {@code presence_state} shape. */
  public Payload list(String topic) {
    return PresenceJson.state(current(topic).values());
  }

  /**
   * A local channel starts listening to {@code topic}: returns the {@code presence_state} to push to it,
   * the view the next diffs start from.
   */
  public Payload listen(String topic) {
    View view =
        views.compute(
            topic,
            (t, v) -> {
              View listened = v != null ? v : new View(current(t));
              listened.listeners++;
              return listened;
            });
    synchronized (view) {
      if (view.state == null) {
        view.state = PresenceJson.state(view.published.values());
      }
      return view.state;
    }
  }

  public void unlisten(String topic) {
    views.computeIfPresent(topic, (t, v) -> --v.listeners == 0 ? null : v);
  }

  /** Topics with local listeners. */
  public int listenedTopics() {
    return views.size();
  }

  /**
   * Compares each changed listened topic with what its listeners were told, hands each non-empty diff
   * to {@code emit} and makes the current view the published one.
   */
  public void flush(BiConsumer<String, PresenceDiff> emit) {
    for (var it = dirty.iterator(); it.hasNext(); ) {
      String topic = it.next();
      it.remove();
      views.computeIfPresent(
          topic,
          (t, view) -> {
            synchronized (view) {
              Map<String, PresenceEntry> now = current(t);
              PresenceDiff diff = PresenceDiff.between(view.published, now);
              view.published = now;
              if (!diff.isEmpty()) {
                view.state = null;
                emit.accept(t, diff);
              }
            }
            return view;
          });
    }
  }

  private void touched(String topic) {
    if (views.containsKey(topic)) {
      dirty.add(topic);
    }
  }
}
