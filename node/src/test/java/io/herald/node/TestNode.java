package io.herald.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.config.HeraldConfig;
import java.util.List;
import java.util.Map;

/**
 * Starts a real Herald node in this JVM for tests: a one-node cluster with real remoting on
 * loopback, the Netty edge on a free port.
 */
public final class TestNode {
  private TestNode() {}

  /**
   * Overrides for tests whose clients publish as fast as they can: the per-socket rate limit and the
   * node's connection rate stay out of their way (LimitsTest tests those).
   */
  public static final Map<String, Object> FAST_CLIENTS =
      Map.of(
          "herald.socket.rate-limit.messages-per-second", 1_000_000,
          "herald.socket.rate-limit.burst", 1_000_000,
          "herald.http.new-connections-per-second", 0);

  /**
   * The default {@code room:*} with presence on, as shipped (reference.conf). Test nodes have it off, so
   * that tests of the channel protocol see the frames they expect and no {@code presence_state}; the
   * presence tests turn it on with this override.
   */
  public static final Map<String, Object> PRESENCE_ROOMS =
      Map.of("herald.channels", List.of(Map.of("pattern", "room:*", "handler", "broadcast", "presence", true)));

  /** {@code overrides} over {@link #FAST_CLIENTS}. */
  public static Map<String, Object> fastClients(Map<String, Object> overrides) {
    Map<String, Object> merged = new java.util.HashMap<>(FAST_CLIENTS);
    merged.putAll(overrides);
    return merged;
  }

  /** A node with the default channels ({@code room:*} broadcasts) and {@code extraRoutes} first. */
  public static HeraldNode start(List<ChannelRoutes.Route> extraRoutes) throws Exception {
    return start(extraRoutes, Map.of());
  }

  /** As {@link #start(List)}, with configuration overrides such as {@code herald.socket.max-channels}. */
  public static HeraldNode start(List<ChannelRoutes.Route> extraRoutes, Map<String, Object> overrides)
      throws Exception {
    Map<String, Object> withManagement = new java.util.HashMap<>(overrides);
    withManagement.putIfAbsent("pekko.management.http.port", freePort());
    // The link binds first (before the actor system): at port 0 it could take the port just chosen for
    // management, which binds later.
    withManagement.putIfAbsent("herald.link.port", freePort());
    Config config =
        HeraldConfig.load(
            ConfigFactory.parseMap(withManagement)
                .withFallback(
                    ConfigFactory.parseString(
                        """
                        herald.http.host = "127.0.0.1"
                        herald.http.port = 0
                        herald.api.host = "127.0.0.1"
                        herald.api.port = 0
                        pekko.management.http.hostname = "127.0.0.1"
                        pekko.management.http.bind-hostname = "127.0.0.1"
                        herald.cluster.port = 0
                        herald.cluster.formation-timeout = 30s
                        herald.warm-up.enabled = false
                        herald.channels = [{ pattern = "room:*", handler = "broadcast" }]
                        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                        pekko.loglevel = WARNING
                        """)));
    return HeraldNode.start(config, extraRoutes);
  }

  /**
   * Starts {@code size} nodes in this JVM that form one cluster through the first (each with its
   * own remoting and WebSocket ports on loopback) and waits until every member is Up everywhere.
   */
  public static List<HeraldNode> startCluster(int size, Map<String, Object> overrides) throws Exception {
    List<HeraldNode> nodes = new java.util.ArrayList<>();
    HeraldNode first = start(List.of(), overrides);
    nodes.add(first);
    for (int i = 1; i < size; i++) {
      Map<String, Object> withSeed = new java.util.HashMap<>(overrides);
      withSeed.put("herald.cluster.seed-nodes", first.clusterHostPort());
      nodes.add(start(List.of(), withSeed));
    }
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    for (HeraldNode node : nodes) {
      org.apache.pekko.cluster.Cluster cluster = org.apache.pekko.cluster.Cluster.get(node.system());
      while (upMembers(cluster) < size) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster of " + size + " did not form: " + cluster.state());
        }
        Thread.sleep(50);
      }
    }
    // And every node link connected, so that what the test does next takes them (NodeLinks: a route is
    // chosen when a node registers with a topic, Artery before its link first connects).
    if (!"off".equals(String.valueOf(overrides.getOrDefault("herald.link.enabled", "on")))) {
      for (HeraldNode node : nodes) {
        while (metric(node, "herald_links_connected") < size - 1) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("node links did not connect: " + metric(node, "herald_links_connected") + " of " + (size - 1));
          }
          Thread.sleep(50);
        }
      }
    }
    return nodes;
  }

  private static long upMembers(org.apache.pekko.cluster.Cluster cluster) {
    return java.util.stream.StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .filter(m -> m.status() == org.apache.pekko.cluster.MemberStatus.up())
        .count();
  }

  /** A port free at the time of the call, for servers that cannot bind port 0 and report it. */
  public static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The management port (health) of {@code node}. */
  public static int managementPort(HeraldNode node) {
    return node.system().settings().config().getInt("pekko.management.http.port");
  }

  /** The WebSocket URL of {@code node} for protocol version {@code vsn}. */
  public static String url(HeraldNode node, String vsn) {
    return "ws://127.0.0.1:" + node.port() + "/socket/websocket?vsn=" + vsn;
  }

  public static String endpoint(HeraldNode node) {
    return "ws://127.0.0.1:" + node.port() + "/socket/websocket";
  }

  /** A sample of {@code node}'s /metrics, e.g. {@code herald_socket_closes_total{code="1000"}}; 0 when absent. */
  public static long metric(HeraldNode node, String sample) throws Exception {
    java.net.http.HttpResponse<String> response =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.apiPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    String prefix = sample + " ";
    for (String line : response.body().split("\n")) {
      if (line.startsWith(prefix)) {
        return (long) Double.parseDouble(line.substring(prefix.length()));
      }
    }
    return 0;
  }

  /** The topics whose owners (topic entities) live on {@code node} now, from its shard region. */
  public static List<String> localTopicEntities(HeraldNode node) throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    regionState(node).getShards().forEach(shard -> ids.addAll(shard.getEntityIds()));
    return ids;
  }

  /** The ids of the topic shards this node's region holds, with or without entities. */
  public static List<String> localShards(HeraldNode node) throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    regionState(node).getShards().forEach(shard -> ids.add(shard.shardId()));
    return ids;
  }

  private static org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState regionState(HeraldNode node) throws Exception {
    org.apache.pekko.actor.typed.ActorSystem<Void> typed = org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(node.system());
    org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState state =
        org.apache.pekko.actor.typed.javadsl.AskPattern
            .<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery, org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState>ask(
                org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(typed).shardState(),
                replyTo -> new org.apache.pekko.cluster.sharding.typed.GetShardRegionState(io.herald.node.topic.TopicEntity.KEY, replyTo),
                java.time.Duration.ofSeconds(5),
                typed.scheduler())
            .toCompletableFuture()
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
    return state;
  }
}
