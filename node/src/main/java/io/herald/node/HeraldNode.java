package io.herald.node;

import com.typesafe.config.Config;
import io.herald.node.api.ApiServer;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.auth.Revocations;
import io.herald.node.socket.ConnectionActor;
import io.herald.node.socket.SocketDirectory;
import io.herald.node.cluster.ClusterFormation;
import io.herald.node.cluster.NodeReadiness;
import io.herald.node.cluster.RevocationReplica;
import io.herald.node.config.HeraldConfig;
import io.herald.node.link.PeerLinks;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.presence.Presence;
import io.herald.node.presence.PresenceSettings;
import io.herald.node.config.HeraldSettings;
import io.herald.node.topic.HistoryPolicy;
import io.herald.node.topic.NodeLinks;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.TopicEntity;
import io.herald.node.transport.EdgeLoops;
import io.herald.node.transport.LoopBroadcastWriter;
import io.herald.node.dispatch.SameLoopExecutorConfigurator;
import io.herald.node.transport.SocketEdge;
import io.herald.node.warmup.WarmUp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Herald node: the actor system (a cluster member), the topic shards, this node's fan-out and the
 * public socket edge. {@link #main} starts one from {@code application.conf} / environment;
 * {@link #start} embeds one (tests do).
 */
public final class HeraldNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeraldNode.class);

  private final ActorSystem system;
  private final SocketEdge edge;
  private final ApiServer api;
  private final Optional<WarmUp.Result> warmUp;
  private final Optional<PeerLinks> links;

  private HeraldNode(ActorSystem system, SocketEdge edge, ApiServer api, Optional<WarmUp.Result> warmUp, PeerLinks links) {
    this.links = Optional.ofNullable(links);
    this.system = system;
    this.edge = edge;
    this.api = api;
    this.warmUp = warmUp;
  }

  /** What the warm-up before the public port opened did; empty when it is off. */
  public Optional<WarmUp.Result> warmUp() {
    return warmUp;
  }

  /** This node's links to the other nodes; empty when {@code herald.link.enabled} is off. */
  public Optional<PeerLinks> links() {
    return links;
  }

  /** The bound internal API port (useful when configured as 0). */
  public int apiPort() {
    return api.port();
  }

  public static void main(String[] args) {
    try {
      Config config = HeraldConfig.load();
      HeraldNode node = start(config, List.of());
      // A JVM shutdown (SIGTERM) runs CoordinatedShutdown, which closes the edge (see start).
      node.system.registerOnTermination(() -> log.info("stopped"));
    } catch (Exception e) {
      LoggerFactory.getLogger(HeraldNode.class).error("Herald failed to start", e);
      System.exit(1);
    }
  }

  /**
   * Starts a node: joins the cluster, waits to be Up, starts sharding and binds the public port.
   *
   * @param config a complete configuration, as {@link HeraldConfig#load} gives
   * @param extraRoutes channel handlers that take precedence over {@code herald.channels}
   */
  public static HeraldNode start(Config config, List<ChannelRoutes.Route> extraRoutes) throws Exception {
    Config resolved = config.resolve();
    HeraldSettings settings = HeraldSettings.from(resolved);
    ChannelRoutes routes = ChannelRoutes.fromConfig(resolved.getConfig("herald")).after(extraRoutes);
    NodeMetrics metrics = new NodeMetrics();
    EdgeLoops loops = EdgeLoops.create(settings.http());
    // The link's port is one of this member's roles, where the other nodes read it: bound first.
    PeerLinks links;
    try {
      links = settings.link().enabled() ? PeerLinks.bind(settings.link(), loops, metrics) : null;
    } catch (Exception | Error e) {
      loops.close();
      throw e;
    }
    ActorSystem system = ActorSystem.create("herald", links == null ? resolved : links.withRole(resolved));
    if (settings.longPoll().enabled() && settings.longPoll().secret().isEmpty() && !settings.cluster().seedNodes().isBlank()) {
      log.warn("herald.longpoll.secret is empty: each node signs long-poll tokens with a random secret of its own, so a "
          + "session's polls must reach the node that opened it; set HERALD_LONGPOLL_SECRET, the same on every node");
    }
    if (settings.auth().mode() != HeraldSettings.AuthMode.REQUIRED) {
      log.warn("auth is off (herald.auth.mode): every connect is accepted with every channel permission; set HERALD_AUTH_MODE=required in production");
    }
    try {
      // Health first: /alive answers during start-up, /ready says no until the public port is bound.
      PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ClusterFormation.joinAndAwaitUp(system, settings.cluster());
      NodeLinks nodeLinks = links == null ? NodeLinks.NONE : links;
      ClusterSharding sharding = ClusterSharding.get(Adapter.toTyped(system));
      TopicEntity.Histories histories =
          TopicEntity.Histories.of(HistoryPolicy.Lookup.fromConfig(resolved.getConfig("herald")), settings.topic().historyMaxBytes());
      metrics.historyFrom(histories::bytes);
      TopicEntity.initSharding(sharding, settings.topic(), histories, metrics, nodeLinks);
      ActorRef<NodePublisher.Command> publisher =
          Adapter.spawn(
              system,
              NodePublisher.create(TopicEntity.owners(sharding), settings.publish(), metrics, nodeLinks),
              NodePublisher.NAME,
              SameLoopExecutorConfigurator.DISPATCHER);
      ActorRef<NodeFanout.Command> fanout =
          Adapter.spawn(
              system,
              NodeFanout.create(
                  TopicEntity.owners(sharding),
                  new LoopBroadcastWriter(settings.socket().slowConsumerCloseTimeout(), metrics),
                  histories.policies(),
                  settings.topic().replayBacklog(),
                  settings.publish().unnumberedRemembered(),
                  publisher),
              NodeFanout.NAME,
              SameLoopExecutorConfigurator.DISPATCHER);
      if (links != null) {
        links.attach(system, fanout, TopicEntity.owners(sharding));
      }
      Presence presence =
          Presence.start(Adapter.toTyped(system), PresenceSettings.from(resolved.getConfig("herald")), fanout, metrics);
      // Early in shutdown: the other nodes' clients see this node's members leave now, not at its removal.
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeServiceUnbind(),
              "herald-presence-leave",
              () -> presence.leave(Adapter.toTyped(system)).exceptionally(e -> Done.getInstance()));
      Revocations revocations = new Revocations(settings.auth().revocationTtl(), Clock.systemUTC());
      HeraldSettings.RevocationReplication replication = settings.revocationReplication();
      RevocationReplica.readAtStart(Adapter.toTyped(system), revocations, replication.readTimeout());
      ActorRef<RevocationReplica.Command> replica =
          Adapter.spawn(
              system,
              RevocationReplica.create(
                  revocations,
                  new RevocationReplica.Settings(settings.auth().revocationTtl(), replication.writeTimeout(), replication.pruneInterval())),
              RevocationReplica.NAME);
      ActorRef<SocketDirectory.Command> directory =
          Adapter.spawn(system, SocketDirectory.create(revocations, replica), SocketDirectory.NAME);
      ConnectionActor.Dependencies deps =
          new ConnectionActor.Dependencies(
              routes, fanout, publisher, sharding, settings.socket(), settings.auth(), directory, metrics, presence);
      // Shutdown tasks first: a SIGTERM during start-up must still drain whatever got connected.
      AtomicReference<SocketEdge> edgeRef = new AtomicReference<>();
      registerShutdown(system, settings, edgeRef, loops, links);
      metrics.socketsFrom(() -> openSockets(edgeRef));
      metrics.outboundFrom(
          () -> {
            SocketEdge e = edgeRef.get();
            return e == null ? new NodeMetrics.OutboundQueues(0, 0) : e.outboundQueues();
          });
      metrics.clusterMembersFrom(() -> membersByStatus(system));
      ApiServer api =
          ApiServer.bind(
              settings.api(), Adapter.toTyped(system), publisher, fanout, directory, () -> openSockets(edgeRef), metrics, presence, TopicEntity.owners(sharding));
      Optional<WarmUp.Result> warmUp =
          settings.warmUp().enabled()
              ? Optional.of(WarmUp.run(resolved, settings.warmUp(), loops, system, deps, revocations))
              : Optional.empty();
      // The public port last: a socket that connects finds everything behind it running, and warm.
      SocketEdge edge = SocketEdge.bind("socket edge", settings, loops, system, deps, revocations);
      edgeRef.set(edge);
      edge.serveForwardedPolls(system);
      NodeReadiness.get(system).edgeBound();
      return new HeraldNode(system, edge, api, warmUp, links);
    } catch (Exception | Error e) {
      system.terminate();
      if (links != null) {
        links.close();
      }
      loops.close();
      throw e;
    }
  }

  private static Map<String, Integer> membersByStatus(ActorSystem system) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Member member : Cluster.get(system).state().getMembers()) {
      counts.merge(member.status().toString(), 1, Integer::sum);
    }
    return counts;
  }

  private static int openSockets(AtomicReference<SocketEdge> edge) {
    SocketEdge e = edge.get();
    return e == null ? 0 : e.openSockets();
  }

  private static void registerShutdown(
      ActorSystem system, HeraldSettings settings, AtomicReference<SocketEdge> edgeRef, EdgeLoops loops, PeerLinks links) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration closeTimeout = settings.socket().slowConsumerCloseTimeout();
    CompletableFuture<Done> done = CompletableFuture.completedFuture(Done.getInstance());
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "herald-not-ready",
        () -> {
          NodeReadiness.get(system).drainStarted();
          return done;
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "herald-unbind",
        () -> {
          SocketEdge edge = edgeRef.get();
          if (edge != null) {
            edge.unbind();
          }
          return done;
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "herald-close-sockets",
        () -> {
          SocketEdge edge = edgeRef.get();
          if (edge == null) {
            return done;
          }
          HeraldSettings.Drain drain = settings.drain();
          return edge.drain(drain.batchSize(), drain.batchInterval(), drain.timeout(), closeTimeout)
              .thenApply(v -> Done.getInstance());
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseActorSystemTerminate(),
        "herald-stop-edge",
        () -> {
          SocketEdge edge = edgeRef.get();
          if (edge != null) {
            edge.close();
          }
          if (links != null) {
            links.close();
          }
          loops.close();
          return done;
        });
  }

  /** The bound public port (useful when configured as 0). */
  public int port() {
    return edge.port();
  }

  public int openSockets() {
    return edge.openSockets();
  }

  public ActorSystem system() {
    return system;
  }

  /** This node's cluster address as {@code host:port}, the form {@code herald.cluster.seed-nodes} takes. */
  public String clusterHostPort() {
    org.apache.pekko.actor.Address self = org.apache.pekko.cluster.Cluster.get(system).selfAddress();
    return self.getHost().get() + ":" + self.getPort().get();
  }

  /** Leaves the cluster and stops, as on SIGTERM. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system)
        .runAll(CoordinatedShutdown.unknownReason())
        .toCompletableFuture()
        .orTimeout(60, TimeUnit.SECONDS)
        .join();
  }
}
