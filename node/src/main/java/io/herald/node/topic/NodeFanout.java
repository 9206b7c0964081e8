package io.herald.node.topic;

import io.herald.node.socket.ConnectionActor;
import io.herald.node.cluster.CborSerializable;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.transport.Outbound;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Payload;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * This node's side of every topic: which local sockets subscribe to what, and the delivery of each
 * {@link Deliver} to them (Phoenix's "fastlane").
 *
 * <p>State: per topic, the local subscribers and whether the topic's {@link TopicEntity} has
 * acknowledged this node's interest. The first local subscriber registers the node, and every
 * subscriber's join is confirmed only after that acknowledgement (read-your-join); the last one to
 * leave unregisters it. A delivery is encoded once per wire format into one buffer, and each event
 * loop gets one task that writes retained duplicates of it to its sockets.
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

  /** Subscribe a socket; answered with {@link ConnectionActor.Subscribed} once the topic's owner knows this node. */
  public record Subscribe(String topic, String joinRef, Subscriber subscriber) implements Command {}

  /** Remove a socket's subscription (leave, duplicate join, socket closed). */
  public record Unsubscribe(String topic, ActorRef<ConnectionActor.Command> connection)
      implements Command {}

  /** The topic's owner acknowledged this node's registration. */
  public record TopicRegistered(String topic, long epoch, long seq) implements Command, CborSerializable {}

  /**
   * One message of a topic, numbered by its owner at {@code numberedAtMillis} (the owner's wall clock,
   * for the publish-to-fan-out latency metric).
   */
  public record Deliver(
      String topic, long epoch, long seq, String event, byte[] payload, boolean binary, long numberedAtMillis)
      implements Command, CborSerializable {}

  public static Behavior<Command> create(ClusterSharding sharding, Duration slowCloseTimeout, NodeMetrics metrics) {
    return Behaviors.setup(ctx -> new NodeFanout(ctx, sharding, slowCloseTimeout, metrics));
  }

  /** Local view of one topic. */
  private static final class LocalTopic {
    final Map<ActorRef<ConnectionActor.Command>, Subscription> subscribers = new LinkedHashMap<>();
    /** Subscribers grouped by event loop, rebuilt lazily after a change; tasks read it, never mutate it. */
    Map<EventLoop, Subscriber[]> byLoop;
    boolean registered;
    boolean registering;
    long epoch;
    int intercepting;
  }

  private record Subscription(String joinRef, Subscriber subscriber, boolean confirmed) {}

  private final ClusterSharding sharding;
  private final Duration slowCloseTimeout;
  private final NodeMetrics metrics;
  private final Map<String, LocalTopic> topics = new HashMap<>();

  private NodeFanout(ActorContext<Command> ctx, ClusterSharding sharding, Duration slowCloseTimeout, NodeMetrics metrics) {
    super(ctx);
    this.metrics = metrics;
    this.sharding = sharding;
    this.slowCloseTimeout = slowCloseTimeout;
  }

  // Handlers answer Behaviors.same(), not this: Adapter.spawn runs the actor under a stop supervisor,
  // an interceptor, and a behavior returned as itself is wrapped in a new interceptor on every message.
  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Deliver.class, this::onDeliver)
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
    Subscriber subscriber = subscribe.subscriber();
    Subscription previous =
        topic.subscribers.put(
            subscriber.connection(), new Subscription(subscribe.joinRef(), subscriber, topic.registered));
    if (previous != null && !previous.subscriber().intercepts().isEmpty()) {
      topic.intercepting--;
    }
    if (!subscriber.intercepts().isEmpty()) {
      topic.intercepting++;
    }
    topic.byLoop = null;
    if (topic.registered) {
      subscriber.connection().tell(new ConnectionActor.Subscribed(subscribe.topic(), subscribe.joinRef(), topic.epoch));
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
    for (Map.Entry<ActorRef<ConnectionActor.Command>, Subscription> e : topic.subscribers.entrySet()) {
      Subscription s = e.getValue();
      if (!s.confirmed()) {
        e.setValue(new Subscription(s.joinRef(), s.subscriber(), true));
        e.getKey().tell(new ConnectionActor.Subscribed(registered.topic(), s.joinRef(), topic.epoch));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe unsubscribe) {
    LocalTopic topic = topics.get(unsubscribe.topic());
    if (topic == null) {
      return Behaviors.same();
    }
    Subscription removed = topic.subscribers.remove(unsubscribe.connection());
    if (removed == null) {
      return Behaviors.same();
    }
    if (!removed.subscriber().intercepts().isEmpty()) {
      topic.intercepting--;
    }
    topic.byLoop = null;
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
    // A new incarnation of the owner (after a rebalance or a crash) numbers from 1 under a new epoch.
    topic.epoch = deliver.epoch();
    Payload payload = deliver.binary() ? new Payload.Binary(deliver.payload()) : new Payload.Json(deliver.payload());
    if (topic.intercepting > 0) {
      for (Subscription s : topic.subscribers.values()) {
        if (s.subscriber().intercepts().contains(deliver.event())) {
          s.subscriber().connection().tell(new ConnectionActor.Intercepted(deliver.topic(), deliver.event(), payload));
        }
      }
    }
    if (topic.byLoop == null) {
      topic.byLoop = groupByLoop(topic.subscribers);
    }
    Frames frames = new Frames(deliver.topic(), deliver.event(), payload);
    for (Map.Entry<EventLoop, Subscriber[]> group : topic.byLoop.entrySet()) {
      Subscriber[] subscribers = group.getValue();
      Map<Serializer, ByteBuf> encoded = frames.forAll(subscribers);
      EventLoop loop = group.getKey();
      if (loop.inEventLoop()) {
        // This turn runs on that loop (herald.dispatcher): write now rather than queue behind its
        // other tasks. Any task an earlier turn queued to this loop ran before this turn began.
        writeAllHere(subscribers, deliver.event(), encoded, deliver.numberedAtMillis());
      } else {
        loop.execute(() -> writeAll(subscribers, deliver.event(), encoded, deliver.numberedAtMillis()));
      }
    }
    frames.release();
    return Behaviors.same();
  }

  /** {@link #writeAll} inside this actor's turn: a failed write must not stop the actor. */
  private void writeAllHere(
      Subscriber[] subscribers, String event, Map<Serializer, ByteBuf> encoded, long numberedAtMillis) {
    try {
      writeAll(subscribers, event, encoded, numberedAtMillis);
    } catch (RuntimeException e) {
      getContext().getLog().warn("delivery of {} to {} sockets failed", event, subscribers.length, e);
    }
  }

  private void writeAll(Subscriber[] subscribers, String event, Map<Serializer, ByteBuf> encoded, long numberedAtMillis) {
    int written = 0;
    try {
      for (Subscriber subscriber : subscribers) {
        if (!subscriber.intercepts().isEmpty() && subscriber.intercepts().contains(event)) {
          continue;
        }
        ByteBuf frame = encoded.get(subscriber.serializer());
        if (frame != null && Outbound.deliver(subscriber.channel(), frame, slowCloseTimeout)) {
          written++;
        }
      }
    } finally {
      metrics.deliveries.inc(written);
      metrics.fanoutLatency.observe(Math.max(0, System.currentTimeMillis() - numberedAtMillis) / 1000.0);
      for (ByteBuf frame : encoded.values()) {
        frame.release();
      }
    }
  }

  private static Map<EventLoop, Subscriber[]> groupByLoop(Map<?, Subscription> subscriptions) {
    Map<EventLoop, List<Subscriber>> lists = new IdentityHashMap<>();
    for (Subscription s : subscriptions.values()) {
      lists.computeIfAbsent(s.subscriber().channel().eventLoop(), l -> new ArrayList<>()).add(s.subscriber());
    }
    Map<EventLoop, Subscriber[]> groups = new IdentityHashMap<>();
    lists.forEach((loop, list) -> groups.put(loop, list.toArray(new Subscriber[0])));
    return groups;
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<TopicEntity.Command> entity(String topic) {
    return sharding.entityRefFor(TopicEntity.KEY, topic);
  }

  /**
   * One broadcast encoded at most once per wire format. Each event loop task gets its own reference
   * to every buffer it may write; the encoder's own reference is dropped by {@link #release()}.
   */
  private static final class Frames {
    private final String topic;
    private final String event;
    private final Payload payload;
    private final Map<Serializer, ByteBuf> bySerializer = new IdentityHashMap<>(2);

    Frames(String topic, String event, Payload payload) {
      this.topic = topic;
      this.event = event;
      this.payload = payload;
    }

    Map<Serializer, ByteBuf> forAll(Subscriber[] subscribers) {
      Map<Serializer, ByteBuf> retained = new IdentityHashMap<>(2);
      for (Subscriber s : subscribers) {
        Serializer serializer = s.serializer();
        if (!retained.containsKey(serializer)) {
          ByteBuf frame = frameFor(serializer);
          retained.put(serializer, frame == null ? null : frame.retain());
        }
      }
      retained.values().removeIf(java.util.Objects::isNull);
      return retained;
    }

    private ByteBuf frameFor(Serializer serializer) {
      if (bySerializer.containsKey(serializer)) {
        return bySerializer.get(serializer);
      }
      ByteBuf frame = null;
      if (serializer.supportsBinary() || !(payload instanceof Payload.Binary)) {
        try {
          EncodedFrame encoded = serializer.encodeBroadcast(topic, event, payload);
          // Pooled, like the sockets' own buffers: then each socket's retainedDuplicate is a recycled
          // view instead of a new object per delivery (the adaptive default allocator's are not).
          frame = Outbound.wsFrame(PooledByteBufAllocator.DEFAULT, encoded);
        } catch (ProtocolException e) {
          // Not expressible in this format (for example a field over 255 bytes in a binary frame).
          frame = null;
        }
      }
      bySerializer.put(serializer, frame);
      return frame;
    }

    void release() {
      for (ByteBuf frame : bySerializer.values()) {
        if (frame != null) {
          frame.release();
        }
      }
    }
  }
}
