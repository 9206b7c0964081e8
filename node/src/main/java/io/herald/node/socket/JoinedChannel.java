package io.herald.node.socket;

import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.node.channel.LeaveReason;
import io.herald.node.channel.PresenceRefused;
import io.herald.node.presence.PresenceEntry;
import io.herald.node.topic.NodePublisher;
import io.herald.protocol.Payload;
import io.herald.protocol.ReservedEvents;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.Cancellable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One joined (or joining) channel of a socket: its join, its handler, and the replies that wait for the
 * topic's owner. Lives inside its {@link ConnectionActor} and is only touched in the actor's turn.
 */
final class JoinedChannel implements ChannelContext {
  private static final Logger log = LoggerFactory.getLogger(JoinedChannel.class);

  enum State {
    /** Waiting for the topic's owner to acknowledge this node's interest. */
    JOINING,
    JOINED
  }

  /** A reply to a client event, sent once the owner acknowledged the {@code pending} broadcasts of its call. */
  record HeldReply(String ref, String status, Payload response, int pending) {
    HeldReply acknowledgedOnce() {
      return new HeldReply(ref, status, response, pending - 1);
    }
  }

  private final ConnectionActor socket;
  final String topic;
  final String joinRef;
  final String joinPushRef;
  final ChannelHandler handler;
  final Payload joinReply;
  private final Payload joinParams;
  /** The join's since or epoch could not be read: its reply says so (the join itself goes on). */
  final boolean invalidRecovery;
  State state = State.JOINING;
  /** Presence entries this channel tracks, by key; made on the first track. */
  private Map<String, PresenceEntry> tracked;
  /** Whether this channel gets its topic's presence diffs (its handler's presence is on). */
  private boolean listening;
  /** Refuses the join if the topic's owner does not acknowledge in time; null once answered. */
  private Cancellable joinTimer;
  /** The socket's number of the handler call under way; broadcasts carry it so their acknowledgements find the call. */
  private long call;
  private int publishedInCall;
  /** Replies waiting for the owner's acknowledgements, by call, oldest first; made on the first one (most channels only listen). */
  private LinkedHashMap<Long, HeldReply> heldReplies;

  JoinedChannel(
      ConnectionActor socket,
      String topic,
      String joinRef,
      String joinPushRef,
      ChannelHandler handler,
      Payload joinReply,
      Payload joinParams,
      boolean invalidRecovery) {
    this.socket = socket;
    this.invalidRecovery = invalidRecovery;
    this.joinParams = joinParams;
    this.topic = topic;
    this.joinRef = joinRef;
    this.joinPushRef = joinPushRef;
    this.handler = handler;
    this.joinReply = joinReply;
  }

  void joinTimer(Cancellable timer) {
    this.joinTimer = timer;
  }

  void cancelJoinTimer() {
    if (joinTimer != null) {
      joinTimer.cancel();
      joinTimer = null;
    }
  }

  /** A handler call begins; {@code call} is unique on the socket. */
  void beginCall(long call) {
    this.call = call;
    this.publishedInCall = 0;
  }

  /** Whether the call under way broadcast anything, so that its reply must wait for the owner. */
  boolean callBroadcast() {
    return publishedInCall > 0;
  }

  /** Holds the reply of the call under way until its broadcasts are acknowledged; at most {@code max} wait. */
  void holdReply(String ref, String status, Payload response, int max) {
    if (heldReplies == null) {
      heldReplies = new LinkedHashMap<>();
    } else if (heldReplies.size() >= max) {
      Long oldest = heldReplies.keySet().iterator().next();
      heldReplies.remove(oldest); // its client has long timed out
    }
    heldReplies.put(call, new HeldReply(ref, status, response, publishedInCall));
  }

  /** One broadcast of {@code call} is acknowledged; returns its reply once all of them are, else null. */
  HeldReply acknowledged(long call) {
    HeldReply held = heldReplies == null ? null : heldReplies.get(call);
    if (held == null) {
      return null; // dropped as too old, or the call of an earlier join of this topic
    }
    if (held.pending() > 1) {
      heldReplies.put(call, held.acknowledgedOnce());
      return null;
    }
    heldReplies.remove(call);
    return held;
  }

  /**
   * The join was answered ok: the handler's afterJoin (where it tracks), then, with presence on, the
   * topic's presence_state; diffs reach the socket through the node's fan-out from now on.
   */
  void afterJoin() {
    handler.afterJoin(this);
    if (handler.presence()) {
      listening = true;
      push(ReservedEvents.PRESENCE_STATE, socket.presence().listen(topic));
    }
  }

  /** The channel ends: the handler hears it once, then what it still tracks leaves. */
  void terminate(LeaveReason reason) {
    try {
      handler.terminate(reason, this);
    } catch (RuntimeException e) {
      log.error("terminate of {} ({}) threw in {}", topic, reason, handler.getClass().getName(), e);
    }
    if (tracked != null) {
      for (PresenceEntry e : tracked.values()) {
        socket.presence().untrack(e, socket.self());
      }
      tracked = null;
    }
    if (listening) {
      listening = false;
      socket.presence().unlisten(topic);
    }
  }

  @Override
  public String track(String key, Payload meta) {
    if (state != State.JOINED) {
      throw new IllegalStateException("track before the join of " + topic + " was answered; track in afterJoin");
    }
    if (!socket.mayTrack(topic)) {
      throw new PresenceRefused("unauthorized");
    }
    if (tracked != null && tracked.containsKey(key)) {
      throw new PresenceRefused("already tracked");
    }
    PresenceEntry e = socket.presence().track(topic, key, meta, socket.self());
    if (tracked == null) {
      tracked = new HashMap<>();
    }
    tracked.put(key, e);
    return e.ref();
  }

  @Override
  public String update(String key, Payload meta) {
    PresenceEntry previous = tracked == null ? null : tracked.get(key);
    if (previous == null) {
      throw new PresenceRefused("not tracked");
    }
    PresenceEntry next = socket.presence().update(previous, meta, socket.self());
    tracked.put(key, next);
    return next.ref();
  }

  @Override
  public boolean untrack(String key) {
    PresenceEntry e = tracked == null ? null : tracked.remove(key);
    if (e == null) {
      return false;
    }
    socket.presence().untrack(e, socket.self());
    return true;
  }

  @Override
  public Payload list(String topic) {
    return socket.presence().list(topic);
  }

  @Override
  public Payload joinParams() {
    return joinParams;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public Map<String, String> connectParams() {
    return socket.connectParams();
  }

  @Override
  public String socketId() {
    return socket.socketId();
  }

  @Override
  public void broadcast(String event, Payload payload, String idempotencyKey) {
    publishedInCall++;
    socket.publisher().tell(new NodePublisher.Publish(
        topic, event, payload.bytes(), payload instanceof Payload.Binary, socket.publishAcks(), call, idempotencyKey));
  }

  @Override
  public void push(String event, Payload payload) {
    push(event, payload, null);
  }

  /** A push with {@code ref} in its ref slot: an intercepted broadcast's seq on a history topic. */
  void push(String event, Payload payload, String ref) {
    socket.send(s -> s.encodePush(joinRef, ref, topic, event, payload));
  }
}
