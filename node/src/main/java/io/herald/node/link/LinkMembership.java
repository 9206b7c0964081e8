package io.herald.node.link;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps the node links in step with the cluster: a link for each member that comes up (connected by
 * the one of the two with the lower address), none for a member removed.
 */
final class LinkMembership {
  private LinkMembership() {}

  static final String NAME = "node-links";

  /** Messages of the link membership. */
  sealed interface Command {}

  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  static Behavior<Command> create(PeerLinks links) {
    return Behaviors.setup(ctx -> {
      // Members already up arrive first, as MemberUp events.
      Cluster.get(ctx.getSystem()).subscriptions().tell(
          Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new), ClusterEvent.MemberEvent.class));
      return Behaviors.receive(Command.class)
          .onMessage(MemberChanged.class, changed -> {
            ClusterEvent.MemberEvent event = changed.event();
            if (event instanceof ClusterEvent.MemberUp || event instanceof ClusterEvent.MemberWeaklyUp) {
              links.memberUp(event.member());
            } else if (event instanceof ClusterEvent.MemberRemoved) {
              links.memberRemoved(event.member());
            }
            return Behaviors.same();
          })
          .build();
    });
  }
}
