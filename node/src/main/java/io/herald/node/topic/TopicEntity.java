package io.herald.node.topic;

import io.herald.node.cluster.CborSerializable;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The single owner of one topic, sharded across the cluster by topic name.
 *
 * <p>State: the nodes ({@link NodeFanout}s) that have subscribers of the topic, the incarnation's
 * {@code epoch} and the last {@code seq} given out. Every publish gets the next seq and goes out as ONE
 * {@link NodeFanout.Deliver} per interested node; since one actor numbers and sends them, every node
 * receives a topic's messages in seq order.
 *
 * <p>When the entity stops (passivation, rebalance, crash) the state is lost: the next incarnation
 * takes a fresh epoch and starts seq again at 1. It passivates itself once no node has been
 * interested for {@code herald.topic.idle-passivation}.
 */
public final class TopicEntity extends AbstractBehavior<TopicEntity.Command> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "topic");

  /** Messages of a topic entity. */
  public sealed interface Command extends CborSerializable {}

  /** A node has subscribers now; it is answered with {@link NodeFanout.TopicRegistered}. */
  public record Register(ActorRef<NodeFanout.Command> node) implements Command {}

  /** A node has no subscribers any more. */
  public record Unregister(ActorRef<NodeFanout.Command> node) implements Command {}

  /** Publish one event; {@code binary} says whether the payload is JSON text or binary data. */
  public record Publish(String event, byte[] payload, boolean binary) implements Command {}

  private enum IdleCheck implements Command {
    INSTANCE
  }

  /** Sent by the shard after our Passivate, and on hand-off. */
  private enum Stop implements Command {
    INSTANCE
  }

  public static void initSharding(ClusterSharding sharding, Duration idlePassivation) {
    sharding.init(
        Entity.of(KEY, ctx -> create(sharding, ctx.getEntityId(), ctx.getShard(), idlePassivation))
            .withStopMessage(Stop.INSTANCE));
  }

  static Behavior<Command> create(
      ClusterSharding sharding,
      String topic,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration idlePassivation) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new TopicEntity(ctx, timers, sharding, topic, shard, idlePassivation)));
  }

  private final ClusterSharding sharding;
  private final String topic;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final TimerScheduler<Command> timers;
  private final Duration idlePassivation;
  private final long epoch;
  private final Set<ActorRef<NodeFanout.Command>> nodes = new HashSet<>();
  private long seq;
  private boolean stopping;

  private TopicEntity(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      ClusterSharding sharding,
      String topic,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration idlePassivation) {
    super(ctx);
    this.sharding = sharding;
    this.topic = topic;
    this.shard = shard;
    this.timers = timers;
    this.idlePassivation = idlePassivation;
    // Positive and unlikely to repeat: subscribers compare epochs to detect a new incarnation.
    this.epoch = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    armIdleCheck();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Register.class, this::onRegister)
        .onMessage(Unregister.class, this::onUnregister)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> onPublish(Publish publish) {
    seq++;
    if (!nodes.isEmpty()) {
      NodeFanout.Deliver deliver =
          new NodeFanout.Deliver(topic, epoch, seq, publish.event(), publish.payload(), publish.binary());
      for (ActorRef<NodeFanout.Command> node : nodes) {
        node.tell(deliver);
      }
    }
    return this;
  }

  private Behavior<Command> onRegister(Register register) {
    if (stopping) {
      // Passivation is under way and this incarnation's state dies with it: send the registration
      // back through the shard, which holds it for the next incarnation.
      sharding.entityRefFor(KEY, topic).tell(register);
      return this;
    }
    nodes.add(register.node());
    timers.cancel(IdleCheck.INSTANCE);
    register.node().tell(new NodeFanout.TopicRegistered(topic, epoch, seq));
    return this;
  }

  private Behavior<Command> onUnregister(Unregister unregister) {
    nodes.remove(unregister.node());
    armIdleCheck();
    return this;
  }

  private Behavior<Command> onIdleCheck() {
    if (nodes.isEmpty() && !stopping) {
      stopping = true;
      shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    }
    return this;
  }

  private void armIdleCheck() {
    if (nodes.isEmpty()) {
      timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, idlePassivation);
    }
  }
}
