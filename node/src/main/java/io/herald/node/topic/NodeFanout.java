package io.herald.node.topic;

import io.herald.node.cluster.CborSerializable;
import io.herald.node.outlet.BroadcastWriter;
import io.herald.protocol.Payload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import java.util.function.Function;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * This node's side of every topic: which local sockets subscribe to what, and the delivery of each
 * {@link Deliver} to them (Phoenix's "fastlane").
 *
 * <p>State: per topic, the local subscribers and whether the topic's {@link TopicEntity} has
 * acknowledged this node's interest. The first local subscriber registers the node, and every
 * subscriber's join is confirmed only after that acknowledgement (read-your-join); the last one to
 * leave unregisters it. A delivery goes to the {@link BroadcastWriter}, which encodes it once per wire
 * format and shares it among the sockets; events a channel intercepts go to its socket instead.
 *
 * <p>The state is local to this node and dies with it; sockets die with it too.
 */
public final class NodeFanout extends AbstractBehavior<NodeFanout.Command> {

  /** The actor's name under /user on every node: topic entities find it by this path. */
  public static final String NAME = "node-fanout";

  public static final String PATH = "/user/" + NAME;

  /** Messages of the node fan-out. */
  public sealed interface Command {}

  /** How many topics and subscriptions this node holds; answered with {@link LocalStats}. */
  public record GetLocalStats(ActorRef<LocalStats> replyTo) implements Command {}

  /** This node's topics with local subscribers, and the subscriptions in them. */
  public record LocalStats(int topics, int subscriptions) {}

  /** A new incarnation of a topic's owner asks whether this node has subscribers of the topic. */
  public record InterestQuery(String topic, ActorRef<TopicEntity.Command> entity)
      implements Command, CborSerializable {}

  /**
   * Subscribe a socket, whose channel hands the events in {@code intercepts} to its handler; the
   * subscriber is told {@link Subscriber#subscribed} once the topic's owner knows this node.
   */
  public record Subscribe(String topic, String joinRef, Subscriber subscriber, Set<String> intercepts)
      implements Command {}

  /** Remove a socket's subscription (leave, duplicate join, socket closed). */
  public record Unsubscribe(String topic, Subscriber subscriber) implements Command {}

  /** The topic's owner acknowledged this node's registration. */
  public record TopicRegistered(String topic, long epoch, long seq) implements Command, CborSerializable {}

  /**
   * One message of a topic, numbered by its owner at {@code numberedAtMillis} (the owner's wall clock,
   * for the publish-to-fan-out latency metric); seq and epoch 0 when a {@link NodePublisher} delivered
   * it unnumbered because the owner was unreachable.
   */
  public record Deliver(
      String topic, long epoch, long seq, String event, byte[] payload, boolean binary, long numberedAtMillis)
      implements Command, CborSerializable {}

  /**
   * An event for this node's subscribers of a topic only, not numbered by the topic's owner (Phoenix's
   * {@code local_broadcast}): presence diffs, which every node computes for its own subscribers.
   */
  public record LocalBroadcast(String topic, String event, Payload payload) implements Command {}

  /** {@code owners} finds a topic's {@link TopicEntity} (in a node, {@link TopicEntity#owners}). */
  public static Behavior<Command> create(Function<String, RecipientRef<TopicEntity.Command>> owners, BroadcastWriter writer) {
    return Behaviors.setup(ctx -> new NodeFanout(ctx, owners, writer));
  }

  /** Local view of one topic. */
  private static final class LocalTopic {
    final Map<Subscriber, Subscription> subscribers = new LinkedHashMap<>();
    /** The subscribers prepared for the writer, made again lazily after a change. */
    BroadcastWriter.Audience audience;
    boolean registered;
    boolean registering;
    long epoch;
    int intercepting;
  }

  private record Subscription(String joinRef, Set<String> intercepts, boolean confirmed) {}

  private final Function<String, RecipientRef<TopicEntity.Command>> owners;
  private final BroadcastWriter writer;
  private final Map<String, LocalTopic> topics = new HashMap<>();

  private NodeFanout(
      ActorContext<Command> ctx, Function<String, RecipientRef<TopicEntity.Command>> owners, BroadcastWriter writer) {
    super(ctx);
    this.owners = owners;
    this.writer = writer;
  }

  // Handlers answer Behaviors.same(), not this: Adapter.spawn runs the actor under a stop supervisor,
  // an interceptor, and a behavior returned as itself is wrapped in a new interceptor on every message.
  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Deliver.class, this::onDeliver)
        .onMessage(LocalBroadcast.class, this::onLocalBroadcast)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(TopicRegistered.class, this::onRegistered)
        .onMessage(InterestQuery.class, this::onInterestQuery)
        .onMessage(GetLocalStats.class, this::onGetLocalStats)
        .build();
  }

  private Behavior<Command> onGetLocalStats(GetLocalStats get) {
    int subscriptions = 0;
    for (LocalTopic topic : topics.values()) {
      subscriptions += topic.subscribers.size();
    }
    get.replyTo().tell(new LocalStats(topics.size(), subscriptions));
    return Behaviors.same();
  }

  private Behavior<Command> onInterestQuery(InterestQuery query) {
    LocalTopic topic = topics.get(query.topic());
    boolean interested = topic != null && !topic.subscribers.isEmpty();
    query.entity().tell(new TopicEntity.Interest(getContext().getSelf(), interested));
    return Behaviors.same();
  }

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    LocalTopic topic = topics.computeIfAbsent(subscribe.topic(), t -> new LocalTopic());
    Subscription previous =
        topic.subscribers.put(
            subscribe.subscriber(), new Subscription(subscribe.joinRef(), subscribe.intercepts(), topic.registered));
    if (previous != null && !previous.intercepts().isEmpty()) {
      topic.intercepting--;
    }
    if (!subscribe.intercepts().isEmpty()) {
      topic.intercepting++;
    }
    topic.audience = null;
    if (topic.registered) {
      subscribe.subscriber().subscribed(subscribe.topic(), subscribe.joinRef(), topic.epoch);
    } else if (!topic.registering) {
      topic.registering = true;
      entity(subscribe.topic()).tell(new TopicEntity.Register(getContext().getSelf()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRegistered(TopicRegistered registered) {
    LocalTopic topic = topics.get(registered.topic());
    if (topic == null) {
      // Everyone left while the registration was under way.
      entity(registered.topic()).tell(new TopicEntity.Unregister(getContext().getSelf()));
      return Behaviors.same();
    }
    topic.registering = false;
    topic.registered = true;
    topic.epoch = registered.epoch();
    for (Map.Entry<Subscriber, Subscription> e : topic.subscribers.entrySet()) {
      Subscription s = e.getValue();
      if (!s.confirmed()) {
        e.setValue(new Subscription(s.joinRef(), s.intercepts(), true));
        e.getKey().subscribed(registered.topic(), s.joinRef(), topic.epoch);
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe unsubscribe) {
    LocalTopic topic = topics.get(unsubscribe.topic());
    if (topic == null) {
      return Behaviors.same();
    }
    Subscription removed = topic.subscribers.remove(unsubscribe.subscriber());
    if (removed == null) {
      return Behaviors.same();
    }
    if (!removed.intercepts().isEmpty()) {
      topic.intercepting--;
    }
    topic.audience = null;
    if (topic.subscribers.isEmpty()) {
      topics.remove(unsubscribe.topic());
      if (topic.registered) {
        entity(unsubscribe.topic()).tell(new TopicEntity.Unregister(getContext().getSelf()));
      }
      // While registering, onRegistered finds no topic and unregisters.
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDeliver(Deliver deliver) {
    LocalTopic topic = topics.get(deliver.topic());
    if (topic == null || topic.subscribers.isEmpty()) {
      return Behaviors.same();
    }
    // A new incarnation of the owner (after a rebalance or a crash) numbers from 1 under a new epoch;
    // unnumbered deliveries (seq 0, from a NodePublisher while the owner is unreachable) have none.
    if (deliver.seq() != NodePublisher.Published.UNNUMBERED) {
      topic.epoch = deliver.epoch();
    }
    Payload payload = deliver.binary() ? new Payload.Binary(deliver.payload()) : new Payload.Json(deliver.payload());
    write(topic, deliver.topic(), deliver.event(), payload, deliver.numberedAtMillis());
    return Behaviors.same();
  }

  private Behavior<Command> onLocalBroadcast(LocalBroadcast broadcast) {
    LocalTopic topic = topics.get(broadcast.topic());
    if (topic != null && !topic.subscribers.isEmpty()) {
      write(topic, broadcast.topic(), broadcast.event(), broadcast.payload(), System.currentTimeMillis());
    }
    return Behaviors.same();
  }

  /** Hands an event to the channels that intercept it, and to the writer for everyone else. */
  private void write(LocalTopic topic, String name, String event, Payload payload, long numberedAtMillis) {
    if (topic.intercepting > 0) {
      for (Map.Entry<Subscriber, Subscription> e : topic.subscribers.entrySet()) {
        if (e.getValue().intercepts().contains(event)) {
          e.getKey().intercepted(name, event, payload);
        }
      }
    }
    if (topic.audience == null) {
      topic.audience = writer.prepare(recipients(topic));
    }
    writer.write(topic.audience, name, event, payload, numberedAtMillis);
  }

  private static List<BroadcastWriter.Recipient> recipients(LocalTopic topic) {
    List<BroadcastWriter.Recipient> recipients = new ArrayList<>(topic.subscribers.size());
    topic.subscribers.forEach((s, sub) -> recipients.add(new BroadcastWriter.Recipient(s.outlet(), sub.intercepts())));
    return recipients;
  }

  private RecipientRef<TopicEntity.Command> entity(String topic) {
    return owners.apply(topic);
  }

}
