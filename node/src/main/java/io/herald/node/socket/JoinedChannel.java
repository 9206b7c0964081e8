package io.herald.node.socket;

import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.node.topic.NodePublisher;
import io.herald.protocol.Payload;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.Cancellable;

/**
 * One joined (or joining) channel of a socket: its join, its handler, and the replies that wait for the
 * topic's owner. Lives inside its {@link ConnectionActor} and is only touched in the actor's turn.
 */
final class JoinedChannel implements ChannelContext {

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
  State state = State.JOINING;
  /** Refuses the join if the topic's owner does not acknowledge in time; null once answered. */
  private Cancellable joinTimer;
  /** The socket's number of the handler call under way; broadcasts carry it so their acknowledgements find the call. */
  private long call;
  private int publishedInCall;
  /** Replies waiting for the owner's acknowledgements, by call, oldest first; made on the first one (most channels only listen). */
  private LinkedHashMap<Long, HeldReply> heldReplies;

  JoinedChannel(
      ConnectionActor socket, String topic, String joinRef, String joinPushRef, ChannelHandler handler, Payload joinReply) {
    this.socket = socket;
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
  public void broadcast(String event, Payload payload) {
    publishedInCall++;
    socket.publisher().tell(new NodePublisher.Publish(topic, event, payload.bytes(), payload instanceof Payload.Binary, socket.publishAcks(), call, null));
  }

  @Override
  public void push(String event, Payload payload) {
    socket.send(s -> s.encodePush(joinRef, topic, event, payload));
  }
}
