package io.herald.node.channel;

import io.herald.protocol.Payload;
import java.util.Map;

/** What a {@link ChannelHandler} may know and do about the socket and topic it is called for. */
public interface ChannelContext {

  /** The topic of this channel. */
  String topic();

  /** Connect parameters from the socket's query string (without {@code vsn}, and without the token when auth is required). */
  Map<String, String> connectParams();

  /** The socket id: the verified token's {@code sub}, or null when auth is off. */
  String socketId();

  /** The join's payload as the client sent it. */
  Payload joinParams();

  /** Broadcasts an event to every subscriber of this topic on every node, the sender included. */
  default void broadcast(String event, Payload payload) {
    broadcast(event, payload, null);
  }

  /**
   * {@link #broadcast(String, Payload)} once per {@code idempotencyKey} (null: none): a broadcast that
   * repeats a key the topic saw within {@code herald.topic.idempotency-window} is not delivered again,
   * and the push's reply waits for the first one's number as usual.
   */
  void broadcast(String event, Payload payload, String idempotencyKey);

  /** Pushes an event to this socket only, on this channel. */
  void push(String event, Payload payload);

  /**
   * Tracks {@code key} with {@code meta} (a JSON object) on this channel's topic, for every node's
   * presence list, until {@link #untrack} or the channel ends. Returns the new entry's {@code phx_ref}.
   * Only once the join is answered ({@link ChannelHandler#afterJoin} or later), as Phoenix's
   * {@code track} in {@code after_join}.
   *
   * @throws PresenceRefused for a meta that is not an object or is over {@code herald.presence.max-meta-size},
   *     a key this channel already tracks, or a socket without the {@code presence} permission
   */
  String track(String key, Payload meta);

  /**
   * Replaces the meta of {@code key}, tracked by this channel: a new {@code phx_ref}, and clients see a
   * join of the new meta (with {@code phx_ref_prev}) and a leave of the old one. Returns the new ref.
   *
   * @throws PresenceRefused as {@link #track}, or when this channel does not track {@code key}
   */
  String update(String key, Payload meta);

  /** Stops tracking {@code key} on this channel; false if it was not tracked. */
  boolean untrack(String key);

  /**
   * Who is present on {@code topic} as this node knows it now (eventually consistent across nodes), in
   * Phoenix's {@code presence_state} shape: {@code {"key": {"metas": [{"phx_ref": ..., ...}]}}}.
   */
  Payload list(String topic);
}
