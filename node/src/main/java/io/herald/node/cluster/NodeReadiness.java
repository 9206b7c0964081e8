package io.herald.node.cluster;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * What this node's readiness depends on besides cluster membership: the public port is bound and the
 * node is not draining. One per actor system (several nodes may share a JVM in tests).
 */
public final class NodeReadiness implements Extension {
  private final AtomicBoolean edgeBound = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public void edgeBound() {
    edgeBound.set(true);
  }

  public void drainStarted() {
    draining.set(true);
  }

  /** Whether shutdown has begun (sockets closing now are drained, not gone on their own). */
  public boolean draining() {
    return draining.get();
  }

  public boolean ready() {
    return edgeBound.get() && !draining.get();
  }

  /** The extension's id. */
  public static final class Id extends AbstractExtensionId<NodeReadiness> implements ExtensionIdProvider {
    public static final Id INSTANCE = new Id();

    private Id() {}

    @Override
    public Id lookup() {
      return INSTANCE;
    }

    @Override
    public NodeReadiness createExtension(ExtendedActorSystem system) {
      return new NodeReadiness();
    }
  }

  public static NodeReadiness get(org.apache.pekko.actor.ActorSystem system) {
    return Id.INSTANCE.get(system);
  }
}
