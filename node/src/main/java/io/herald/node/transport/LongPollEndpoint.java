package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import io.herald.node.socket.ConnectionActor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * What every long-poll connection of an edge shares: the settings, this node's sessions, the admission
 * of new sessions, and the way to the node that holds a session when it is another one (a request
 * forwarded to its {@link LongPollRelay} over the cluster). Thread-safe.
 */
final class LongPollEndpoint {
  final String path;
  final HeraldSettings settings;
  final LongPollSessions sessions;
  final ConnectionAdmission admission;
  final ActorSystem system;
  final ConnectionActor.Dependencies deps;
  final IntSupplier openConnections;
  private final Duration pollTimeout;
  private final Duration postTimeout;
  private final ConcurrentHashMap<String, ActorRef<LongPollRelay.Command>> relays = new ConcurrentHashMap<>();

  LongPollEndpoint(
      HeraldSettings settings,
      LongPollSessions sessions,
      ConnectionAdmission admission,
      ActorSystem system,
      ConnectionActor.Dependencies deps,
      IntSupplier openConnections) {
    this.path = settings.http().socketPath() + "/longpoll";
    this.settings = settings;
    this.sessions = sessions;
    this.admission = admission;
    this.system = system;
    this.deps = deps;
    this.openConnections = openConnections;
    HeraldSettings.LongPoll lp = settings.longPoll();
    this.pollTimeout = lp.window().plus(lp.forwardTimeout());
    this.postTimeout = lp.forwardTimeout();
  }

  /**
   * Whether {@code node} is a member this node can reach: a request for a session on a node that left,
   * was removed or is unreachable is answered 410 at once, and phoenix.js opens a session elsewhere.
   */
  boolean reachable(String node) {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    for (Member m : state.getUnreachable()) {
      if (m.address().toString().equals(node)) {
        return false;
      }
    }
    for (Member m : state.getMembers()) {
      if (m.address().toString().equals(node)) {
        MemberStatus status = m.status();
        return status != MemberStatus.down() && status != MemberStatus.removed();
      }
    }
    return false;
  }

  /** Forwards a poll to the session's node; a missing answer (the node died) completes as 410. */
  CompletionStage<LongPollRelay.PollAnswer> forwardPoll(String node, String session) {
    return AskPattern.<LongPollRelay.Command, LongPollRelay.PollAnswer>ask(
            relay(node), replyTo -> new LongPollRelay.Poll(session, replyTo), pollTimeout, Adapter.toTyped(system).scheduler())
        .exceptionally(failed -> new LongPollRelay.PollAnswer(LongPollSession.Status.GONE.code, List.of()));
  }

  /** Forwards a POST batch to the session's node; a missing answer completes as 410. */
  CompletionStage<LongPollRelay.PostAnswer> forwardPost(String node, String session, List<String> lines) {
    return AskPattern.<LongPollRelay.Command, LongPollRelay.PostAnswer>ask(
            relay(node), replyTo -> new LongPollRelay.Post(session, lines, replyTo), postTimeout, Adapter.toTyped(system).scheduler())
        .exceptionally(failed -> new LongPollRelay.PostAnswer(LongPollSession.Status.GONE.code));
  }

  private ActorRef<LongPollRelay.Command> relay(String node) {
    // Only nodes named by a verified token get here, so the map holds at most the cluster's nodes.
    return relays.computeIfAbsent(
        node, n -> ActorRefResolver.get(Adapter.toTyped(system)).resolveActorRef(n + "/user/" + LongPollRelay.NAME));
  }
}
