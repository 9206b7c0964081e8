package io.herald.node.cluster;

import io.herald.node.config.HeraldSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the cluster: the configured seed nodes, or with none this node alone (a cluster of one); or,
 * with {@code herald.cluster.discovery = kubernetes-api}, the members Cluster Bootstrap finds.
 */
public final class ClusterFormation {
  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);

  private ClusterFormation() {}

  /** Joins and blocks until this node is an Up member, or fails after the formation timeout. */
  public static void joinAndAwaitUp(ActorSystem system, HeraldSettings.Cluster settings)
      throws InterruptedException, TimeoutException {
    Cluster cluster = Cluster.get(system);
    CompletableFuture<Void> up = new CompletableFuture<>();
    cluster.registerOnMemberUp(() -> up.complete(null));
    List<Address> seeds = seedAddresses(system.name(), settings.seedNodes());
    if (settings.discovery() == HeraldSettings.Discovery.KUBERNETES_API) {
      if (!seeds.isEmpty()) {
        throw new IllegalArgumentException("herald.cluster.discovery = kubernetes-api finds the seed nodes itself: leave herald.cluster.seed-nodes (HERALD_SEED_NODES) empty");
      }
      // Needs the management endpoint started (HeraldNode does so first): peers probe it.
      log.info("discovering the cluster's members through the Kubernetes API (Pekko Cluster Bootstrap)");
      ClusterBootstrap.get(system).start();
    } else if (seeds.isEmpty()) {
      log.info("no seed nodes configured: forming a cluster of one at {}", cluster.selfAddress());
      cluster.join(cluster.selfAddress());
    } else {
      log.info("joining the cluster through seed nodes {}", seeds);
      cluster.joinSeedNodes(seeds);
    }
    Duration timeout = settings.formationTimeout();
    try {
      up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cluster formation failed", e.getCause());
    }
    log.info("{} is Up", cluster.selfAddress());
  }

  /** {@code "host:port,host:port"} to Pekko addresses of the system {@code systemName}. */
  static List<Address> seedAddresses(String systemName, String seedNodes) {
    List<Address> seeds = new ArrayList<>();
    for (String entry : seedNodes.split(",")) {
      String hostPort = entry.trim();
      if (hostPort.isEmpty()) {
        continue;
      }
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostPort.length() - 1) {
        throw new IllegalArgumentException("herald.cluster.seed-nodes: expected host:port, got '" + hostPort + "'");
      }
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("herald.cluster.seed-nodes: bad port in '" + hostPort + "'", e);
      }
      seeds.add(new Address("pekko", systemName, hostPort.substring(0, colon), port));
    }
    return seeds;
  }
}
