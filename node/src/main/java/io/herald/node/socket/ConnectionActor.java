package io.herald.node.socket;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.herald.node.auth.Action;
import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.auth.Identity;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.Subscriber;
import io.herald.node.topic.TopicEntity;
import io.herald.node.transport.CloseCodes;
import io.herald.node.transport.Outbound;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Reply;
import io.herald.protocol.Serializer;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection (Phoenix's socket process): its joined channels by topic and join_ref,
 * heartbeat replies, and the calls into each channel's {@link ChannelHandler}.
 *
 * <p>State: the channels of this socket, each joining (waiting for the topic's owner to acknowledge
 * this node) or joined. As in Phoenix, a join is answered before the socket's next frame is handled:
 * frames that arrive while a join is pending are held (at most {@code herald.socket.max-held-frames}). The actor stops when the socket closes, after removing its subscriptions.
 * Broadcasts do not pass through here: {@link NodeFanout} writes them straight to the socket, except
 * events the handler intercepts.
 */
public final class ConnectionActor extends ExtensibleBehavior<ConnectionActor.Command> {
  private static final Logger log = LoggerFactory.getLogger(ConnectionActor.class);

  static final String PHOENIX_TOPIC = "phoenix";
  static final String HEARTBEAT = "heartbeat";
  static final String JOIN = "phx_join";
  static final String LEAVE = "phx_leave";
  static final String CLOSE = "phx_close";
  static final String ERROR = "phx_error";

  /** Messages of a connection. */
  public sealed interface Command {}

  /** A decoded client frame, from the socket edge. */
  public record Inbound(Message message) implements Command {}

  /** The socket closed, from the socket edge. */
  public record Disconnected() implements Command {}

  /** {@link NodeFanout} confirms the subscription behind the join {@code joinRef}. */
  public record Subscribed(String topic, String joinRef, long epoch) implements Command {}

  /** Close this socket (from {@link SocketDirectory}: a disconnect by socket id). */
  public record CloseSocket(int code, String reason) implements Command {}

  /** A broadcast of an event the topic's handler intercepts. */
  public record Intercepted(String topic, String event, Payload payload) implements Command {}

  private record JoinTimedOut(String topic, String joinRef) implements Command {}

  private record TokenExpired() implements Command {}

  private record PublishAcknowledged(TopicEntity.Published published) implements Command {}

  /** A reply to a client event, sent once the owner acknowledged the {@code pending} broadcasts of its call. */
  private static final class HeldReply {
    final String ref;
    final String status;
    final Payload response;
    int pending;

    HeldReply(String ref, String status, Payload response, int pending) {
      this.ref = ref;
      this.status = status;
      this.response = response;
      this.pending = pending;
    }
  }

  /** What every connection of a node shares. */
  public record Dependencies(
      ChannelRoutes routes,
      ActorRef<NodeFanout.Command> fanout,
      ClusterSharding sharding,
      HeraldSettings.Socket settings,
      HeraldSettings.Auth auth,
      ActorRef<SocketDirectory.Command> directory,
      NodeMetrics metrics) {}

  public static Behavior<Command> create(
      Channel channel, Serializer serializer, Map<String, String> connectParams, Identity identity, Dependencies deps) {
    return Behaviors.setup(ctx -> new ConnectionActor(ctx, channel, serializer, connectParams, identity, deps));
  }

  private enum State {
    JOINING,
    JOINED
  }

  /** One joined (or joining) channel of this socket. */
  private final class JoinedChannel implements ChannelContext {
    final String topic;
    final String joinRef;
    final String joinPushRef;
    final ChannelHandler handler;
    final Payload joinReply;
    State state = State.JOINING;
    /** Refuses the join if the topic's owner does not acknowledge in time; null once answered. */
    Cancellable joinTimer;
    EntityRef<TopicEntity.Command> owner;
    /** Numbers the handler calls of this channel; broadcasts carry it so their acknowledgements find the call. */
    long callId;
    int publishedInCall;
    /**
     * Replies waiting for the topic's owner to acknowledge the broadcasts of their call, by call; made
     * on the first one (most channels only listen).
     */
    LinkedHashMap<Long, HeldReply> heldReplies;

    JoinedChannel(String topic, String joinRef, String joinPushRef, ChannelHandler handler, Payload joinReply) {
      this.topic = topic;
      this.joinRef = joinRef;
      this.joinPushRef = joinPushRef;
      this.handler = handler;
      this.joinReply = joinReply;
    }

    void cancelJoinTimer() {
      if (joinTimer != null) {
        joinTimer.cancel();
        joinTimer = null;
      }
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
    public void broadcast(String event, Payload payload) {
      if (owner == null) {
        owner = deps.sharding().entityRefFor(TopicEntity.KEY, topic);
      }
      publishedInCall++;
      owner.tell(
          new TopicEntity.Publish(
              event, payload.bytes(), payload instanceof Payload.Binary, publishAcks(), joinRef + "/" + callId, null));
    }

    @Override
    public void push(String event, Payload payload) {
      send(() -> serializer.encodePush(joinRef, topic, event, payload));
    }
  }

  /** A minimal context for handler calls before a channel exists (the join itself). */
  private final class JoinContext implements ChannelContext {
    private final String topic;

    JoinContext(String topic) {
      this.topic = topic;
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
    public void broadcast(String event, Payload payload) {
      deps.sharding()
          .entityRefFor(TopicEntity.KEY, topic)
          .tell(TopicEntity.Publish.unacknowledged(event, payload.bytes(), payload instanceof Payload.Binary));
    }

    @Override
    public void push(String event, Payload payload) {
      // Phoenix does not allow pushing before the join is answered; neither do we.
      throw new IllegalStateException("push before the join was answered on " + topic);
    }
  }

  private final ActorContext<Command> ctx;
  /** Closes the socket when its token expires; null without expiry. */
  private final Cancellable expiry;
  private final Channel channel;
  private final Serializer serializer;
  private final Map<String, String> connectParams;
  private final Identity identity;
  private final Dependencies deps;
  private final Subscriber subscriber;
  /** Made on the first broadcast: most sockets only listen, and an adapter costs a ref per socket. */
  private ActorRef<TopicEntity.Published> publishAcks;
  private final Map<String, JoinedChannel> channels = new HashMap<>();
  /** The join waiting for its topic's owner; frames that arrive meanwhile wait in {@link #held}. */
  private JoinedChannel pendingJoin;
  private final ArrayDeque<Message> held = new ArrayDeque<>();

  private ConnectionActor(
      ActorContext<Command> ctx,
      Channel channel,
      Serializer serializer,
      Map<String, String> connectParams,
      Identity identity,
      Dependencies deps) {
    this.ctx = ctx;
    this.identity = identity;
    this.channel = channel;
    this.serializer = serializer;
    this.connectParams = connectParams;
    this.deps = deps;
    this.subscriber = new Subscriber(ctx.getSelf(), channel, serializer, java.util.Set.of());
    if (identity.subject() != null) {
      deps.directory().tell(new SocketDirectory.Register(identity.subject(), ctx.getSelf()));
    }
    if (identity.expiresAt() != null && deps.auth().closeOnExpiry()) {
      // The same tolerance as the check at connect, so a token accepted is not closed at once.
      Duration left = Duration.between(Instant.now(), identity.expiresAt()).plus(deps.auth().clockSkew());
      expiry = ctx.scheduleOnce(left.isNegative() ? Duration.ZERO : left, ctx.getSelf(), new TokenExpired());
    } else {
      expiry = null;
    }
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
      return closeSocket(m.code(), m.reason());
    } else if (message instanceof TokenExpired) {
      return closeSocket(CloseCodes.TOKEN_EXPIRED, "token expired");
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
        log.warn("closing {}: more than {} frames sent while a join was pending", channel.remoteAddress(), held.size());
        Outbound.close(channel, CloseCodes.POLICY_VIOLATION, "too many frames while joining", deps.settings().slowConsumerCloseTimeout());
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
    if (JOIN.equals(event)) {
      onJoin(m);
    } else if (HEARTBEAT.equals(event) && PHOENIX_TOPIC.equals(m.topic())) {
      reply(m, null, "ok", Payload.EMPTY_OBJECT);
    } else if (LEAVE.equals(event)) {
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
      close(existing);
      sendLifecycle(existing.joinRef, topic, CLOSE, Payload.EMPTY_OBJECT);
    }
    if (channels.size() >= deps.settings().maxChannels()) {
      reply(m, m.joinRef(), "error", reason("too many channels joined"));
      return;
    }
    if (topic.length() > deps.settings().maxTopicLength()) {
      refuse(m, joinRef, "topic too long", "topic_too_long");
      return;
    }
    if (m.payload().bytes().length > deps.settings().maxPayloadSize()) {
      refuse(m, joinRef, "payload too large", "payload_too_large");
      return;
    }
    if (!identity.permissions().allows(topic, Action.JOIN)) {
      refuse(m, joinRef, "unauthorized", "unauthorized");
      return;
    }
    ChannelHandler handler = deps.routes().handlerFor(topic).orElse(null);
    if (handler == null) {
      log.debug("refused join of unmatched topic {}", topic); // debug: clients choose topics, logs must not flood
      reply(m, null, "error", reason("unmatched topic"));
      return;
    }
    ChannelHandler.JoinResult result;
    try {
      result = handler.join(topic, m.payload(), new JoinContext(topic));
    } catch (RuntimeException e) {
      log.error("join of {} crashed in {}", topic, handler.getClass().getName(), e);
      reply(m, joinRef, "error", reason("join crashed"));
      return;
    }
    if (result instanceof ChannelHandler.JoinResult.Error error) {
      reply(m, joinRef, "error", error.reply());
      return;
    }
    Payload okReply = ((ChannelHandler.JoinResult.Ok) result).reply();
    JoinedChannel joined = new JoinedChannel(topic, joinRef, m.ref(), handler, okReply);
    channels.put(topic, joined);
    pendingJoin = joined;
    Subscriber sub =
        handler.intercepts().isEmpty()
            ? subscriber
            : new Subscriber(ctx.getSelf(), channel, serializer, handler.intercepts());
    deps.fanout().tell(new NodeFanout.Subscribe(topic, joinRef, sub));
    joined.joinTimer = ctx.scheduleOnce(deps.settings().joinTimeout(), ctx.getSelf(), new JoinTimedOut(topic, joinRef));
  }

  private Behavior<Command> onSubscribed(Subscribed subscribed) {
    JoinedChannel ch = channels.get(subscribed.topic());
    if (ch == null || !ch.joinRef.equals(subscribed.joinRef()) || ch.state != State.JOINING) {
      return Behaviors.same(); // a join that was replaced, left or timed out meanwhile
    }
    ch.cancelJoinTimer();
    ch.state = State.JOINED;
    deps.metrics().joins.labelValues("ok").inc();
    send(() -> serializer.encodeReply(new Reply(ch.joinRef, ch.joinPushRef, ch.topic, "ok", ch.joinReply)));
    if (ch == pendingJoin) {
      joinAnswered();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onJoinTimedOut(JoinTimedOut timeout) {
    JoinedChannel ch = channels.get(timeout.topic());
    if (ch != null && ch.joinRef.equals(timeout.joinRef()) && ch.state == State.JOINING) {
      log.warn("join of {} timed out waiting for the topic's owner", ch.topic);
      channels.remove(ch.topic);
      close(ch);
      deps.metrics().joins.labelValues("error").inc();
      send(() -> serializer.encodeReply(new Reply(ch.joinRef, ch.joinPushRef, ch.topic, "error", reason("join timed out"))));
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
      close(ch);
      sendLifecycle(ch.joinRef, ch.topic, CLOSE, Payload.EMPTY_OBJECT);
    }
  }

  private void onEvent(Message m) {
    JoinedChannel ch = channels.get(m.topic());
    if (ch == null) {
      log.debug("event {} for unjoined topic {}", m.event(), m.topic());
      reply(m, null, "error", reason("unmatched topic"));
      return;
    }
    if (m.joinRef() != null && !m.joinRef().equals(ch.joinRef)) {
      log.debug("dropping {} with stale join_ref {} on {}", m.event(), m.joinRef(), m.topic());
      return;
    }
    if (m.payload().bytes().length > deps.settings().maxPayloadSize()) {
      refuse(m, ch.joinRef, "payload too large", "payload_too_large");
      return;
    }
    if (!identity.permissions().allows(ch.topic, Action.PUBLISH)) {
      refuse(m, ch.joinRef, "unauthorized", "unauthorized");
      return;
    }
    ChannelHandler.InResult result;
    ch.callId++;
    ch.publishedInCall = 0;
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
      if (ch.publishedInCall > 0) {
        if (ch.heldReplies == null) {
          ch.heldReplies = new LinkedHashMap<>();
        } else if (ch.heldReplies.size() >= deps.settings().maxHeldReplies()) {
          Long oldest = ch.heldReplies.keySet().iterator().next();
          ch.heldReplies.remove(oldest); // its client has long timed out
        }
        ch.heldReplies.put(ch.callId, new HeldReply(m.ref(), r.status(), r.response(), ch.publishedInCall));
      } else {
        reply(m, ch.joinRef, r.status(), r.response());
      }
    }
  }

  private Behavior<Command> onPublishAcknowledged(PublishAcknowledged ack) {
    TopicEntity.Published published = ack.published();
    JoinedChannel ch = channels.get(published.topic());
    if (ch == null || !published.replyTag().startsWith(ch.joinRef + "/")) {
      return Behaviors.same(); // the channel was left or joined again since
    }
    long call = Long.parseLong(published.replyTag().substring(ch.joinRef.length() + 1));
    HeldReply held = ch.heldReplies == null ? null : ch.heldReplies.get(call);
    if (held != null && --held.pending == 0) {
      ch.heldReplies.remove(call);
      send(() -> serializer.encodeReply(new Reply(ch.joinRef, held.ref, ch.topic, held.status, held.response)));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onIntercepted(Intercepted intercepted) {
    JoinedChannel ch = channels.get(intercepted.topic());
    if (ch == null || ch.state != State.JOINED) {
      return Behaviors.same();
    }
    try {
      ChannelHandler.OutResult out = ch.handler.handleOut(intercepted.event(), intercepted.payload(), ch);
      if (out instanceof ChannelHandler.OutResult.Push push) {
        ch.push(intercepted.event(), push.payload());
      }
    } catch (RuntimeException e) {
      crash(ch, e);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDisconnected() {
    for (JoinedChannel ch : channels.values()) {
      ch.cancelJoinTimer();
      deps.fanout().tell(new NodeFanout.Unsubscribe(ch.topic, ctx.getSelf()));
    }
    if (expiry != null) {
      expiry.cancel();
    }
    channels.clear();
    return Behaviors.stopped();
  }

  private ActorRef<TopicEntity.Published> publishAcks() {
    if (publishAcks == null) {
      publishAcks = ctx.messageAdapter(TopicEntity.Published.class, PublishAcknowledged::new);
    }
    return publishAcks;
  }

  /** A limit or a permission refuses this join or event: an error reply, counted, not logged (clients choose). */
  private void refuse(Message m, String joinRef, String why, String metricReason) {
    deps.metrics().refused.labelValues(metricReason).inc();
    reply(m, joinRef, "error", reason(why));
  }

  private Behavior<Command> closeSocket(int code, String reason) {
    Outbound.close(channel, code, reason, deps.settings().slowConsumerCloseTimeout());
    return Behaviors.same(); // stops on Disconnected, once the connection is closed
  }

  /** A handler threw: the channel dies with phx_error, as a crashed Phoenix channel; phoenix.js rejoins. */
  private void crash(JoinedChannel ch, RuntimeException e) {
    log.error("channel {} crashed in {}", ch.topic, ch.handler.getClass().getName(), e);
    channels.remove(ch.topic);
    close(ch);
    sendLifecycle(ch.joinRef, ch.topic, ERROR, Payload.json("{\"reason\":\"channel_crash\"}"));
  }

  private void close(JoinedChannel ch) {
    ch.cancelJoinTimer();
    deps.fanout().tell(new NodeFanout.Unsubscribe(ch.topic, ctx.getSelf()));
  }

  private void reply(Message m, String joinRef, String status, Payload response) {
    if (JOIN.equals(m.event())) {
      deps.metrics().joins.labelValues(status).inc();
    }
    send(() -> serializer.encodeReply(new Reply(joinRef, m.ref(), m.topic(), status, response)));
  }

  /** phx_close and phx_error carry the join_ref as their ref: {@code [join_ref, join_ref, topic, event, payload]}. */
  private void sendLifecycle(String joinRef, String topic, String event, Payload payload) {
    send(() -> serializer.encodeClientMessage(new Message(joinRef, joinRef, topic, event, payload)));
  }

  private void send(java.util.function.Supplier<EncodedFrame> encode) {
    EncodedFrame frame;
    try {
      frame = encode.get();
    } catch (ProtocolException e) {
      // For example a binary reply whose topic is over 255 bytes: tell the client instead of failing.
      log.warn("cannot encode a frame for {}: {}", channel.remoteAddress(), e.reason());
      return;
    }
    Outbound.send(channel, frame);
  }

  /** The error response Herald uses everywhere: {@code {"reason": "..."}}. */
  public static Payload reason(String reason) {
    return Payload.json("{\"reason\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(reason)) + "\"}");
  }

  @Override
  public String toString() {
    return "ConnectionActor[" + Objects.toString(channel.remoteAddress()) + "]";
  }
}
