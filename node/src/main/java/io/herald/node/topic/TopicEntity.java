package io.herald.node.topic;

import io.herald.node.cluster.CborSerializable;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.protocol.RecoveryReason;
import io.herald.node.dispatch.SameLoopExecutorConfigurator;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The single owner of one topic, sharded across the cluster by topic name.
 *
 * <p>State: the nodes ({@link NodeFanout}s) that have subscribers of the topic, the incarnation's
 * {@code epoch} and the last {@code seq} given out. Every publish gets the next seq and goes out as ONE
 * {@link NodeFanout.Deliver} per interested node; since one actor numbers and sends them, every node
 * receives a topic's messages in seq order.
 *
 * <p>An incarnation starts (first use, rebalance, or after its node died) with a fresh epoch and seq 0,
 * and knows nothing: before serving, it asks every member's {@link NodeFanout} whether it has
 * subscribers of the topic (one message per node), holding publishes meanwhile in a bounded buffer.
 * It passivates itself once no node has been interested for {@code herald.topic.idle-passivation}.
 *
 * <p>A topic whose {@link HistoryPolicy} keeps history holds its last messages ({@link TopicHistory}):
 * a rejoining subscriber's node asks {@link Recover} and gets the messages after its {@code since} as
 * {@link NodeFanout.Replayed}, then {@link NodeFanout.ReplayEnd}, behind every {@link NodeFanout.Deliver}
 * sent before, so the node knows where the replay ends and live delivery begins. History, epoch and
 * idempotency keys belong to the incarnation and die with it.
 *
 * <p>Publishes come from each node's {@link NodePublisher}, which sends them again until acknowledged;
 * {@link PublisherStreams} numbers each once, in its publisher's send order.
 */
public final class TopicEntity extends AbstractBehavior<TopicEntity.Command> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "topic");

  /** Messages of a topic entity. */
  public sealed interface Command extends CborSerializable {}

  /** A node has subscribers now; it is answered with {@link NodeFanout.TopicRegistered}. */
  public record Register(ActorRef<NodeFanout.Command> node) implements Command {}

  /** A node has no subscribers any more. */
  public record Unregister(ActorRef<NodeFanout.Command> node) implements Command {}

  /**
   * Publish one event; {@code binary} says whether the payload is JSON text or binary data. Sent by a
   * node's {@link NodePublisher} ({@code publisher}), which numbers its publishes {@code pseq} and names
   * in {@code after} its previous unacknowledged publish to this topic (0: none): see
   * {@link PublisherStreams}. Answered with {@link NodePublisher.Accepted} once numbered and sent to
   * every interested node, carrying this entity's ref when {@code wantOwner} or on the first answer to
   * the publisher; when the publisher's node is another one and interested, its delivery there answers
   * instead ({@link NodeFanout.Deliver#acknowledge}). A publish whose {@code idempotencyKey} this incarnation has seen recently is answered
   * with the first one's seq and not sent again.
   */
  public record Publish(
      String event,
      byte[] payload,
      boolean binary,
      ActorRef<NodePublisher.Command> publisher,
      long pseq,
      long after,
      boolean wantOwner,
      String idempotencyKey)
      implements Command {}

  /** Which incarnation owns the topic, and where: answered with {@link NodePublisher.Owner} once it serves. */
  public record WhoOwns(ActorRef<NodePublisher.Command> publisher) implements Command {}

  /** A node's answer to {@link NodeFanout.InterestQuery}. */
  public record Interest(ActorRef<NodeFanout.Command> node, boolean interested) implements Command {}

  /**
   * A subscriber of {@code node} rejoins with the last {@code since} it saw of {@code epoch}: answered
   * with the messages after it ({@link NodeFanout.Replayed}, if this incarnation holds all of them) and
   * {@link NodeFanout.ReplayEnd}, tagged {@code request}.
   */
  public record Recover(ActorRef<NodeFanout.Command> node, long request, long since, long epoch) implements Command {}

  /** Up to {@code limit} messages of the history after {@code since}, for the HTTP API. */
  public record ReadHistory(long since, int limit, ActorRef<HistoryPage> replyTo) implements Command {}

  /**
   * A page of a topic's history: {@code complete} when no message after {@code since} is missing from it
   * or from the pages after it; {@code more} when the page stopped at its limit or size. {@code history}
   * says whether the topic keeps history at all.
   */
  public record HistoryPage(
      long epoch, long seq, boolean history, List<HistoryEntry> entries, boolean complete, boolean more)
      implements CborSerializable {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  private enum InterestQueryTimedOut implements Command {
    INSTANCE
  }

  /** Sent by the shard after our Passivate, and on hand-off. */
  private enum Stop implements Command {
    INSTANCE
  }

  /** Every node's topic entities and their histories: how much history, and the node's byte budget for it. */
  public record Histories(HistoryPolicy.Lookup policies, TopicHistory.Budget budget) {
    public static Histories of(HistoryPolicy.Lookup policies, long maxBytes) {
      return new Histories(policies, new TopicHistory.Budget(maxBytes));
    }

    /** The bytes the node's histories hold now. */
    public long bytes() {
      return budget.used();
    }
  }

  /** {@code links}: how entities reach other nodes' fan-outs besides Artery ({@link NodeLinks#NONE}: Artery only). */
  public static void initSharding(
      ClusterSharding sharding, HeraldSettings.Topic settings, Histories histories, NodeMetrics metrics, NodeLinks links) {
    sharding.init(
        Entity.of(
                KEY,
                ctx -> create(owners(sharding).apply(ctx.getEntityId()), ctx.getEntityId(), ctx.getShard(), settings, histories, metrics, links))
            .withStopMessage(Stop.INSTANCE)
            .withEntityProps(SameLoopExecutorConfigurator.DISPATCHER));
  }

  /** Every topic's owner, through the shard regions. */
  public static Function<String, RecipientRef<Command>> owners(ClusterSharding sharding) {
    return topic -> sharding.entityRefFor(KEY, topic);
  }

  /** The shard a topic's entity lives in, out of {@code numberOfShards} (sharding's default extractor). */
  public static String shardOf(String topic, int numberOfShards) {
    return Integer.toString(Math.abs(topic.hashCode() % numberOfShards));
  }

  /**
   * One incarnation of {@code topic}'s owner. {@code viaShard} reaches the topic through its shard (for
   * a registration that arrives while this incarnation stops); {@code shard} is told to passivate it.
   */
  static Behavior<Command> create(
      RecipientRef<Command> viaShard,
      String topic,
      ActorRef<ClusterSharding.ShardCommand> shard,
      HeraldSettings.Topic settings,
      Histories histories,
      NodeMetrics metrics,
      NodeLinks links) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new TopicEntity(ctx, timers, viaShard, topic, shard, settings, histories, metrics, links)));
  }

  private final RecipientRef<Command> viaShard;
  private final String topic;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final TimerScheduler<Command> timers;
  private final HeraldSettings.Topic settings;
  private final NodeMetrics metrics;
  private final NodeLinks links;
  private final long epoch;
  /** The interested nodes' fan-outs, each with the route chosen when it registered (see NodeLinks). */
  private final Map<ActorRef<NodeFanout.Command>, NodeLinks.FanoutRoute> nodes = new HashMap<>();
  /** Members not yet answered the interest query; empty once the entity serves. */
  private final Set<Address> awaitingInterest = new HashSet<>();
  /** Publishes held while the interest query runs. */
  private final ArrayDeque<Publish> held = new ArrayDeque<>();
  /** Publishers that asked who owns the topic while the interest query runs. */
  private final Set<ActorRef<NodePublisher.Command>> heldOwnerQueries = new HashSet<>();
  private final PublisherStreams<ActorRef<NodePublisher.Command>> publishers;
  private final IdempotencyWindow recentKeys;
  /** The last messages, when the topic's policy keeps history; null otherwise. */
  private final TopicHistory history;
  private long seq;
  private long droppedWhileRecovering;
  private boolean stopping;

  private TopicEntity(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      RecipientRef<Command> viaShard,
      String topic,
      ActorRef<ClusterSharding.ShardCommand> shard,
      HeraldSettings.Topic settings,
      Histories histories,
      NodeMetrics metrics,
      NodeLinks links) {
    super(ctx);
    this.metrics = metrics;
    this.links = links;
    this.viaShard = viaShard;
    this.topic = topic;
    this.shard = shard;
    this.timers = timers;
    this.settings = settings;
    // Positive and unlikely to repeat: clients compare epochs to detect a new incarnation.
    this.epoch = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    this.publishers = new PublisherStreams<>(settings.rememberedSeqs(), settings.forgetPublisherAfter().toNanos());
    this.recentKeys = new IdempotencyWindow(settings.idempotencyWindow().toNanos(), settings.idempotencyKeys());
    HistoryPolicy policy = histories.policies().of(topic);
    this.history = policy.keeps() ? new TopicHistory(policy, histories.budget()) : null;
    metrics.topicEntities.incrementAndGet();
    askEveryNodeForInterest();
  }

  private void askEveryNodeForInterest() {
    for (Member member : Cluster.get(getContext().getSystem()).state().getMembers()) {
      MemberStatus status = member.status();
      if (status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.leaving()) {
        awaitingInterest.add(member.address());
        getContext()
            .classicActorContext()
            .actorSelection(member.address() + NodeFanout.PATH)
            .tell(new NodeFanout.InterestQuery(topic, getContext().getSelf()), org.apache.pekko.actor.ActorRef.noSender());
      }
    }
    if (awaitingInterest.isEmpty()) {
      armIdleCheck();
    } else {
      timers.startSingleTimer(InterestQueryTimedOut.INSTANCE, InterestQueryTimedOut.INSTANCE, settings.interestQueryTimeout());
    }
  }

  // Handlers answer Behaviors.same(), not this: under withTimers' interceptor, returning the behavior
  // itself makes Pekko wrap it in a new interceptor on every message (measured: an allocation per publish).
  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(WhoOwns.class, this::onWhoOwns)
        .onMessage(Register.class, this::onRegister)
        .onMessage(Unregister.class, this::onUnregister)
        .onMessage(Interest.class, this::onInterest)
        .onMessage(Recover.class, this::onRecover)
        .onMessage(ReadHistory.class, this::onReadHistory)
        .onMessageEquals(InterestQueryTimedOut.INSTANCE, this::onInterestQueryTimedOut)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, stop -> {
          metrics.topicEntities.decrementAndGet();
          if (history != null) {
            history.release();
          }
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onPublish(Publish publish) {
    if (!awaitingInterest.isEmpty()) {
      if (held.size() >= settings.recoveryBuffer()) {
        droppedWhileRecovering++;
        getContext().getLog().warn(
            "topic {}: publish dropped, {} already held while the interest query runs ({} dropped)",
            topic, held.size(), droppedWhileRecovering);
        return Behaviors.same();
      }
      held.add(publish);
      return Behaviors.same();
    }
    deliver(publish);
    return Behaviors.same();
  }

  private void deliver(Publish publish) {
    ActorRef<NodePublisher.Command> publisher = publish.publisher();
    switch (publishers.check(publisher, publish.pseq(), publish.after())) {
      case OUT_OF_ORDER -> {
        metrics.publishesOutOfOrder.inc();
        return;
      }
      case DUPLICATE -> {
        publisher.tell(new NodePublisher.Accepted(
            topic, epoch, publishers.seqOf(publisher, publish.pseq()), publish.pseq(), publish.wantOwner() ? getContext().getSelf() : null));
        return;
      }
      case NUMBER -> {}
    }
    boolean tellOwner = publish.wantOwner() || publishers.isNew(publisher);
    long numbered;
    long now = System.nanoTime();
    Long earlier = publish.idempotencyKey() == null ? null : recentKeys.seqOf(publish.idempotencyKey(), now);
    if (earlier != null) {
      numbered = earlier;
      metrics.publishesIdempotent.inc();
    } else {
      numbered = ++seq;
      if (publish.idempotencyKey() != null) {
        recentKeys.remember(publish.idempotencyKey(), numbered, now);
      }
      metrics.publishes.inc();
      long atMillis = System.currentTimeMillis();
      if (history != null) {
        history.append(new HistoryEntry(numbered, publish.event(), publish.payload(), publish.binary(), atMillis), atMillis);
      }
      if (!nodes.isEmpty()) {
        ActorRef<NodeFanout.Command> publishersNode = tellOwner ? null : remoteFanoutOf(publisher);
        NodeFanout.Deliver deliver =
            new NodeFanout.Deliver(
                topic, epoch, numbered, publish.event(), publish.payload(), publish.binary(), atMillis,
                publisher.path().uid(), publish.pseq(), false);
        for (Map.Entry<ActorRef<NodeFanout.Command>, NodeLinks.FanoutRoute> node : nodes.entrySet()) {
          node.getValue().tell(node.getKey() == publishersNode ? withAcknowledgement(deliver) : deliver);
        }
        if (publishersNode != null) {
          publishers.numbered(publisher, publish.pseq(), numbered, now);
          return; // its node's fan-out acknowledges it
        }
      }
    }
    publishers.numbered(publisher, publish.pseq(), numbered, now);
    publisher.tell(new NodePublisher.Accepted(topic, epoch, numbered, publish.pseq(), tellOwner ? getContext().getSelf() : null));
  }

  /**
   * The fan-out of the publisher's node, when that node is another one and interested in this topic:
   * the delivery there acknowledges the publish, one message between nodes instead of two. (A publisher
   * on this node is answered directly: a local message either way.)
   */
  private ActorRef<NodeFanout.Command> remoteFanoutOf(ActorRef<NodePublisher.Command> publisher) {
    Address address = publisher.path().address();
    if (address.hasLocalScope()) {
      return null;
    }
    for (ActorRef<NodeFanout.Command> node : nodes.keySet()) {
      if (address.equals(node.path().address())) {
        return node;
      }
    }
    return null;
  }

  private static NodeFanout.Deliver withAcknowledgement(NodeFanout.Deliver d) {
    return new NodeFanout.Deliver(
        d.topic(), d.epoch(), d.seq(), d.event(), d.payload(), d.binary(), d.numberedAtMillis(), d.origin(), d.pseq(), true);
  }

  private Behavior<Command> onRecover(Recover recover) {
    if (stopping) {
      // Behind the registration it follows, to the next incarnation, which answers for what it will send.
      viaShard.tell(recover);
      return Behaviors.same();
    }
    TopicHistory.Recovery recovery;
    if (history == null) {
      recovery = null; // the node answers its subscriber as a plain join
    } else if (recover.epoch() != epoch) {
      recovery = TopicHistory.Recovery.refused(RecoveryReason.EPOCH_CHANGED);
    } else {
      recovery = history.after(recover.since(), seq, System.currentTimeMillis());
    }
    // The registration's route: the replay must come behind the deliveries sent before it.
    NodeLinks.FanoutRoute route = nodes.getOrDefault(recover.node(), recover.node()::tell);
    if (recovery != null) {
      for (HistoryEntry e : recovery.missed()) {
        route.tell(new NodeFanout.Replayed(topic, recover.request(), e.seq(), e.event(), e.payload(), e.binary(), e.atMillis()));
      }
    }
    metrics.recoveries.labelValues(recovery == null ? "no_history" : recovery.recovered() ? "recovered" : recovery.refused().wire()).inc();
    route.tell(new NodeFanout.ReplayEnd(
        topic, recover.request(), epoch, seq, history != null, recovery != null && recovery.recovered(),
        recovery == null || recovery.recovered() ? "" : recovery.refused().wire()));
    return Behaviors.same();
  }

  private Behavior<Command> onReadHistory(ReadHistory read) {
    if (history == null) {
      read.replyTo().tell(new HistoryPage(epoch, seq, false, List.of(), false, false));
      return Behaviors.same();
    }
    TopicHistory.Page page = history.page(read.since(), read.limit(), settings.historyPageBytes(), System.currentTimeMillis());
    read.replyTo().tell(new HistoryPage(epoch, seq, true, page.entries(), page.complete(), page.more()));
    return Behaviors.same();
  }

  private Behavior<Command> onWhoOwns(WhoOwns query) {
    if (awaitingInterest.isEmpty()) {
      query.publisher().tell(new NodePublisher.Owner(topic, epoch, getContext().getSelf()));
    } else {
      // Answered once it serves: until then its publisher keeps delivering unnumbered, sooner.
      heldOwnerQueries.add(query.publisher());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRegister(Register register) {
    if (stopping) {
      // Passivation is under way and this incarnation's state dies with it: send the registration
      // back through the shard, which holds it for the next incarnation.
      viaShard.tell(register);
      return Behaviors.same();
    }
    NodeLinks.FanoutRoute route = nodes.computeIfAbsent(register.node(), links::toFanout);
    timers.cancel(IdleCheck.INSTANCE);
    // Safe while the interest query runs: held publishes go out to every registered node.
    route.tell(new NodeFanout.TopicRegistered(topic, epoch, seq));
    return Behaviors.same();
  }

  private Behavior<Command> onUnregister(Unregister unregister) {
    nodes.remove(unregister.node());
    armIdleCheck();
    return Behaviors.same();
  }

  private Behavior<Command> onInterest(Interest interest) {
    if (interest.interested() && !stopping) {
      nodes.computeIfAbsent(interest.node(), links::toFanout);
      timers.cancel(IdleCheck.INSTANCE);
    }
    Address from = interest.node().path().address();
    if (!from.hasGlobalScope()) {
      // This node's own fan-out answers with a local address; members are listed by their remote one.
      from = Cluster.get(getContext().getSystem()).selfMember().address();
    }
    if (awaitingInterest.remove(from) && awaitingInterest.isEmpty()) {
      serve();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onInterestQueryTimedOut() {
    if (!awaitingInterest.isEmpty()) {
      // A node that answers later is still added (onInterest); until then it misses messages.
      getContext().getLog().warn("topic {}: no interest answer from {} in {}", topic, awaitingInterest, settings.interestQueryTimeout());
      awaitingInterest.clear();
      serve();
    }
    return Behaviors.same();
  }

  private void serve() {
    timers.cancel(InterestQueryTimedOut.INSTANCE);
    while (!held.isEmpty()) {
      deliver(held.poll());
    }
    for (ActorRef<NodePublisher.Command> publisher : heldOwnerQueries) {
      publisher.tell(new NodePublisher.Owner(topic, epoch, getContext().getSelf()));
    }
    heldOwnerQueries.clear();
    armIdleCheck();
  }

  private Behavior<Command> onIdleCheck() {
    if (history != null && nodes.isEmpty()) {
      // A topic's history outlives its subscribers for its ttl: a client back within it recovers.
      history.expire(System.currentTimeMillis());
      if (history.size() > 0) {
        armIdleCheck();
        return Behaviors.same();
      }
    }
    if (nodes.isEmpty() && !stopping && awaitingInterest.isEmpty()) {
      stopping = true;
      shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    }
    return Behaviors.same();
  }

  private void armIdleCheck() {
    if (nodes.isEmpty()) {
      timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idlePassivation());
    }
  }
}
