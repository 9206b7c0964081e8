package io.herald.node.channel;

import io.herald.protocol.Payload;
import java.util.Set;

/**
 * User code for the topics of one pattern, Phoenix's {@code Phoenix.Channel} behaviour in Java.
 *
 * <p>Callbacks run inside the socket's {@code ConnectionActor}, one at a time per socket, and by
 * default on a socket event loop that serves many sockets ({@code herald.dispatcher.same-loop}): a
 * callback must not block, or it holds up those sockets too. A handler that must block needs
 * {@code same-loop = off}, which runs connection actors on a thread pool instead. Implementations must
 * be thread-safe if they keep shared state, because one instance serves every socket.
 */
public interface ChannelHandler {

  /** Authorizes a join. {@code params} is the join payload as sent by the client. */
  JoinResult join(String topic, Payload params, ChannelContext context);

  /**
   * Handles a client event on a joined topic. Side effects (broadcast, push) go through the context;
   * the result says whether to reply.
   */
  InResult handleIn(String event, Payload payload, ChannelContext context);

  /**
   * Called once the join is answered ok, before any later frame of the socket is handled: the place to
   * {@link ChannelContext#track} (Phoenix's {@code after_join}). A throw crashes the channel.
   */
  default void afterJoin(ChannelContext context) {}

  /**
   * Called exactly once for every channel whose {@link #join} returned ok, when it ends for any
   * {@code reason}. Presence entries the channel still tracks are removed after it returns. Must not
   * block; a throw is logged and ignored (the channel is gone either way).
   */
  default void terminate(LeaveReason reason, ChannelContext context) {}

  /**
   * Whether joins of this handler's topics get {@code presence_state} right after the ok reply and the
   * topic's {@code presence_diff} broadcasts (what phoenix.js {@code Presence} listens for).
   */
  default boolean presence() {
    return false;
  }

  /** Events this handler wants to see per subscriber before they go out (costs an encode per socket). */
  default Set<String> intercepts() {
    return Set.of();
  }

  /** Called for each intercepted broadcast event; only for events in {@link #intercepts()}. */
  default OutResult handleOut(String event, Payload payload, ChannelContext context) {
    return new OutResult.Push(payload);
  }

  /** Outcome of {@link #join}. */
  sealed interface JoinResult {
    /** Joined; {@code reply} is the join reply's response (an empty object for none). */
    record Ok(Payload reply) implements JoinResult {}

    /** Refused; {@code reply} is the error reply's response, for example {@code {"reason":"unauthorized"}}. */
    record Error(Payload reply) implements JoinResult {}

    static JoinResult ok() {
      return new Ok(Payload.EMPTY_OBJECT);
    }
  }

  /** Outcome of {@link #handleIn}. */
  sealed interface InResult {
    /** Reply to the client's push with a status ("ok", "error", ...) and a response. */
    record Reply(String status, Payload response) implements InResult {}

    /** No reply (the client's push times out unless something else answers it). */
    record NoReply() implements InResult {}

    static InResult ok() {
      return new Reply("ok", Payload.EMPTY_OBJECT);
    }
  }

  /** Outcome of {@link #handleOut}. */
  sealed interface OutResult {
    /** Push this payload (possibly rewritten) to the subscriber. */
    record Push(Payload payload) implements OutResult {}

    /** Do not deliver the event to this subscriber. */
    record Skip() implements OutResult {}
  }
}
