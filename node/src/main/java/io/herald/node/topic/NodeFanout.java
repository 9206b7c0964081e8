package io.herald.node.topic;

import io.herald.node.cluster.CborSerializable;
import io.herald.node.outlet.BroadcastWriter;
import io.herald.protocol.Payload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * <p>A socket that rejoins a topic with history with {@code since} and {@code epoch} ({@link Resume})
 * is kept out of the topic's audience while the owner replays what it missed: the owner sends the
 * replay ({@link Replayed}, {@link ReplayEnd}) behind every {@link Deliver} it sent before, so every
 * message up to the replay's end is in it and every later one comes after it. The socket gets the
 * replay with its join ({@link Subscriber#subscribed}), writes it, and says {@link CaughtUp}; messages
 * that arrived meanwhile are written to it then, and it joins the audience.
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
   * subscriber is told {@link Subscriber#subscribed} once the topic's owner knows this node, and, with
   * a {@code resume}, once the owner answered it.
   */
  public record Subscribe(String topic, String joinRef, Subscriber subscriber, Set<String> intercepts, Resume resume)
      implements Command {
    public Subscribe(String topic, String joinRef, Subscriber subscriber, Set<String> intercepts) {
      this(topic, joinRef, subscriber, intercepts, null);
    }
  }

  /** A rejoin's last seen message: {@code since} of {@code epoch}. */
  public record Resume(long since, long epoch) {}

  /**
   * What a subscription starts from: the owner's {@code epoch} and the latest {@code seq} before the
   * subscriber's first live message; whether the topic keeps {@code history}; for a {@link Resume},
   * whether it was {@code recovered} (the messages in {@code replay}, to write before any other) or the
   * {@code reason} it was not ("" when recovered or not asked).
   */
  public record Joined(long epoch, long seq, boolean history, boolean recovered, String reason, List<HistoryEntry> replay) {}

  /** The socket wrote its replay: later messages of the topic may be written to it. */
  public record CaughtUp(String topic, Subscriber subscriber) implements Command {}

  /** One message of a replay {@code request}, from the topic's owner. */
  public record Replayed(
      String topic, long request, long seq, String event, byte[] payload, boolean binary, long atMillis)
      implements Command, CborSerializable {}

  /**
   * The end of a replay {@code request}: the owner's {@code epoch} and {@code seq} (the replay's last,
   * or the latest when nothing was replayed); {@code history}: whether the topic keeps any;
   * {@code recovered} or the {@code reason} why not ("" when recovered or without history).
   */
  public record ReplayEnd(
      String topic, long request, long epoch, long seq, boolean history, boolean recovered, String reason)
      implements Command, CborSerializable {}

  /** Remove a socket's subscription (leave, duplicate join, socket closed). */
  public record Unsubscribe(String topic, Subscriber subscriber) implements Command {}

  /** The topic's owner acknowledged this node's registration. */
  public record TopicRegistered(String topic, long epoch, long seq) implements Command, CborSerializable {}

  /**
   * One message of a topic, numbered by its owner at {@code numberedAtMillis} (the owner's wall clock,
   * for the publish-to-fan-out latency metric); seq and epoch 0 when a {@link NodePublisher} delivered
   * it unnumbered because the owner was unreachable. {@code origin} and {@code pseq} name the publish
   * (its {@link NodePublisher}'s actor uid and number; 0 when not needed): an owner that was only
   * stalled numbers, when it wakes, publishes that were meanwhile delivered unnumbered, and the fan-out
   * drops those numbered copies.
   *
   * <p>{@code acknowledge}: the publish came from this node's {@link NodePublisher} and the owner sent
   * it no {@link NodePublisher.Accepted}; the fan-out tells it instead. A publish from another node
   * whose node is interested in the topic then costs two messages between nodes, not three.
   */
  public record Deliver(
      String topic,
      long epoch,
      long seq,
      String event,
      byte[] payload,
      boolean binary,
      long numberedAtMillis,
      int origin,
      long pseq,
      boolean acknowledge)
      implements Command, CborSerializable {
    public Deliver(String topic, long epoch, long seq, String event, byte[] payload, boolean binary, long numberedAtMillis) {
      this(topic, epoch, seq, event, payload, binary, numberedAtMillis, 0, 0, false);
    }
  }

  /**
   * An event for this node's subscribers of a topic only, not numbered by the topic's owner (Phoenix's
   * {@code local_broadcast}): presence diffs, which every node computes for its own subscribers.
   */
  public record LocalBroadcast(String topic, String event, Payload payload) implements Command {}

  /** {@code owners} finds a topic's {@link TopicEntity} (in a node, {@link TopicEntity#owners}). */
  public static Behavior<Command> create(Function<String, RecipientRef<TopicEntity.Command>> owners, BroadcastWriter writer) {
    return create(owners, writer, HistoryPolicy.Lookup.NONE, Integer.MAX_VALUE, Integer.MAX_VALUE, null);
  }

  /**
   * {@code histories} says which topics keep history (their broadcasts carry their seq); a rejoining
   * subscriber's live messages are held, at most {@code replayBacklog}, while it writes its replay; the
   * last {@code unnumberedRemembered} unnumbered deliveries of a topic are remembered to drop their
   * numbered copies; {@code publisher} (null: none) is this node's {@link NodePublisher}, told of the
   * publishes whose acknowledgement the owner left to their delivery here.
   */
  public static Behavior<Command> create(
      Function<String, RecipientRef<TopicEntity.Command>> owners,
      BroadcastWriter writer,
      HistoryPolicy.Lookup histories,
      int replayBacklog,
      int unnumberedRemembered,
      ActorRef<NodePublisher.Command> publisher) {
    return Behaviors.setup(ctx -> new NodeFanout(ctx, owners, writer, histories, replayBacklog, unnumberedRemembered, publisher));
  }

  /** Local view of one topic. */
  private static final class LocalTopic {
    final Map<Subscriber, Subscription> subscribers = new LinkedHashMap<>();
    /** The subscribers prepared for the writer, made again lazily after a change. */
    BroadcastWriter.Audience audience;
    boolean registered;
    boolean registering;
    final boolean history;
    long epoch;
    /** The latest seq this node saw of the topic (registration or delivery). */
    long seq;
    int intercepting;
    /** Subscribers not in the audience (recovering); the audience is made without them. */
    int recovering;
    /** Publishes delivered unnumbered whose numbered copy may still come; null while there are none. */
    LinkedHashSet<PublishId> unnumbered;

    LocalTopic(boolean history) {
      this.history = history;
    }
  }

  /** Where a subscription is: {@code audience} when live messages are written to it. */
  private enum Stage {
    /** Waiting for the owner to acknowledge this node; in the audience (read-your-join). */
    REGISTERING,
    /** Waiting for the owner's replay; what arrives meanwhile is in it. */
    AWAITING_REPLAY,
    /** The socket writes its replay; live messages wait in the backlog. */
    CATCHING_UP,
    LIVE
  }

  private static final class Subscription {
    final String joinRef;
    final Set<String> intercepts;
    Stage stage;
    /** Replay request number while awaiting it, and what came of it so far. */
    long request;
    List<HistoryEntry> replay;
    /** Live messages held while catching up. */
    List<Deliver> backlog;

    Subscription(String joinRef, Set<String> intercepts, Stage stage) {
      this.joinRef = joinRef;
      this.intercepts = intercepts;
      this.stage = stage;
    }

    boolean inAudience() {
      return stage == Stage.REGISTERING || stage == Stage.LIVE;
    }
  }

  /** A publish, as its node's publisher numbered it. */
  private record PublishId(int origin, long pseq) {}

  /** A replay under way: whose it is. */
  private record ReplayFor(String topic, Subscriber subscriber) {}

  private final Function<String, RecipientRef<TopicEntity.Command>> owners;
  private final BroadcastWriter writer;
  private final HistoryPolicy.Lookup histories;
  private final int replayBacklog;
  private final int unnumberedRemembered;
  private final ActorRef<NodePublisher.Command> publisher;
  private final Map<String, LocalTopic> topics = new HashMap<>();
  private final Map<Long, ReplayFor> replays = new HashMap<>();
  private long requests;

  private NodeFanout(
      ActorContext<Command> ctx,
      Function<String, RecipientRef<TopicEntity.Command>> owners,
      BroadcastWriter writer,
      HistoryPolicy.Lookup histories,
      int replayBacklog,
      int unnumberedRemembered,
      ActorRef<NodePublisher.Command> publisher) {
    super(ctx);
    this.unnumberedRemembered = unnumberedRemembered;
    this.publisher = publisher;
    this.owners = owners;
    this.writer = writer;
    this.histories = histories;
    this.replayBacklog = replayBacklog;
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
        .onMessage(Replayed.class, this::onReplayed)
        .onMessage(ReplayEnd.class, this::onReplayEnd)
        .onMessage(CaughtUp.class, this::onCaughtUp)
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
    String name = subscribe.topic();
    LocalTopic topic = topics.computeIfAbsent(name, t -> new LocalTopic(histories.of(t).keeps()));
    boolean resuming = subscribe.resume() != null && topic.history;
    Stage stage = resuming ? Stage.AWAITING_REPLAY : topic.registered ? Stage.LIVE : Stage.REGISTERING;
    Subscription subscription = new Subscription(subscribe.joinRef(), subscribe.intercepts(), stage);
    Subscription previous = topic.subscribers.put(subscribe.subscriber(), subscription);
    if (previous != null) {
      forget(topic, previous);
    }
    if (!subscription.intercepts.isEmpty()) {
      topic.intercepting++;
    }
    topic.audience = null;
    if (!topic.registered && !topic.registering) {
      topic.registering = true;
      entity(name).tell(new TopicEntity.Register(getContext().getSelf()));
    }
    if (resuming) {
      // Behind the registration, if one was sent: the owner answers both in order.
      topic.recovering++;
      subscription.request = ++requests;
      subscription.replay = new ArrayList<>();
      replays.put(subscription.request, new ReplayFor(name, subscribe.subscriber()));
      entity(name).tell(new TopicEntity.Recover(getContext().getSelf(), subscription.request, subscribe.resume().since(), subscribe.resume().epoch()));
    } else if (topic.registered) {
      subscribe.subscriber().subscribed(name, subscribe.joinRef(), plainJoin(topic));
    }
    return Behaviors.same();
  }

  private static Joined plainJoin(LocalTopic topic) {
    return new Joined(topic.epoch, topic.seq, topic.history, false, "", List.of());
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
    topic.seq = registered.seq();
    for (Map.Entry<Subscriber, Subscription> e : topic.subscribers.entrySet()) {
      Subscription s = e.getValue();
      if (s.stage == Stage.REGISTERING) {
        s.stage = Stage.LIVE;
        e.getKey().subscribed(registered.topic(), s.joinRef, plainJoin(topic));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReplayed(Replayed replayed) {
    Subscription s = awaitingReplay(replayed.request());
    if (s != null) {
      s.replay.add(new HistoryEntry(replayed.seq(), replayed.event(), replayed.payload(), replayed.binary(), replayed.atMillis()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReplayEnd(ReplayEnd end) {
    Subscription s = awaitingReplay(end.request());
    ReplayFor whose = replays.remove(end.request());
    if (s == null) {
      return Behaviors.same(); // the socket left meanwhile
    }
    LocalTopic topic = topics.get(whose.topic());
    // Every Deliver the owner sent before this answer has arrived; the replay holds those after since.
    topic.epoch = end.epoch();
    topic.seq = Math.max(topic.seq, end.seq());
    List<HistoryEntry> replay = end.recovered() ? s.replay : List.of();
    s.replay = null;
    Joined joined = new Joined(end.epoch(), end.seq(), end.history(), end.recovered(), end.reason(), replay);
    if (replay.isEmpty()) {
      live(topic, s);
    } else {
      s.stage = Stage.CATCHING_UP;
      s.backlog = new ArrayList<>();
    }
    whose.subscriber().subscribed(whose.topic(), s.joinRef, joined);
    return Behaviors.same();
  }

  private Behavior<Command> onCaughtUp(CaughtUp caughtUp) {
    LocalTopic topic = topics.get(caughtUp.topic());
    Subscription s = topic == null ? null : topic.subscribers.get(caughtUp.subscriber());
    if (s == null || s.stage != Stage.CATCHING_UP) {
      return Behaviors.same();
    }
    if (!s.backlog.isEmpty()) {
      BroadcastWriter.Audience one =
          writer.prepare(List.of(new BroadcastWriter.Recipient(caughtUp.subscriber().outlet(), s.intercepts)));
      for (Deliver d : s.backlog) {
        if (s.intercepts.contains(d.event())) {
          caughtUp.subscriber().intercepted(d.topic(), d.event(), payloadOf(d), refOf(topic, d));
        }
        writer.write(one, d.topic(), refOf(topic, d), d.event(), payloadOf(d), d.numberedAtMillis());
      }
    }
    s.backlog = null;
    live(topic, s);
    return Behaviors.same();
  }

  private static void live(LocalTopic topic, Subscription s) {
    s.stage = Stage.LIVE;
    topic.recovering--;
    topic.audience = null;
  }

  private Subscription awaitingReplay(long request) {
    ReplayFor whose = replays.get(request);
    LocalTopic topic = whose == null ? null : topics.get(whose.topic());
    Subscription s = topic == null ? null : topic.subscribers.get(whose.subscriber());
    return s != null && s.stage == Stage.AWAITING_REPLAY && s.request == request ? s : null;
  }

  /** A subscription ends (replaced, left): its counts go, and a replay under way is forgotten. */
  private void forget(LocalTopic topic, Subscription s) {
    if (!s.intercepts.isEmpty()) {
      topic.intercepting--;
    }
    if (!s.inAudience()) {
      topic.recovering--;
    }
    if (s.stage == Stage.AWAITING_REPLAY) {
      replays.remove(s.request);
    }
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
    forget(topic, removed);
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
    if (deliver.acknowledge()) {
      acknowledge(deliver);
    }
    LocalTopic topic = topics.get(deliver.topic());
    if (topic == null || topic.subscribers.isEmpty()) {
      return Behaviors.same();
    }
    // A new incarnation of the owner (after a rebalance or a crash) numbers from 1 under a new epoch;
    // unnumbered deliveries (seq 0, from a NodePublisher while the owner is unreachable) have none.
    if (deliver.seq() != NodePublisher.Published.UNNUMBERED) {
      topic.epoch = deliver.epoch();
      topic.seq = deliver.seq();
      if (topic.unnumbered != null && topic.unnumbered.remove(new PublishId(deliver.origin(), deliver.pseq()))) {
        return Behaviors.same(); // its subscribers had it unnumbered while the owner was unreachable
      }
    } else if (deliver.pseq() != 0) {
      rememberUnnumbered(topic, new PublishId(deliver.origin(), deliver.pseq()));
    }
    if (topic.recovering > 0) {
      for (Map.Entry<Subscriber, Subscription> e : topic.subscribers.entrySet()) {
        Subscription s = e.getValue();
        if (s.stage == Stage.CATCHING_UP) {
          if (s.backlog.size() >= replayBacklog) {
            // Its socket could not write the replay while this many messages came: too slow.
            getContext().getLog().warn("topic {}: a rejoining socket fell {} messages behind its replay", deliver.topic(), s.backlog.size());
            s.backlog.clear();
            e.getKey().outlet().close(io.herald.protocol.CloseReason.SLOW_CONSUMER);
          } else {
            s.backlog.add(deliver);
          }
        }
      }
    }
    write(topic, deliver.topic(), refOf(topic, deliver), deliver.event(), payloadOf(deliver), deliver.numberedAtMillis());
    return Behaviors.same();
  }

  /** The owner left this node's publisher's acknowledgement to this delivery (whatever becomes of it here). */
  private void acknowledge(Deliver deliver) {
    if (publisher != null && deliver.origin() == publisher.path().uid()) {
      publisher.tell(new NodePublisher.AcceptedHere(deliver.topic(), deliver.epoch(), deliver.seq(), deliver.pseq()));
    }
  }

  private void rememberUnnumbered(LocalTopic topic, PublishId id) {
    if (topic.unnumbered == null) {
      topic.unnumbered = new LinkedHashSet<>();
    }
    topic.unnumbered.add(id);
    if (topic.unnumbered.size() > unnumberedRemembered) {
      Iterator<PublishId> oldest = topic.unnumbered.iterator();
      oldest.next();
      oldest.remove();
    }
  }


  private static Payload payloadOf(Deliver deliver) {
    return deliver.binary() ? new Payload.Binary(deliver.payload()) : new Payload.Json(deliver.payload());
  }

  /** The frame's ref: a history topic's seq (docs/protocol.md), else none, as Phoenix. */
  private static String refOf(LocalTopic topic, Deliver deliver) {
    return topic.history && deliver.seq() != NodePublisher.Published.UNNUMBERED ? Long.toString(deliver.seq()) : null;
  }

  private Behavior<Command> onLocalBroadcast(LocalBroadcast broadcast) {
    LocalTopic topic = topics.get(broadcast.topic());
    if (topic != null && !topic.subscribers.isEmpty()) {
      write(topic, broadcast.topic(), null, broadcast.event(), broadcast.payload(), System.currentTimeMillis());
    }
    return Behaviors.same();
  }

  /** Hands an event to the channels that intercept it, and to the writer for everyone else in the audience. */
  private void write(LocalTopic topic, String name, String ref, String event, Payload payload, long numberedAtMillis) {
    if (topic.intercepting > 0) {
      for (Map.Entry<Subscriber, Subscription> e : topic.subscribers.entrySet()) {
        Subscription s = e.getValue();
        // A catching-up socket's intercepted events wait in its backlog with the rest.
        if (s.inAudience() && s.intercepts.contains(event)) {
          e.getKey().intercepted(name, event, payload, ref);
        }
      }
    }
    if (topic.audience == null) {
      topic.audience = writer.prepare(recipients(topic));
    }
    writer.write(topic.audience, name, ref, event, payload, numberedAtMillis);
  }

  private static List<BroadcastWriter.Recipient> recipients(LocalTopic topic) {
    List<BroadcastWriter.Recipient> recipients = new ArrayList<>(topic.subscribers.size());
    topic.subscribers.forEach((s, sub) -> {
      if (sub.inAudience()) {
        recipients.add(new BroadcastWriter.Recipient(s.outlet(), sub.intercepts));
      }
    });
    return recipients;
  }

  private RecipientRef<TopicEntity.Command> entity(String topic) {
    return owners.apply(topic);
  }

}
