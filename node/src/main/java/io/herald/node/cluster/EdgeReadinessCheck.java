package io.herald.node.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * A Pekko Management readiness check (configured in herald-pekko.conf): ready once the public port is
 * bound, not ready from the moment the node starts draining. Cluster membership (Up) is checked by
 * Pekko Management's own cluster-membership check.
 */
public final class EdgeReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final NodeReadiness readiness;

  public EdgeReadinessCheck(ActorSystem system) {
    this.readiness = NodeReadiness.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(readiness.ready());
  }
}
