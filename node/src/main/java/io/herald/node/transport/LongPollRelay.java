package io.herald.node.transport;

import io.herald.node.cluster.CborSerializable;
import io.herald.protocol.EncodedFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Serves the long-poll requests other nodes forward to this one: a load balancer without sticky
 * sessions sends a session's polls and posts to any node, and the node that received one forwards it
 * here, to the node its token names, over the cluster (Pekko remoting). The answer goes back the
 * same way and that node writes the HTTP response.
 *
 * <p>Stateless: the sessions live in this node's {@link LongPollSessions}. One per node, at
 * {@code /user/longpoll-relay}.
 */
public final class LongPollRelay extends AbstractBehavior<LongPollRelay.Command> {

  public static final String NAME = "longpoll-relay";

  /** Messages of the relay. */
  public sealed interface Command {}

  /** A poll of {@code session}; answered with a {@link PollAnswer} when the session's poll is. */
  public record Poll(String session, ActorRef<PollAnswer> replyTo) implements Command, CborSerializable {}

  /** A POST batch for {@code session}: its lines as the client sent them. */
  public record Post(String session, List<String> lines, ActorRef<PostAnswer> replyTo)
      implements Command, CborSerializable {}

  /** A poll's status (200, 204, 410) and, for 200, the frames as JSON text, in order. */
  public record PollAnswer(int status, List<String> messages) implements CborSerializable {}

  /** A post's status (200 or 410). */
  public record PostAnswer(int status) implements CborSerializable {}

  static Behavior<Command> create(LongPollSessions sessions) {
    return Behaviors.setup(ctx -> new LongPollRelay(ctx, sessions));
  }

  private final LongPollSessions sessions;

  private LongPollRelay(ActorContext<Command> ctx, LongPollSessions sessions) {
    super(ctx);
    this.sessions = sessions;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Poll.class, this::onPoll).onMessage(Post.class, this::onPost).build();
  }

  private Behavior<Command> onPoll(Poll poll) {
    LongPollSession session = sessions.get(poll.session());
    if (session == null) {
      poll.replyTo().tell(new PollAnswer(LongPollSession.Status.GONE.code, List.of()));
      return Behaviors.same();
    }
    session.poll(answer -> poll.replyTo().tell(toMessage(answer)), sessions.now());
    return Behaviors.same();
  }

  private Behavior<Command> onPost(Post post) {
    LongPollSession session = sessions.get(post.session());
    LongPollSession.PostResult result =
        session == null ? LongPollSession.PostResult.GONE : session.post(LongPollBodies.lines(post.lines()), sessions.now());
    post.replyTo().tell(new PostAnswer(LongPollBodies.status(result)));
    return Behaviors.same();
  }

  static PollAnswer toMessage(LongPollSession.Answer answer) {
    List<String> messages = new ArrayList<>(answer.messages().size());
    for (EncodedFrame frame : answer.messages()) {
      messages.add(new String(frame.bytes(), StandardCharsets.UTF_8));
    }
    return new PollAnswer(answer.status().code, messages);
  }
}
