package io.herald.node.topic;

import io.herald.node.cluster.CborSerializable;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.ActorSelection;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * This node's side of publishing: every publish from this node's sockets and API goes through here to
 * its topic's {@link TopicEntity}, and is sent again until the owner acknowledges it.
 *
 * <p>Publishes are numbered {@code pseq} (increasing across topics) and each is sent with the pseq of
 * the previous unacknowledged publish to the same topic, so the owner numbers each once and in this
 * node's send order ({@link PublisherStreams}): a publish lost in a hand-off or a rebalance is sent
 * again after {@code resend-after}, with the ones behind it, until acknowledged or {@code deadline}.
 *
 * <p>While a topic's owner is on an unreachable node, its publishes (the unacknowledged ones first) go
 * straight to every other member's {@link NodeFanout} as unnumbered deliveries (seq 0), which drop
 * what they have no subscribers for. The topic waits for no failure detection, downing and re-homing to
 * go on: it is probed with {@link TopicEntity.WhoOwns} until an owner on a reachable node answers (a new
 * incarnation, with a new epoch; or the same one when it was unreachable only for a while), and from
 * then on it is numbered again. Unnumbered delivery is at-least-once: a publish the owner numbered just
 * before it became unreachable, whose acknowledgement did not arrive, is delivered twice.
 */
public final class NodePublisher extends AbstractBehavior<NodePublisher.Command> {

  /** The actor's name under /user on every node. */
  public static final String NAME = "node-publisher";

  /** Messages of the node publisher. */
  public sealed interface Command {}

  /**
   * Publish one event of {@code topic}; {@code replyTo}, when not null, is told once the owner has
   * numbered it (or it was delivered unnumbered), with {@code replyTag} echoed. A publish whose
   * {@code idempotencyKey} the owner has seen recently is answered with the first one's seq.
   */
  public record Publish(
      String topic,
      String event,
      byte[] payload,
      boolean binary,
      ActorRef<Published> replyTo,
      long replyTag,
      String idempotencyKey)
      implements Command {
    public static Publish unacknowledged(String topic, String event, byte[] payload, boolean binary) {
      return new Publish(topic, event, payload, binary, null, 0, null);
    }
  }

  /**
   * The answer to a {@link Publish}: numbered {@code seq} in {@code epoch}; seq 0 when it was delivered
   * unnumbered (its owner unreachable); seq -1 when numbered but the owner no longer remembered which
   * seq (a re-send answered long after).
   */
  public record Published(String topic, long epoch, long seq, long replyTag) {
    public static final long UNNUMBERED = 0;
    public static final long SEQ_UNKNOWN = -1;

    public boolean numbered() {
      return seq != UNNUMBERED;
    }
  }

  /**
   * An owner numbered publish {@code pseq} as {@code seq}. {@code owner} is set on the first answer of
   * an incarnation to this publisher, and when asked for: which node to watch for unreachability.
   */
  public record Accepted(String topic, long epoch, long seq, long pseq, ActorRef<TopicEntity.Command> owner)
      implements Command, CborSerializable {}

  /**
   * Publish {@code pseq} was numbered {@code seq} and delivered to this node: the owner left its
   * acknowledgement to the delivery ({@link NodeFanout.Deliver#acknowledge}), which this node's fan-out
   * passes on.
   */
  public record AcceptedHere(String topic, long epoch, long seq, long pseq) implements Command {}

  /** An owner's answer to {@link TopicEntity.WhoOwns}, once it serves. */
  public record Owner(String topic, long epoch, ActorRef<TopicEntity.Command> owner)
      implements Command, CborSerializable {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {}

  private record MemberRemoved(ClusterEvent.MemberRemoved event) implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  private enum Sweep implements Command {
    INSTANCE
  }

  /** A publish not yet acknowledged by its owner. */
  private static final class Pending {
    final long pseq;
    final Publish publish;
    final long firstSentNanos;
    long lastSentNanos;

    Pending(long pseq, Publish publish, long nowNanos) {
      this.pseq = pseq;
      this.publish = publish;
      this.firstSentNanos = nowNanos;
      this.lastSentNanos = nowNanos;
    }
  }

  /** This node's publishing state of one topic. */
  private static final class Outbox {
    final String topic;
    final RecipientRef<TopicEntity.Command> ref;
    final ArrayDeque<Pending> unacked = new ArrayDeque<>();
    /** The owner's node as last heard of; null until an owner answers (or after it was removed). */
    Address ownerAddress;
    /**
     * Publishes go by the owner's node link (NodeLinks). Taken only when nothing else of this topic is
     * unacknowledged, so a publish on the link never overtakes one still going by the shard region.
     */
    boolean viaLink;
    long epoch;
    boolean degraded;
    long degradedSinceNanos;
    long deliveredUnnumbered;
    long lastProbeNanos;
    long lastUsedNanos;

    Outbox(String topic, RecipientRef<TopicEntity.Command> ref) {
      this.topic = topic;
      this.ref = ref;
    }
  }

  public static Behavior<Command> create(
      Function<String, RecipientRef<TopicEntity.Command>> owners, HeraldSettings.Publish settings, NodeMetrics metrics) {
    return create(owners, settings, metrics, NodeLinks.NONE);
  }

  /** {@code links}: the other nodes' links, which take publishes to owners whose node is known. */
  public static Behavior<Command> create(
      Function<String, RecipientRef<TopicEntity.Command>> owners,
      HeraldSettings.Publish settings,
      NodeMetrics metrics,
      NodeLinks links) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new NodePublisher(ctx, timers, owners, settings, metrics, links)));
  }

  private final Function<String, RecipientRef<TopicEntity.Command>> owners;
  private final HeraldSettings.Publish settings;
  private final NodeMetrics metrics;
  private final NodeLinks links;
  private final Cluster cluster;
  private final Address selfAddress;
  private final long resendAfterNanos;
  private final long deadlineNanos;
  private final long probeIntervalNanos;
  private final long outboxIdleNanos;
  private final Map<String, Outbox> outboxes = new HashMap<>();
  /** Outboxes with unacknowledged publishes or an unreachable owner: the ones the tick looks at. */
  private final Set<Outbox> active = new LinkedHashSet<>();
  private final Set<Address> unreachable = new HashSet<>();
  private final Map<Address, ActorSelection> fanouts = new HashMap<>();
  private long lastPseq;
  private int pending;
  /** Outboxes delivering unnumbered now. */
  private int degradedTopics;
  private long refused;

  private NodePublisher(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      Function<String, RecipientRef<TopicEntity.Command>> owners,
      HeraldSettings.Publish settings,
      NodeMetrics metrics,
      NodeLinks links) {
    super(ctx);
    this.links = links;
    this.owners = owners;
    this.settings = settings;
    this.metrics = metrics;
    this.cluster = Cluster.get(ctx.getSystem());
    this.selfAddress = cluster.selfMember().address();
    this.resendAfterNanos = settings.resendAfter().toNanos();
    this.deadlineNanos = settings.deadline().toNanos();
    this.probeIntervalNanos = settings.ownerProbeInterval().toNanos();
    this.outboxIdleNanos = settings.outboxIdle().toNanos();
    cluster.subscriptions().tell(Subscribe.create(
        ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new), ClusterEvent.ReachabilityEvent.class));
    cluster.subscriptions().tell(Subscribe.create(
        ctx.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new), ClusterEvent.MemberRemoved.class));
    Duration tick = settings.resendAfter().compareTo(settings.ownerProbeInterval()) < 0 ? settings.resendAfter() : settings.ownerProbeInterval();
    timers.startTimerWithFixedDelay(Tick.INSTANCE, tick.dividedBy(2));
    timers.startTimerWithFixedDelay(Sweep.INSTANCE, settings.outboxIdle());
  }

  // Handlers answer Behaviors.same(), not this (see NodeFanout): no interceptor wrapping per message.
  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Accepted.class, this::onAccepted)
        .onMessage(AcceptedHere.class, this::onAcceptedHere)
        .onMessage(Owner.class, this::onOwner)
        .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
        .onMessage(MemberRemoved.class, this::onMemberRemoved)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(Sweep.INSTANCE, this::onSweep)
        .build();
  }

  private Behavior<Command> onPublish(Publish publish) {
    long now = System.nanoTime();
    Outbox outbox = outboxes.computeIfAbsent(publish.topic(), t -> new Outbox(t, owners.apply(t)));
    outbox.lastUsedNanos = now;
    if (outbox.degraded) {
      deliverUnnumbered(outbox, publish, 0);
      return Behaviors.same();
    }
    if (pending >= settings.maxPending()) {
      // Owners have not answered this many: more would only queue up. The publisher gets no answer
      // (a client's push times out, an API call answers 503), which is the truth.
      metrics.publishRelay.labelValues("refused").inc();
      if (refused++ % 1000 == 0) {
        getContext().getLog().warn("publish to {} refused: {} publishes unacknowledged by their owners ({} refused)",
            publish.topic(), pending, refused);
      }
      return Behaviors.same();
    }
    long after = outbox.unacked.isEmpty() ? 0 : outbox.unacked.peekLast().pseq;
    Pending p = new Pending(++lastPseq, publish, now);
    outbox.unacked.add(p);
    pending++;
    active.add(outbox);
    send(outbox, p, after);
    return Behaviors.same();
  }

  private void send(Outbox outbox, Pending p, long after) {
    Publish publish = p.publish;
    // Only the oldest unacknowledged publish asks where the owner is: the ones behind it can be
    // acknowledged with their delivery (NodeFanout.Deliver#acknowledge), which names no owner.
    boolean wantOwner = outbox.ownerAddress == null && outbox.unacked.peekFirst() == p;
    TopicEntity.Publish message = new TopicEntity.Publish(
        publish.event(), publish.payload(), publish.binary(), getContext().getSelf(), p.pseq, after,
        wantOwner, publish.idempotencyKey());
    if (outbox.ownerAddress != null && (outbox.viaLink || outbox.unacked.size() == 1)) {
      outbox.viaLink = links.publish(outbox.ownerAddress, outbox.topic, message);
      if (outbox.viaLink) {
        return;
      }
    }
    outbox.ref.tell(message);
  }

  /** The owner's node as now known (null: unknown); a new one is reached by the shard region first. */
  private static void ownerAt(Outbox outbox, Address address) {
    if (!Objects.equals(outbox.ownerAddress, address)) {
      outbox.viaLink = false;
    }
    outbox.ownerAddress = address;
  }

  private Behavior<Command> onAcceptedHere(AcceptedHere here) {
    metrics.publishAcks.labelValues("delivery").inc();
    return acknowledge(new Accepted(here.topic(), here.epoch(), here.seq(), here.pseq(), null));
  }

  private Behavior<Command> onAccepted(Accepted accepted) {
    metrics.publishAcks.labelValues("owner").inc();
    return acknowledge(accepted);
  }

  private Behavior<Command> acknowledge(Accepted accepted) {
    Outbox outbox = outboxes.get(accepted.topic());
    if (outbox == null) {
      return Behaviors.same();
    }
    if (accepted.owner() != null) {
      ownerAt(outbox, addressOf(accepted.owner()));
      outbox.epoch = accepted.epoch();
    } else if (accepted.epoch() != outbox.epoch) {
      ownerAt(outbox, null); // ask the new incarnation where it lives with the next publish
    }
    // Acknowledgements arrive in send order but for the head, usually the head.
    for (Iterator<Pending> it = outbox.unacked.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.pseq == accepted.pseq()) {
        it.remove();
        pending--;
        reply(p.publish, accepted.epoch(), accepted.seq());
        break;
      }
    }
    if (outbox.unacked.isEmpty() && !outbox.degraded) {
      active.remove(outbox);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onOwner(Owner answer) {
    Outbox outbox = outboxes.get(answer.topic());
    if (outbox == null) {
      return Behaviors.same();
    }
    Address address = addressOf(answer.owner());
    if (unreachable.contains(address)) {
      return Behaviors.same();
    }
    ownerAt(outbox, address);
    outbox.epoch = answer.epoch();
    if (outbox.degraded) {
      outbox.degraded = false;
      degradedTopics--;
      if (degradedTopics == 0) {
        getContext().getLog().info("every topic this node publishes to is numbered by a reachable owner again");
      }
      getContext().getLog().debug(
          "topic {}: numbered again by its owner on {} (epoch {}) after {} ms, {} publishes delivered unnumbered meanwhile",
          outbox.topic, address, answer.epoch(), (System.nanoTime() - outbox.degradedSinceNanos) / 1_000_000,
          outbox.deliveredUnnumbered);
      if (outbox.unacked.isEmpty()) {
        active.remove(outbox);
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReachabilityChanged(ReachabilityChanged changed) {
    Address address = changed.event().member().address();
    if (changed.event() instanceof ClusterEvent.UnreachableMember) {
      unreachable.add(address);
      if (settings.unnumberedWhileUnreachable()) {
        int topics = 0;
        for (Outbox outbox : outboxes.values()) {
          if (address.equals(outbox.ownerAddress) && !outbox.degraded) {
            degrade(outbox, System.nanoTime());
            topics++;
          }
        }
        if (topics > 0) {
          getContext().getLog().info("{} unreachable: {} topics it owns are delivered unnumbered until they have a reachable owner", address, topics);
        }
      }
    } else {
      unreachable.remove(address);
      probeOwnersOn(address, false);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    Address address = removed.event().member().address();
    unreachable.remove(address);
    fanouts.remove(address);
    // Its topics get new owners elsewhere: forget where they were and ask.
    probeOwnersOn(address, true);
    return Behaviors.same();
  }

  private void probeOwnersOn(Address address, boolean forget) {
    long now = System.nanoTime();
    for (Outbox outbox : outboxes.values()) {
      if (address.equals(outbox.ownerAddress)) {
        if (forget) {
          ownerAt(outbox, null);
        }
        if (outbox.degraded) {
          probe(outbox, now);
        }
      }
    }
  }

  private Behavior<Command> onTick() {
    long now = System.nanoTime();
    for (Iterator<Outbox> it = active.iterator(); it.hasNext(); ) {
      Outbox outbox = it.next();
      if (outbox.degraded) {
        if (now - outbox.lastProbeNanos >= probeIntervalNanos) {
          probe(outbox, now);
        }
        continue;
      }
      expire(outbox, now);
      if (outbox.unacked.isEmpty()) {
        it.remove();
        continue;
      }
      Pending head = outbox.unacked.peekFirst();
      if (settings.unnumberedWhileUnreachable()
          && !unreachable.isEmpty()
          && (outbox.ownerAddress == null || unreachable.contains(outbox.ownerAddress))
          && now - head.firstSentNanos >= resendAfterNanos) {
        // Unanswered while a member is unreachable, and the owner's node unknown or that member.
        degrade(outbox, now);
        continue;
      }
      if (now - head.lastSentNanos >= resendAfterNanos) {
        resend(outbox, now);
      }
    }
    return Behaviors.same();
  }

  /** Go-back-N: the owner drops what follows a missing publish, so everything unacknowledged goes again, in order. */
  private void resend(Outbox outbox, long now) {
    long after = 0;
    for (Pending p : outbox.unacked) {
      p.lastSentNanos = now;
      send(outbox, p, after);
      after = p.pseq;
    }
    metrics.publishRelay.labelValues("resent").inc(outbox.unacked.size());
  }

  private void expire(Outbox outbox, long now) {
    int expired = 0;
    while (!outbox.unacked.isEmpty() && now - outbox.unacked.peekFirst().firstSentNanos >= deadlineNanos) {
      outbox.unacked.pollFirst();
      pending--;
      expired++;
    }
    if (expired > 0) {
      metrics.publishRelay.labelValues("expired").inc(expired);
      getContext().getLog().warn("topic {}: {} publishes not acknowledged by its owner within {}, dropped",
          outbox.topic, expired, settings.deadline());
    }
  }

  private void degrade(Outbox outbox, long now) {
    outbox.degraded = true;
    degradedTopics++;
    outbox.degradedSinceNanos = now;
    outbox.deliveredUnnumbered = 0;
    active.add(outbox);
    // One line per topic at debug: a node may own thousands (onReachabilityChanged logs the count).
    getContext().getLog().debug(
        "topic {}: owner on {} unreachable, delivering unnumbered to the members' fan-outs ({} unacknowledged)",
        outbox.topic, outbox.ownerAddress == null ? "an unknown node" : outbox.ownerAddress, outbox.unacked.size());
    while (!outbox.unacked.isEmpty()) {
      pending--;
      Pending p = outbox.unacked.pollFirst();
      deliverUnnumbered(outbox, p.publish, p.pseq);
    }
    probe(outbox, now);
  }

  private void probe(Outbox outbox, long now) {
    outbox.lastProbeNanos = now;
    outbox.ref.tell(new TopicEntity.WhoOwns(getContext().getSelf()));
  }

  /**
   * Delivers {@code publish} straight to the members' fan-outs. {@code pseq} is its number when it was
   * sent to the owner before (0 if never): a stalled owner may number it when it wakes, and the fan-outs
   * drop that copy by this number.
   */
  private void deliverUnnumbered(Outbox outbox, Publish publish, long pseq) {
    NodeFanout.Deliver deliver =
        new NodeFanout.Deliver(
            outbox.topic, Published.UNNUMBERED, Published.UNNUMBERED, publish.event(), publish.payload(),
            publish.binary(), System.currentTimeMillis(), getContext().getSelf().path().uid(), pseq, false);
    // Every member but the owner's: one only suspected unreachable (a GC pause, a loaded machine) gets
    // its copy when it is back, as it would get the owner's; the owner's node is the one that failed.
    for (Member member : cluster.state().getMembers()) {
      MemberStatus status = member.status();
      if ((status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.leaving())
          && !member.address().equals(outbox.ownerAddress)) {
        fanouts
            .computeIfAbsent(member.address(), a -> getContext().classicActorContext().actorSelection(a + NodeFanout.PATH))
            .tell(deliver, org.apache.pekko.actor.ActorRef.noSender());
      }
    }
    outbox.deliveredUnnumbered++;
    metrics.publishRelay.labelValues("unnumbered").inc();
    reply(publish, Published.UNNUMBERED, Published.UNNUMBERED);
  }

  private void reply(Publish publish, long epoch, long seq) {
    if (publish.replyTo() != null) {
      publish.replyTo().tell(new Published(publish.topic(), epoch, seq, publish.replyTag()));
    }
  }

  /** Forgets outboxes idle for outbox-idle: the next publish starts afresh, as the head of its topic. */
  private Behavior<Command> onSweep() {
    long now = System.nanoTime();
    outboxes.values().removeIf(o -> !active.contains(o) && now - o.lastUsedNanos >= outboxIdleNanos);
    return Behaviors.same();
  }

  private Address addressOf(ActorRef<?> ref) {
    Address address = ref.path().address();
    return address.hasGlobalScope() ? address : selfAddress;
  }
}
