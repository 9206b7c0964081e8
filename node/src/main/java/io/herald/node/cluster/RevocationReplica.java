package io.herald.node.cluster;

import io.herald.node.auth.Revocations;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's replica of the cluster's revocations (Distributed Data: socket id to the revocation's
 * time, the later time winning). A disconnect without reconnect reaches every node that is up; this
 * replica carries it to nodes that join later, or that were unreachable then, so that none of them
 * lets a revoked token back in. Every change, local or gossiped, is merged into the node's
 * {@link Revocations}, which the socket edge reads. Entries older than the revocation time-to-live
 * are removed.
 */
public final class RevocationReplica extends AbstractBehavior<RevocationReplica.Command> {
  private static final Logger log = LoggerFactory.getLogger(RevocationReplica.class);

  public static final String NAME = "revocation-replica";

  static final Key<LWWMap<String, Long>> KEY = LWWMapKey.create("herald-revocations");

  /** The later revocation of an id wins, whichever node wrote it and whatever their clocks said. */
  private static final LWWRegister.Clock<Long> LATER_REVOCATION_WINS = (currentTimestamp, revokedAtMillis) -> revokedAtMillis;

  private static final Duration REPLICA_POLL = Duration.ofMillis(100);

  /** Messages of the revocation replica. */
  public sealed interface Command {}

  /** Carry a revocation this node has made ({@code socketId}'s tokens issued before {@code at}) to every node. */
  public record Revoke(String socketId, Instant at) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, Long>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, Long>> response) implements Command {}

  private enum Prune implements Command {
    INSTANCE
  }

  /** How revocations are written and read. */
  public record Settings(Duration ttl, Duration writeTimeout, Duration pruneInterval) {}

  public static Behavior<Command> create(Revocations revocations, Settings settings) {
    return Behaviors.setup(
        ctx ->
            DistributedData.<Command, LWWMap<String, Long>>withReplicatorMessageAdapter(
                replicator ->
                    Behaviors.withTimers(
                        timers -> {
                          timers.startTimerWithFixedDelay(Prune.INSTANCE, settings.pruneInterval());
                          return new RevocationReplica(ctx, replicator, revocations, settings);
                        })));
  }

  /**
   * Reads the revocations from a majority of the nodes into {@code revocations}, so that a node that
   * joins later knows them before its port opens. Returns how many it read; on no answer it logs and
   * returns 0 (the subscription fills them in as gossip arrives).
   */
  public static int readAtStart(ActorSystem<?> system, Revocations revocations, Duration timeout) {
    try {
      awaitReplicas(system, timeout);
      Replicator.GetResponse<LWWMap<String, Long>> response =
          AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, Long>>>ask(
                  DistributedData.get(system).replicator(),
                  replyTo -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(timeout), replyTo),
                  timeout.plusSeconds(1),
                  system.scheduler())
              .toCompletableFuture()
              .get(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
      if (response instanceof Replicator.GetSuccess<LWWMap<String, Long>> success) {
        Map<String, Long> entries = success.get(KEY).getEntries();
        merge(revocations, entries);
        return entries.size();
      }
      if (!(response instanceof Replicator.NotFound<LWWMap<String, Long>>)) {
        log.warn("revocations: no majority answered in {} ({}); they arrive by gossip", timeout, response);
      }
    } catch (Exception e) {
      log.warn("revocations: reading them at start failed ({}); they arrive by gossip", e.toString());
    }
    return 0;
  }

  /**
   * A replicator that has just joined knows only itself for a moment, and a majority read would then
   * read only itself: wait until it counts every Up member (or the timeout passes).
   */
  private static void awaitReplicas(ActorSystem<?> system, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Cluster cluster = Cluster.get(Adapter.toClassic(system));
    while (true) {
      long up = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
          .filter(m -> m.status() == MemberStatus.up())
          .count();
      Replicator.ReplicaCount count =
          AskPattern.<Replicator.Command, Replicator.ReplicaCount>ask(
                  DistributedData.get(system).replicator(), Replicator.GetReplicaCount::new, timeout, system.scheduler())
              .toCompletableFuture()
              .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      if (count.n() >= up || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(REPLICA_POLL.toMillis());
    }
  }

  private final ReplicatorMessageAdapter<Command, LWWMap<String, Long>> replicator;
  private final Revocations revocations;
  private final Settings settings;
  private final SelfUniqueAddress self;
  private Map<String, Long> latest = Map.of();

  private RevocationReplica(
      ActorContext<Command> ctx,
      ReplicatorMessageAdapter<Command, LWWMap<String, Long>> replicator,
      Revocations revocations,
      Settings settings) {
    super(ctx);
    this.replicator = replicator;
    this.revocations = revocations;
    this.settings = settings;
    this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    replicator.subscribe(KEY, Changed::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Revoke.class, this::onRevoke)
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Written.class, this::onWritten)
        .onMessageEquals(Prune.INSTANCE, this::onPrune)
        .build();
  }

  private Behavior<Command> onRevoke(Revoke revoke) {
    // This node's Revocations already has it (the socket directory writes it before the closes).
    long at = revoke.at().toEpochMilli();
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                KEY,
                LWWMap.create(),
                new Replicator.WriteMajority(settings.writeTimeout()),
                replyTo,
                map -> map.put(self, revoke.socketId(), at, LATER_REVOCATION_WINS)),
        Written::new);
    return this;
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, Long>> c) {
      latest = c.get(KEY).getEntries();
      merge(revocations, latest);
    }
    return this;
  }

  private Behavior<Command> onWritten(Written written) {
    // A write that did not reach a majority in time is still local and spreads by gossip.
    if (!(written.response() instanceof Replicator.UpdateSuccess)) {
      log.warn("revocations: a write did not reach a majority in {} ({}); it spreads by gossip", settings.writeTimeout(), written.response());
    }
    return this;
  }

  private Behavior<Command> onPrune() {
    long horizon = Instant.now().minus(settings.ttl()).toEpochMilli();
    List<String> expired = latest.entrySet().stream().filter(e -> e.getValue() < horizon).map(Map.Entry::getKey).toList();
    if (!expired.isEmpty()) {
      replicator.askUpdate(
          replyTo ->
              new Replicator.Update<>(
                  KEY,
                  LWWMap.create(),
                  Replicator.writeLocal(),
                  replyTo,
                  map -> {
                    LWWMap<String, Long> pruned = map;
                    for (String id : expired) {
                      pruned = pruned.remove(self, id);
                    }
                    return pruned;
                  }),
          Written::new);
    }
    return this;
  }

  private static void merge(Revocations revocations, Map<String, Long> entries) {
    entries.forEach((id, at) -> revocations.revoke(id, Instant.ofEpochMilli(at)));
  }
}
