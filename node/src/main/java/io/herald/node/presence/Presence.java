package io.herald.node.presence;

import io.herald.node.metrics.NodeMetrics;
import io.herald.node.topic.NodeFanout;
import io.herald.protocol.Payload;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.ddata.ReplicatorSettings;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * A node's presence as sockets and the API use it: tracking is synchronous on the caller's thread (the
 * entry is in this node's lists at once) and replicated by the {@link PresenceReplicator}.
 */
public final class Presence {
  private final PresenceStore store;
  private final ActorRef<PresenceReplicator.Command> replicator;
  private final PresenceRefs refs;
  private final PresenceSettings settings;

  private Presence(PresenceStore store, ActorRef<PresenceReplicator.Command> replicator, PresenceSettings settings) {
    this.store = store;
    this.replicator = replicator;
    this.settings = settings;
    this.refs = new PresenceRefs(store.self());
  }

  /** Name of presence's own Distributed Data replicator: the same on every node (replicators find each other by path). */
  static final String REPLICATOR_NAME = "presenceReplicator";

  static final String REPLICATOR_DISPATCHER = "herald.presence.replicator-dispatcher";

  /**
   * Presence's replicator: Distributed Data's settings ({@code pekko.cluster.distributed-data}) with
   * {@code herald.presence.replicator} over them, on a dispatcher of its own. A burst of joins keeps it
   * busy (gossip, merging, serializing); on Pekko's internal dispatcher, which the cluster's heartbeats
   * and sharding's coordinator replicator share, that delayed heartbeats until nodes were downed.
   */
  static ReplicatorSettings replicatorSettings(ActorSystem<?> system) {
    Config config = system.settings().config();
    return ReplicatorSettings.apply(
        config.getConfig("herald.presence.replicator").withFallback(config.getConfig("pekko.cluster.distributed-data")))
        .withDispatcher(REPLICATOR_DISPATCHER);
  }

  /** Starts this node's presence: its own Distributed Data replicator, and the presence replicator over it. */
  public static Presence start(
      ActorSystem<?> system, PresenceSettings settings, ActorRef<NodeFanout.Command> fanout, NodeMetrics metrics) {
    String self = PresenceReplicator.nodeName(DistributedData.get(system).selfUniqueAddress().uniqueAddress());
    PresenceStore store = new PresenceStore(self, settings.shards());
    ActorRef<Replicator.Command> ddata =
        system.systemActorOf(
            Replicator.behavior(replicatorSettings(system)), REPLICATOR_NAME, DispatcherSelector.fromConfig(REPLICATOR_DISPATCHER));
    ActorRef<PresenceReplicator.Command> replicator =
        system.systemActorOf(
            PresenceReplicator.create(ddata, store, settings, fanout, metrics), PresenceReplicator.NAME, org.apache.pekko.actor.typed.Props.empty());
    metrics.presenceFrom(store::localEntries, store::listenedTopics);
    return new Presence(store, replicator, settings);
  }

  /**
   * Tracks {@code key} on {@code topic} for the socket actor {@code owner}; returns the entry.
   *
   * @throws io.herald.node.channel.PresenceRefused for a meta that is not an object or is too large
   */
  public PresenceEntry track(String topic, String key, Payload meta, ActorRef<?> owner) {
    PresenceEntry e = new PresenceEntry(store.self(), topic, key, refs.next(), null, io.herald.node.channel.PresenceMeta.validate(meta, settings.maxMetaSize()), System.currentTimeMillis());
    store.putLocal(e);
    replicator.tell(new PresenceReplicator.Add(e, owner));
    return e;
  }

  /** Replaces {@code previous}'s meta: a new entry whose {@code phx_ref_prev} is the previous ref. */
  public PresenceEntry update(PresenceEntry previous, Payload meta, ActorRef<?> owner) {
    PresenceEntry next =
        new PresenceEntry(store.self(), previous.topic(), previous.key(), refs.next(), previous.ref(), io.herald.node.channel.PresenceMeta.validate(meta, settings.maxMetaSize()),
            System.currentTimeMillis());
    store.replaceLocal(previous, next);
    replicator.tell(new PresenceReplicator.Replace(previous, next, owner));
    return next;
  }

  public void untrack(PresenceEntry e, ActorRef<?> owner) {
    if (store.removeLocal(e)) {
      replicator.tell(new PresenceReplicator.Remove(e, owner));
    }
  }

  /** Who is on {@code topic}, as this node knows it, in the {@code presence_state} shape. */
  public Payload list(String topic) {
    return store.list(topic);
  }

  /** A local channel listens to {@code topic}'s diffs; returns its {@code presence_state}. */
  public Payload listen(String topic) {
    return store.listen(topic);
  }

  public void unlisten(String topic) {
    store.unlisten(topic);
  }

  /** On shutdown: this node's entries are removed on every node; completes when written or timed out. */
  public CompletionStage<Done> leave(ActorSystem<?> system) {
    Duration timeout = settings.shutdownWriteTimeout().plusSeconds(1);
    return AskPattern.ask(replicator, PresenceReplicator.Leave::new, timeout, system.scheduler());
  }
}
