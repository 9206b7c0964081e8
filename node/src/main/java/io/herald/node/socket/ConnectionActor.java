package io.herald.node.socket;

import io.herald.node.auth.Action;
import io.herald.node.auth.Identity;
import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.channel.LeaveReason;
import io.herald.node.cluster.NodeReadiness;
import io.herald.node.presence.Presence;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.outlet.SocketOutlet;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.Subscriber;
import io.herald.protocol.CloseReason;
import io.herald.node.topic.HistoryEntry;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.JoinRecovery;
import io.herald.protocol.RecoveryReason;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Reply;
import io.herald.protocol.ReplyReason;
import io.herald.protocol.ReservedEvents;
import io.herald.protocol.Serializer;
import io.herald.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection (Phoenix's socket process): its joined channels by topic and join_ref,
 * heartbeat replies, and the calls into each channel's {@link ChannelHandler}.
 *
 * <p>State: the channels of this socket ({@link JoinedChannel}), each joining (waiting for the topic's
 * owner to acknowledge this node) or joined. As in Phoenix, a join is answered before the socket's next
 * frame is handled: frames that arrive while a join is pending are held (at most
 * {@code herald.socket.max-held-frames}). The actor stops when the socket closes, after removing its
 * subscriptions. Broadcasts do not pass through here: {@link NodeFanout} writes them straight to the
 * socket's {@link SocketOutlet}, except events the handler intercepts.
 */
public final class ConnectionActor extends ExtensibleBehavior<ConnectionActor.Command> {
  private static final Logger log = LoggerFactory.getLogger(ConnectionActor.class);

  /** Messages of a connection. */
  public sealed interface Command {}

  /** A decoded client frame, from the transport. */
  public record Inbound(Message message) implements Command {}

  /** The socket closed, from the transport. */
  public record Disconnected() implements Command {}

  /** Close this socket (from {@link SocketDirectory}: a disconnect by socket id). */
  public record CloseSocket(CloseReason reason) implements Command {}

  /** {@link NodeFanout} confirms the subscription behind the join {@code joinRef}. */
  private record Subscribed(String topic, String joinRef, NodeFanout.Joined joined) implements Command {}

  /** A broadcast of an event the topic's handler intercepts; {@code ref} is its seq on a history topic. */
  private record Intercepted(String topic, String event, Payload payload, String ref) implements Command {}

  private record JoinTimedOut(String topic, String joinRef) implements Command {}

  private record TokenExpired() implements Command {}

  private record PublishAcknowledged(NodePublisher.Published published) implements Command {}

  /** What every connection of a node shares. */
  public record Dependencies(
      ChannelRoutes routes,
      ActorRef<NodeFanout.Command> fanout,
      ActorRef<NodePublisher.Command> publisher,
      ClusterSharding sharding,
      HeraldSettings.Socket settings,
      HeraldSettings.Auth auth,
      ActorRef<SocketDirectory.Command> directory,
      NodeMetrics metrics,
      Presence presence) {}

  public static Behavior<Command> create(
      SocketOutlet outlet, Map<String, String> connectParams, Identity identity, Dependencies deps) {
    return Behaviors.setup(ctx -> new ConnectionActor(ctx, outlet, connectParams, identity, deps));
  }

  /** This socket as the node fan-out sees it: news for the actor go through its mailbox. */
  private record SocketSubscriber(ActorRef<Command> self, SocketOutlet outlet) implements Subscriber {
    @Override
    public void subscribed(String topic, String joinRef, NodeFanout.Joined joined) {
      self.tell(new Subscribed(topic, joinRef, joined));
    }

    @Override
    public void intercepted(String topic, String event, Payload payload, String ref) {
      self.tell(new Intercepted(topic, event, payload, ref));
    }
  }

  /** A minimal context for handler calls before a channel exists (the join itself). */
  private final class JoinContext implements ChannelContext {
    private final String topic;
    private final Payload joinParams;

    JoinContext(String topic, Payload joinParams) {
      this.topic = topic;
      this.joinParams = joinParams;
    }

    @Override
    public String topic() {
      return topic;
    }

    @Override
    public Map<String, String> connectParams() {
      return connectParams;
    }

    @Override
    public String socketId() {
      return identity.subject();
    }

    @Override
    public void broadcast(String event, Payload payload, String idempotencyKey) {
      deps.publisher().tell(new NodePublisher.Publish(topic, event, payload.bytes(), payload instanceof Payload.Binary, null, 0, idempotencyKey));
    }

    @Override
    public void push(String event, Payload payload) {
      // Phoenix does not allow pushing before the join is answered; neither do we.
      throw new IllegalStateException("push before the join was answered on " + topic);
    }

    @Override
    public Payload joinParams() {
      return joinParams;
    }

    @Override
    public String track(String key, Payload meta) {
      throw new IllegalStateException("track before the join was answered on " + topic + "; track in afterJoin");
    }

    @Override
    public String update(String key, Payload meta) {
      throw new IllegalStateException("update before the join was answered on " + topic);
    }

    @Override
    public boolean untrack(String key) {
      return false;
    }

    @Override
    public Payload list(String topic) {
      return deps.presence().list(topic);
    }
  }

  private final ActorContext<Command> ctx;
  /** Closes the socket when its token expires (set again past the horizon); null without expiry. */
  private Cancellable expiry;
  private final SocketOutlet outlet;
  private final Serializer serializer;
  private final Map<String, String> connectParams;
  private final Identity identity;
  private final Dependencies deps;
  private final SocketSubscriber subscriber;
  /** Made on the first broadcast: most sockets only listen, and an adapter costs a ref per socket. */
  private ActorRef<NodePublisher.Published> publishAcks;
  private final Map<String, JoinedChannel> channels = new HashMap<>();
  /** The join waiting for its topic's owner; frames that arrive meanwhile wait in {@link #held}. */
  private JoinedChannel pendingJoin;
  private final ArrayDeque<Message> held = new ArrayDeque<>();
  /** Numbers handler calls across the socket's channels, so that a publish acknowledgement finds its call. */
  private long calls;
  /** Why the server is closing this socket, for its channels' terminate; null: the client went or the node drains. */
  private LeaveReason closing;

  private ConnectionActor(
      ActorContext<Command> ctx, SocketOutlet outlet, Map<String, String> connectParams, Identity identity, Dependencies deps) {
    this.ctx = ctx;
    this.identity = identity;
    this.outlet = outlet;
    this.serializer = outlet.serializer();
    this.connectParams = connectParams;
    this.deps = deps;
    this.subscriber = new SocketSubscriber(ctx.getSelf(), outlet);
    if (identity.subject() != null) {
      deps.directory().tell(new SocketDirectory.Register(identity.subject(), ctx.getSelf()));
    }
    // The same tolerance as the check at connect, so a token accepted is not closed at once.
    Duration untilCheck =
        deps.auth().closeOnExpiry() ? identity.untilExpiryCheck(Instant.now(), deps.auth().clockSkew()) : null;
    expiry = untilCheck == null ? null : ctx.scheduleOnce(untilCheck, ctx.getSelf(), new TokenExpired());
  }

  /**
   * One method instead of a per-instance ReceiveBuilder and a timer interceptor: there is one of
   * these actors per socket, so their fixed cost is paid 10,000s of times. Handlers answer
   * Behaviors.same(), not this: Adapter.spawnAnonymous runs the actor under a stop supervisor, an
   * interceptor, and a behavior returned as itself is wrapped in a new interceptor on every message.
   */
  @Override
  public Behavior<Command> receive(TypedActorContext<Command> context, Command message) {
    if (message instanceof Inbound m) {
      return onInbound(m);
    } else if (message instanceof Subscribed m) {
      return onSubscribed(m);
    } else if (message instanceof PublishAcknowledged m) {
      return onPublishAcknowledged(m);
    } else if (message instanceof JoinTimedOut m) {
      return onJoinTimedOut(m);
    } else if (message instanceof Intercepted m) {
      return onIntercepted(m);
    } else if (message instanceof CloseSocket m) {
      closing = LeaveReason.KICKED;
      return closeSocket(m.reason());
    } else if (message instanceof TokenExpired) {
      return onExpiryCheck();
    } else if (message instanceof Disconnected) {
      return onDisconnected();
    }
    return Behaviors.unhandled();
  }

  @Override
  public Behavior<Command> receiveSignal(TypedActorContext<Command> context, Signal signal) {
    return Behaviors.same();
  }

  private Behavior<Command> onInbound(Inbound inbound) {
    if (pendingJoin != null) {
      // As Phoenix, a join is answered before the socket's next frame is handled.
      if (held.size() >= deps.settings().maxHeldFrames()) {
        log.warn("closing {}: more than {} frames sent while a join was pending", outlet.peer(), held.size());
        outlet.close(CloseReason.TOO_MANY_FRAMES_WHILE_JOINING);
        return Behaviors.same();
      }
      held.add(inbound.message());
      return Behaviors.same();
    }
    handle(inbound.message());
    return Behaviors.same();
  }

  /** The pending join is answered: handle the frames that arrived meanwhile, up to the next join. */
  private void joinAnswered() {
    pendingJoin = null;
    while (pendingJoin == null && !held.isEmpty()) {
      handle(held.poll());
    }
  }

  private void handle(Message m) {
    String event = m.event();
    if (Topics.tooLong(m.topic(), deps.settings().maxTopicLength())) {
      refuseOverlongTopic(m);
    } else if (ReservedEvents.JOIN.equals(event)) {
      onJoin(m);
    } else if (ReservedEvents.HEARTBEAT.equals(event) && ReservedEvents.PHOENIX_TOPIC.equals(m.topic())) {
      reply(m, null, "ok", Payload.EMPTY_OBJECT);
    } else if (ReservedEvents.LEAVE.equals(event)) {
      onLeave(m);
    } else {
      onEvent(m);
    }
  }

  private void onJoin(Message m) {
    String topic = m.topic();
    // phoenix.js uses the join push's ref as the channel's join_ref.
    String joinRef = m.joinRef() != null ? m.joinRef() : m.ref();
    JoinedChannel existing = channels.remove(topic);
    if (existing != null) {
      log.debug("duplicate join of {}: closing join_ref {} for join_ref {}", topic, existing.joinRef, joinRef);
      close(existing, LeaveReason.DUPLICATE_JOIN);
      sendLifecycle(existing.joinRef, topic, ReservedEvents.CLOSE, Payload.EMPTY_OBJECT);
    }
    if (channels.size() >= deps.settings().maxChannels()) {
      reply(m, m.joinRef(), "error", ReplyReason.TOO_MANY_CHANNELS.response());
      return;
    }
    if (m.payload().bytes().length > deps.settings().maxPayloadSize()) {
      refuse(m, joinRef, ReplyReason.PAYLOAD_TOO_LARGE, "payload_too_large");
      return;
    }
    if (!identity.permissions().allows(topic, Action.JOIN)) {
      refuse(m, joinRef, ReplyReason.UNAUTHORIZED, "unauthorized");
      return;
    }
    ChannelHandler handler = deps.routes().handlerFor(topic).orElse(null);
    if (handler == null) {
      log.debug("refused join of unmatched topic {}", topic); // debug: clients choose topics, logs must not flood
      reply(m, null, "error", ReplyReason.UNMATCHED_TOPIC.response());
      return;
    }
    ChannelHandler.JoinResult result;
    try {
      result = handler.join(topic, m.payload(), new JoinContext(topic, m.payload()));
    } catch (RuntimeException e) {
      log.error("join of {} crashed in {}", topic, handler.getClass().getName(), e);
      reply(m, joinRef, "error", ReplyReason.JOIN_CRASHED.response());
      return;
    }
    if (result instanceof ChannelHandler.JoinResult.Error error) {
      reply(m, joinRef, "error", error.reply());
      return;
    }
    Payload okReply = ((ChannelHandler.JoinResult.Ok) result).reply();
    JoinRecovery.Request recovery = JoinRecovery.parse(m.payload());
    JoinedChannel joined =
        new JoinedChannel(this, topic, joinRef, m.ref(), handler, okReply, m.payload(), recovery instanceof JoinRecovery.Invalid);
    channels.put(topic, joined);
    pendingJoin = joined;
    NodeFanout.Resume resume = recovery instanceof JoinRecovery.Resume r ? new NodeFanout.Resume(r.since(), r.epoch()) : null;
    deps.fanout().tell(new NodeFanout.Subscribe(topic, joinRef, subscriber, handler.intercepts(), resume));
    joined.joinTimer(ctx.scheduleOnce(deps.settings().joinTimeout(), ctx.getSelf(), new JoinTimedOut(topic, joinRef)));
  }

  private Behavior<Command> onSubscribed(Subscribed subscribed) {
    JoinedChannel ch = channels.get(subscribed.topic());
    if (ch == null || !ch.joinRef.equals(subscribed.joinRef()) || ch.state != JoinedChannel.State.JOINING) {
      return Behaviors.same(); // a join that was replaced, left or timed out meanwhile
    }
    ch.cancelJoinTimer();
    ch.state = JoinedChannel.State.JOINED;
    deps.metrics().joins.labelValues("ok").inc();
    NodeFanout.Joined joined = subscribed.joined();
    Payload okReply = ch.joinReply;
    if (joined.history()) {
      String reason = ch.invalidRecovery ? RecoveryReason.INVALID_SINCE.wire() : joined.reason();
      okReply = JoinRecovery.reply(ch.joinReply, joined.epoch(), joined.seq(), joined.recovered(), reason);
    }
    Payload reply = okReply;
    send(s -> s.encodeReply(new Reply(ch.joinRef, ch.joinPushRef, ch.topic, "ok", reply)));
    try {
      ch.afterJoin();
      if (!joined.replay().isEmpty()) {
        replay(ch, joined.replay());
      }
    } catch (RuntimeException e) {
      crash(ch, e);
    }
    if (ch == pendingJoin) {
      joinAnswered();
    }
    return Behaviors.same();
  }

  /**
   * Writes what a rejoining channel missed, as the broadcasts it would have got, then lets the fan-out
   * write it the messages that came meanwhile (docs/protocol.md, "History and recovery").
   */
  private void replay(JoinedChannel ch, java.util.List<HistoryEntry> missed) {
    for (HistoryEntry e : missed) {
      Payload payload = e.binary() ? new Payload.Binary(e.payload()) : new Payload.Json(e.payload());
      String ref = Long.toString(e.seq());
      if (ch.handler.intercepts().contains(e.event())) {
        handleOut(ch, e.event(), payload, ref);
      } else {
        send(s -> s.encodeBroadcast(ref, ch.topic, e.event(), payload));
      }
    }
    deps.metrics().replayed.inc(missed.size());
    deps.fanout().tell(new NodeFanout.CaughtUp(ch.topic, subscriber));
  }

  private Behavior<Command> onJoinTimedOut(JoinTimedOut timeout) {
    JoinedChannel ch = channels.get(timeout.topic());
    if (ch != null && ch.joinRef.equals(timeout.joinRef()) && ch.state == JoinedChannel.State.JOINING) {
      log.warn("join of {} timed out waiting for the topic's owner", ch.topic);
      channels.remove(ch.topic);
      close(ch, LeaveReason.JOIN_TIMED_OUT);
      deps.metrics().joins.labelValues("error").inc();
      send(s -> s.encodeReply(new Reply(ch.joinRef, ch.joinPushRef, ch.topic, "error", ReplyReason.JOIN_TIMED_OUT.response())));
      if (ch == pendingJoin) {
        joinAnswered();
      }
    }
    return Behaviors.same();
  }

  private void onLeave(Message m) {
    JoinedChannel ch = channels.get(m.topic());
    if (ch != null && m.joinRef() != null && !m.joinRef().equals(ch.joinRef)) {
      log.debug("dropping phx_leave with stale join_ref {} on {}", m.joinRef(), m.topic());
      return;
    }
    reply(m, m.joinRef(), "ok", Payload.EMPTY_OBJECT);
    if (ch != null) {
      channels.remove(ch.topic);
      close(ch, LeaveReason.LEFT);
      sendLifecycle(ch.joinRef, ch.topic, ReservedEvents.CLOSE, Payload.EMPTY_OBJECT);
    }
  }

  private void onEvent(Message m) {
    JoinedChannel ch = channels.get(m.topic());
    if (ch == null) {
      log.debug("event {} for unjoined topic {}", m.event(), m.topic());
      reply(m, null, "error", ReplyReason.UNMATCHED_TOPIC.response());
      return;
    }
    if (m.joinRef() != null && !m.joinRef().equals(ch.joinRef)) {
      log.debug("dropping {} with stale join_ref {} on {}", m.event(), m.joinRef(), m.topic());
      return;
    }
    if (m.payload().bytes().length > deps.settings().maxPayloadSize()) {
      refuse(m, ch.joinRef, ReplyReason.PAYLOAD_TOO_LARGE, "payload_too_large");
      return;
    }
    if (ReservedEvents.isReserved(m.event())) {
      refuse(m, ch.joinRef, ReplyReason.RESERVED_EVENT, "reserved_event");
      return;
    }
    if (!identity.permissions().allows(ch.topic, Action.PUBLISH)) {
      refuse(m, ch.joinRef, ReplyReason.UNAUTHORIZED, "unauthorized");
      return;
    }
    ChannelHandler.InResult result;
    ch.beginCall(++calls);
    try {
      result = ch.handler.handleIn(m.event(), m.payload(), ch);
    } catch (RuntimeException e) {
      crash(ch, e);
      return;
    }
    if (result instanceof ChannelHandler.InResult.Reply r) {
      // An ok for a push that broadcast means the topic's owner numbered the message: hold the reply
      // until it says so. A broadcast lost with its owner's node leaves its reply unsent, and the
      // client's push times out, which is the truth.
      if (ch.callBroadcast()) {
        ch.holdReply(m.ref(), r.status(), r.response(), deps.settings().maxHeldReplies());
      } else {
        reply(m, ch.joinRef, r.status(), r.response());
      }
    }
  }

  private Behavior<Command> onPublishAcknowledged(PublishAcknowledged ack) {
    NodePublisher.Published published = ack.published();
    JoinedChannel ch = channels.get(published.topic());
    JoinedChannel.HeldReply held = ch == null ? null : ch.acknowledged(published.replyTag());
    if (held != null) {
      send(s -> s.encodeReply(new Reply(ch.joinRef, held.ref(), ch.topic, held.status(), held.response())));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onIntercepted(Intercepted intercepted) {
    JoinedChannel ch = channels.get(intercepted.topic());
    if (ch == null || ch.state != JoinedChannel.State.JOINED) {
      return Behaviors.same();
    }
    try {
      handleOut(ch, intercepted.event(), intercepted.payload(), intercepted.ref());
    } catch (RuntimeException e) {
      crash(ch, e);
    }
    return Behaviors.same();
  }

  private static void handleOut(JoinedChannel ch, String event, Payload payload, String ref) {
    ChannelHandler.OutResult out = ch.handler.handleOut(event, payload, ch);
    if (out instanceof ChannelHandler.OutResult.Push push) {
      ch.push(event, push.payload(), ref);
    }
  }

  /** The expiry timer fired: close if the token has expired, else (an exp past the timer's horizon) set it again. */
  private Behavior<Command> onExpiryCheck() {
    Duration left = identity.untilExpiryCheck(Instant.now(), deps.auth().clockSkew());
    if (left.isZero()) {
      closing = LeaveReason.TOKEN_EXPIRED;
      return closeSocket(CloseReason.TOKEN_EXPIRED);
    }
    expiry = ctx.scheduleOnce(left, ctx.getSelf(), new TokenExpired());
    return Behaviors.same();
  }

  private Behavior<Command> onDisconnected() {
    LeaveReason reason =
        closing != null
            ? closing
            : NodeReadiness.get(Adapter.toClassic(ctx.getSystem())).draining() ? LeaveReason.NODE_DRAINING : LeaveReason.SOCKET_CLOSED;
    for (JoinedChannel ch : channels.values()) {
      close(ch, reason);
    }
    if (expiry != null) {
      expiry.cancel();
    }
    channels.clear();
    return Behaviors.stopped();
  }

  /** A limit or a permission refuses this join or event: an error reply, counted, not logged (clients choose). */
  private void refuse(Message m, String joinRef, ReplyReason why, String metricReason) {
    deps.metrics().refused.labelValues(metricReason).inc();
    reply(m, joinRef, "error", why.response());
  }

  /**
   * A frame on a topic longer than any a socket may join: refused whatever its event, and the reply
   * carries the topic cut to the limit, so that no reply repeats more client input than a topic may hold.
   */
  private void refuseOverlongTopic(Message m) {
    int max = deps.settings().maxTopicLength();
    boolean join = ReservedEvents.JOIN.equals(m.event());
    String joinRef = join && m.joinRef() == null ? m.ref() : m.joinRef();
    deps.metrics().refused.labelValues("topic_too_long").inc();
    if (join) {
      deps.metrics().joins.labelValues("error").inc();
    }
    Payload response = ReplyReason.TOPIC_TOO_LONG.response();
    send(s -> s.encodeReply(new Reply(joinRef, m.ref(), Topics.cut(m.topic(), max), "error", response)));
  }

  private Behavior<Command> closeSocket(CloseReason reason) {
    outlet.close(reason);
    return Behaviors.same(); // stops on Disconnected, once the connection is closed
  }

  /** A handler threw: the channel dies with phx_error, as a crashed Phoenix channel; phoenix.js rejoins. */
  private void crash(JoinedChannel ch, RuntimeException e) {
    log.error("channel {} crashed in {}", ch.topic, ch.handler.getClass().getName(), e);
    channels.remove(ch.topic);
    close(ch, LeaveReason.CRASHED);
    sendLifecycle(ch.joinRef, ch.topic, ReservedEvents.ERROR, ReplyReason.CHANNEL_CRASH);
  }

  /** Every channel that was created ends here, exactly once. */
  private void close(JoinedChannel ch, LeaveReason reason) {
    ch.cancelJoinTimer();
    deps.fanout().tell(new NodeFanout.Unsubscribe(ch.topic, subscriber));
    ch.terminate(reason);
  }

  private void reply(Message m, String joinRef, String status, Payload response) {
    if (ReservedEvents.JOIN.equals(m.event())) {
      deps.metrics().joins.labelValues(status).inc();
    }
    send(s -> s.encodeReply(new Reply(joinRef, m.ref(), m.topic(), status, response)));
  }

  /** phx_close and phx_error carry the join_ref as their ref: {@code [join_ref, join_ref, topic, event, payload]}. */
  private void sendLifecycle(String joinRef, String topic, String event, Payload payload) {
    send(s -> s.encodeClientMessage(new Message(joinRef, joinRef, topic, event, payload)));
  }

  /** Encodes a frame in the socket's wire format and writes it; a frame the format cannot carry is dropped. */
  void send(Function<Serializer, EncodedFrame> encoding) {
    EncodedFrame frame;
    try {
      frame = encoding.apply(serializer);
    } catch (ProtocolException e) {
      // For example a binary reply whose topic is over 255 bytes: tell the client instead of failing.
      log.warn("cannot encode a frame for {}: {}", outlet.peer(), e.reason());
      return;
    }
    outlet.send(frame);
  }

  Map<String, String> connectParams() {
    return connectParams;
  }

  String socketId() {
    return identity.subject();
  }

  ActorRef<NodePublisher.Command> publisher() {
    return deps.publisher();
  }

  boolean mayTrack(String topic) {
    return identity.permissions().allows(topic, Action.PRESENCE);
  }

  Presence presence() {
    return deps.presence();
  }

  ActorRef<Command> self() {
    return ctx.getSelf();
  }

  ActorRef<NodePublisher.Published> publishAcks() {
    if (publishAcks == null) {
      publishAcks = ctx.messageAdapter(NodePublisher.Published.class, PublishAcknowledged::new);
    }
    return publishAcks;
  }

  @Override
  public String toString() {
    return "ConnectionActor[" + outlet.peer() + "]";
  }
}
