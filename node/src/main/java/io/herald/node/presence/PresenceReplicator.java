package io.herald.node.presence;

import io.herald.node.metrics.NodeMetrics;
import io.herald.node.topic.NodeFanout;
import io.herald.protocol.ReservedEvents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's presence in Distributed Data, and the diffs its listeners get.
 *
 * <p>State: the node's {@link PresenceStore} (shared with the sockets, which put their entries in it
 * at once), which socket owns which entry (to remove them if the socket's actor stops without
 * untracking), and the nodes seen removed. Writes: this node's own entries only, each into key
 * {@code herald-presence-<shard>} ({@link PresenceShards}), an {@link LWWMap} of phx_ref to entry
 * ({@link PresenceStore#emptyReplica}), written locally and spread by delta propagation; plus the removal of entries of nodes
 * that left or were downed, which every survivor writes (idempotent). Reads: it subscribes to every
 * key, hands each new replica to the store, and every {@code batch-interval} has the store diff the
 * changed topics that have local listeners; each diff goes out once per node through the
 * {@link NodeFanout} as {@code presence_diff}.
 */
public final class PresenceReplicator extends AbstractBehavior<PresenceReplicator.Command> {
  private static final Logger log = LoggerFactory.getLogger(PresenceReplicator.class);

  public static final String NAME = "presence";
  static final String KEY_PREFIX = "herald-presence-";

  /** Messages of the presence replicator. */
  public sealed interface Command {}

  /** Replicate an entry the store already holds; {@code owner} is the socket actor that tracks it. */
  public record Add(PresenceEntry entry, ActorRef<?> owner) implements Command {}

  /** Replicate the removal of an entry the store no longer holds. */
  public record Remove(PresenceEntry entry, ActorRef<?> owner) implements Command {}

  /** Replicate an update: {@code next} replaces {@code previous} (same topic and key, so one key). */
  public record Replace(PresenceEntry previous, PresenceEntry next, ActorRef<?> owner) implements Command {}

  /** The node is shutting down: remove its entries from every node now; answered when written (or timed out). */
  public record Leave(ActorRef<Done> replyTo) implements Command {}

  private record ReplicaChanged(Replicator.SubscribeResponse<LWWMap<String, PresenceEntry>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, PresenceEntry>> response) implements Command {}

  private record LeaveWritten(Replicator.UpdateResponse<LWWMap<String, PresenceEntry>> response, ActorRef<Done> replyTo)
      implements Command {}

  private record NodeRemoved(UniqueAddress node) implements Command {}

  private record OwnerStopped(ActorRef<?> owner) implements Command {}

  private enum Flush implements Command {
    INSTANCE
  }

  private enum Sweep implements Command {
    INSTANCE
  }

  /** Write what {@link #enqueue} queued. */
  private enum WritePending implements Command {
    INSTANCE
  }

  /** One write to a key: put {@code entry} under {@code ref}, or remove {@code ref} (entry null). */
  private record Write(String ref, PresenceEntry entry) {}

  /** {@link PresenceEntry#node} of a cluster member: its address and uid, new for every incarnation. */
  public static String nodeName(UniqueAddress node) {
    return node.address().toString() + "#" + node.longUid();
  }

  /** {@code ddata}: the Distributed Data replicator presence writes to (its own, see {@link Presence#start}). */
  public static Behavior<Command> create(
      ActorRef<Replicator.Command> ddata,
      PresenceStore store,
      PresenceSettings settings,
      ActorRef<NodeFanout.Command> fanout,
      NodeMetrics metrics) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new PresenceReplicator(
                        ctx,
                        new ReplicatorMessageAdapter<>(ctx, ddata, unexpectedAskTimeout(ctx)),
                        ddata,
                        timers,
                        store,
                        settings,
                        fanout,
                        metrics)));
  }

  /** What Pekko's own adapter (DistributedData.withReplicatorMessageAdapter) uses. */
  private static java.time.Duration unexpectedAskTimeout(ActorContext<Command> ctx) {
    return ctx.getSystem().settings().config().getDuration("pekko.cluster.ddata.typed.replicator-message-adapter-unexpected-ask-timeout");
  }

  private final ReplicatorMessageAdapter<Command, LWWMap<String, PresenceEntry>> replicator;
  /**
   * Distributed Data's replicator, told (not asked) to write: an ask times out after 20 s and the
   * timeout would stop this actor, which happened when a burst of 10,000 joins kept the replicator busy.
   */
  private final ActorRef<Replicator.Command> ddata;
  private final ActorRef<Replicator.UpdateResponse<LWWMap<String, PresenceEntry>>> written;
  private final PresenceStore store;
  private final PresenceSettings settings;
  private final ActorRef<NodeFanout.Command> fanout;
  private final NodeMetrics metrics;
  private final SelfUniqueAddress self;
  private final List<Key<LWWMap<String, PresenceEntry>>> keys = new ArrayList<>();
  private final Map<ActorRef<?>, Map<String, PresenceEntry>> owners = new HashMap<>();
  /** Nodes seen removed from the cluster, whose entries every sweep removes. */
  private final Set<String> removedNodes = new HashSet<>();
  /** Nodes with entries that were not members at the last sweep: removed at the next if still not. */
  private Set<String> strangers = Set.of();
  private final ReplicationLag replicationLag = new ReplicationLag(System.currentTimeMillis());
  /** Writes not yet sent, by shard (the longest waiting first), each shard's in order. */
  private final Map<Integer, List<Write>> pendingWrites = new java.util.LinkedHashMap<>();
  /** Updates sent to the replicator and not answered yet. */
  private int updatesInFlight;
  private boolean writeScheduled;
  private boolean answeredSinceSweep;
  private int pendingLeaveWrites;
  private boolean leaving;

  private PresenceReplicator(
      ActorContext<Command> ctx,
      ReplicatorMessageAdapter<Command, LWWMap<String, PresenceEntry>> replicator,
      ActorRef<Replicator.Command> ddata,
      TimerScheduler<Command> timers,
      PresenceStore store,
      PresenceSettings settings,
      ActorRef<NodeFanout.Command> fanout,
      NodeMetrics metrics) {
    super(ctx);
    this.replicator = replicator;
    this.store = store;
    this.settings = settings;
    this.fanout = fanout;
    this.metrics = metrics;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    this.ddata = ddata;
    this.written = writtenAdapter(ctx);
    for (int s = 0; s < store.shards(); s++) {
      Key<LWWMap<String, PresenceEntry>> key = LWWMapKey.create(KEY_PREFIX + s);
      keys.add(key);
      replicator.subscribe(key, ReplicaChanged::new);
    }
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberRemoved.class, e -> new NodeRemoved(e.member().uniqueAddress())), ClusterEvent.MemberRemoved.class));
    timers.startTimerWithFixedDelay(Flush.INSTANCE, settings.batchInterval());
    timers.startTimerWithFixedDelay(Sweep.INSTANCE, settings.sweepInterval());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ActorRef<Replicator.UpdateResponse<LWWMap<String, PresenceEntry>>> writtenAdapter(ActorContext<Command> ctx) {
    return (ActorRef) ctx.messageAdapter(Replicator.UpdateResponse.class, r -> new Written(r));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Add.class, this::onAdd)
        .onMessage(Remove.class, this::onRemove)
        .onMessage(Replace.class, this::onReplace)
        .onMessage(ReplicaChanged.class, this::onReplicaChanged)
        .onMessageEquals(Flush.INSTANCE, this::onFlush)
        .onMessageEquals(WritePending.INSTANCE, this::onWritePending)
        .onMessage(Written.class, this::onWritten)
        .onMessage(NodeRemoved.class, this::onNodeRemoved)
        .onMessageEquals(Sweep.INSTANCE, this::onSweep)
        .onMessage(OwnerStopped.class, this::onOwnerStopped)
        .onMessage(Leave.class, this::onLeave)
        .onMessage(LeaveWritten.class, this::onLeaveWritten)
        .build();
  }

  private Behavior<Command> onAdd(Add add) {
    PresenceEntry e = add.entry();
    own(add.owner(), e);
    if (!leaving) {
      enqueue(e, new Write(e.ref(), e));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRemove(Remove remove) {
    PresenceEntry e = remove.entry();
    disown(remove.owner(), e);
    enqueue(e, new Write(e.ref(), null));
    return Behaviors.same();
  }

  private Behavior<Command> onReplace(Replace replace) {
    PresenceEntry previous = replace.previous();
    PresenceEntry next = replace.next();
    disown(replace.owner(), previous);
    own(replace.owner(), next);
    if (!leaving) {
      enqueue(next, new Write(previous.ref(), null));
      enqueue(next, new Write(next.ref(), next));
    }
    return Behaviors.same();
  }

  /**
   * Queues a write to {@code e}'s key. Writes go to Distributed Data as one update per key, at most
   * {@code max-updates-in-flight} unanswered: idle, each write goes on this actor's next turn; in a
   * burst the writes that wait for an answer pile up per key and go together (an update costs the
   * replicator a delta, a digest to redo and an answer, whatever it holds).
   */
  private void enqueue(PresenceEntry e, Write write) {
    enqueue(PresenceShards.of(e.topic(), e.key(), keys.size()), List.of(write));
  }

  private void enqueue(int shard, List<Write> writes) {
    pendingWrites.computeIfAbsent(shard, s -> new ArrayList<>()).addAll(writes);
    if (!writeScheduled && updatesInFlight < settings.maxUpdatesInFlight()) {
      writeScheduled = true;
      getContext().getSelf().tell(WritePending.INSTANCE);
    }
  }

  private Behavior<Command> onWritePending() {
    writeScheduled = false;
    writePending(settings.maxUpdatesInFlight());
    return Behaviors.same();
  }

  /** Sends the keys' queued writes, the longest waiting first, while fewer than {@code limit} are unanswered. */
  private void writePending(int limit) {
    for (var it = pendingWrites.entrySet().iterator(); it.hasNext() && updatesInFlight < limit; ) {
      Map.Entry<Integer, List<Write>> next = it.next();
      it.remove();
      List<Write> writes = next.getValue();
      updatesInFlight++;
      metrics.presenceUpdates.inc();
      ddata.tell(
          new Replicator.Update<>(
              keys.get(next.getKey()),
              PresenceStore.emptyReplica(),
              Replicator.writeLocal(),
              written,
              m -> {
                LWWMap<String, PresenceEntry> result = m;
                for (Write w : writes) {
                  result = w.entry() == null ? result.remove(self, w.ref()) : result.put(self, w.ref(), w.entry());
                }
                return result;
              }));
    }
  }

  private Behavior<Command> onWritten(Written w) {
    updatesInFlight = Math.max(0, updatesInFlight - 1);
    answeredSinceSweep = true;
    writePending(settings.maxUpdatesInFlight());
    // a local write fails only if the modification threw (a bug): say so, the entry is not replicated
    if (w.response() instanceof Replicator.ModifyFailure<?> failure) {
      log.error("presence: a write to {} failed: {}", failure.key(), failure.errorMessage());
    }
    return Behaviors.same();
  }

  private void own(ActorRef<?> owner, PresenceEntry e) {
    owners.computeIfAbsent(
            owner,
            o -> {
              getContext().watchWith(o, new OwnerStopped(o));
              return new HashMap<>();
            })
        .put(e.ref(), e);
  }

  private void disown(ActorRef<?> owner, PresenceEntry e) {
    Map<String, PresenceEntry> owned = owners.get(owner);
    if (owned != null && owned.remove(e.ref()) != null && owned.isEmpty()) {
      owners.remove(owner);
      getContext().unwatch(owner);
    }
  }

  /** A socket's actor stopped with entries still tracked (it failed): they leave now. */
  private Behavior<Command> onOwnerStopped(OwnerStopped stopped) {
    Map<String, PresenceEntry> owned = owners.remove(stopped.owner());
    if (owned != null) {
      log.warn("a socket stopped with {} presence entries still tracked; removing them", owned.size());
      for (PresenceEntry e : owned.values()) {
        store.removeLocal(e);
        enqueue(e, new Write(e.ref(), null));
      }
    }
    return Behaviors.same();
  }

  @SuppressWarnings("unchecked")
  private Behavior<Command> onReplicaChanged(ReplicaChanged changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, PresenceEntry>> c) {
      String id = c.key().id();
      int shard = Integer.parseInt(id.substring(KEY_PREFIX.length()));
      long now = System.currentTimeMillis();
      for (PresenceEntry e : store.replicaChanged(shard, c.dataValue())) {
        long lag = replicationLag.millis(e, now);
        if (lag != ReplicationLag.NOT_MEASURED) {
          metrics.presenceReplicationLag.observe(lag / 1000.0);
        }
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onFlush() {
    store.flush(
        (topic, diff) -> {
          metrics.presenceDiffs.inc();
          fanout.tell(new NodeFanout.LocalBroadcast(topic, ReservedEvents.PRESENCE_DIFF, PresenceJson.diff(diff)));
        });
    return Behaviors.same();
  }

  private Behavior<Command> onNodeRemoved(NodeRemoved removed) {
    String node = nodeName(removed.node());
    if (!node.equals(store.self())) {
      removedNodes.add(node);
      int n = removeEntriesOf(Set.of(node));
      log.info("presence: node {} removed from the cluster; removing its {} entries", removed.node().address(), n);
    }
    return Behaviors.same();
  }

  /**
   * Removes entries of nodes seen removed, and of nodes that were not members at two sweeps in a row
   * (removed while this node was not there to see it, or before their last entries reached it).
   */
  private Behavior<Command> onSweep() {
    if (updatesInFlight > 0 && !answeredSinceSweep) {
      // an answer lost (a replicator restarted): do not let this node's writes wait for it forever
      log.warn("presence: no answer from the replicator to {} updates in {}; sending the queued writes anyway", updatesInFlight, settings.sweepInterval());
      updatesInFlight = 0;
      writePending(settings.maxUpdatesInFlight());
    }
    answeredSinceSweep = false;
    Set<String> members = new HashSet<>();
    for (Member m : Cluster.get(getContext().getSystem()).state().getMembers()) {
      members.add(nodeName(m.uniqueAddress()));
    }
    Set<String> notMembers = new HashSet<>();
    for (int s = 0; s < store.shards(); s++) {
      for (Map<String, PresenceEntry> topic : store.replicaByTopic(s).values()) {
        for (PresenceEntry e : topic.values()) {
          if (!members.contains(e.node())) {
            notMembers.add(e.node());
          }
        }
      }
    }
    Set<String> gone = new HashSet<>(removedNodes);
    for (String node : notMembers) {
      if (strangers.contains(node)) {
        gone.add(node);
      }
    }
    gone.retainAll(notMembers);
    if (!gone.isEmpty()) {
      int n = removeEntriesOf(gone);
      log.info("presence: removed {} entries of {} nodes no longer in the cluster", n, gone.size());
    }
    strangers = notMembers;
    return Behaviors.same();
  }

  private int removeEntriesOf(Set<String> nodes) {
    int removed = 0;
    for (int s = 0; s < store.shards(); s++) {
      List<PresenceEntry> theirs = new ArrayList<>();
      for (Map<String, PresenceEntry> topic : store.replicaByTopic(s).values()) {
        for (PresenceEntry e : topic.values()) {
          if (nodes.contains(e.node())) {
            theirs.add(e);
          }
        }
      }
      if (!theirs.isEmpty()) {
        removed += theirs.size();
        enqueue(s, theirs.stream().map(e -> new Write(e.ref(), null)).toList());
      }
    }
    return removed;
  }

  /** SIGTERM: write the removal of every entry of this node to every node before the node goes. */
  private Behavior<Command> onLeave(Leave leave) {
    leaving = true;
    // queued writes first, whatever is in flight: the replicator applies updates in order, so the
    // leave's removals come after them
    writePending(Integer.MAX_VALUE);
    Map<Integer, List<PresenceEntry>> byShard = new HashMap<>();
    for (PresenceEntry e : store.localSnapshot()) {
      byShard.computeIfAbsent(PresenceShards.of(e.topic(), e.key(), keys.size()), s -> new ArrayList<>()).add(e);
    }
    if (byShard.isEmpty()) {
      leave.replyTo().tell(Done.getInstance());
      return Behaviors.same();
    }
    log.info("presence: leaving, removing {} entries from every node", store.localEntries());
    pendingLeaveWrites = byShard.size();
    Replicator.WriteConsistency all = new Replicator.WriteAll(settings.shutdownWriteTimeout());
    byShard.forEach(
        (shard, entries) ->
            replicator.askUpdate(
                replyTo ->
                    new Replicator.Update<>(
                        keys.get(shard),
                        PresenceStore.emptyReplica(),
                        all,
                        replyTo,
                        m -> {
                          LWWMap<String, PresenceEntry> result = m;
                          for (PresenceEntry e : entries) {
                            result = result.remove(self, e.ref());
                          }
                          return result;
                        }),
                r -> new LeaveWritten(r, leave.replyTo())));
    return Behaviors.same();
  }

  private Behavior<Command> onLeaveWritten(LeaveWritten written) {
    if (!(written.response() instanceof Replicator.UpdateSuccess)) {
      log.warn("presence: a leave write did not reach every node in {} ({}); it spreads by gossip", settings.shutdownWriteTimeout(), written.response());
    }
    if (--pendingLeaveWrites == 0) {
      written.replyTo().tell(Done.getInstance());
    }
    return Behaviors.same();
  }
}
