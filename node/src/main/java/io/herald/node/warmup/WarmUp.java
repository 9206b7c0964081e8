package io.herald.node.warmup;

import com.sun.management.UnixOperatingSystemMXBean;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.herald.node.auth.Revocations;
import io.herald.node.channel.BroadcastHandler;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.socket.ConnectionActor;
import io.herald.node.config.HeraldSettings;
import io.herald.node.topic.TopicEntity;
import io.herald.node.transport.EdgeLoops;
import io.herald.node.transport.SocketEdge;
import io.herald.protocol.TopicPattern;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs real traffic through this node before its public port opens, so that the JIT has compiled
 * the connect, join and fan-out paths before the first user arrives. A fresh JVM otherwise spends
 * its first ~50k connects and ~20 s of fan-out interpreting and compiling, and its first users see
 * tens of milliseconds where a warm node answers in one (docs/benchmarks.md, "Cold start").
 *
 * <p>The traffic is the real path: a second socket edge bound on a free loopback port, with the same
 * pipeline, connection actors, topic shards and node fan-out as the public one, and Netty WebSocket
 * clients speaking Phoenix V2 to it. Only the checks that would refuse it differ (no auth, no origin
 * check, no rate limit), and it uses topics of its own ({@value #TOPIC_PREFIX}...) that no client of
 * the public port can join, in shards no other node owns (see {@link WarmUpTopics}). A warm-up that
 * fails or runs out of time is logged and start-up goes on.
 */
public final class WarmUp {
  private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

  static final String TOPIC_PREFIX = "herald:warm-up:";
  private static final String EVENT = "shout";
  /**
   * The push payloads, taken in turn: the shapes real clients send (short and long keys, integers,
   * negative and exponent numbers, booleans, null, nesting, escapes, a kilobyte of text). Payloads
   * of strings alone left the node's JSON reading of the others to be compiled under its first users.
   */
  static final List<String> BODIES =
      List.of(
          "{\"body\":\"" + "x".repeat(100) + "\"}",
          "{\"t\":1764171234567890,\"seq\":123456,\"pad\":\"" + "x".repeat(100) + "\"}",
          "{\"user\":{\"id\":42,\"name\":\"Zo\\u00eb \\\"z\\\" \\\\ \\n\"},\"score\":-3.75,\"ratio\":1.5e3,"
              + "\"ok\":true,\"off\":false,\"tags\":[\"a\",\"b\",1,null],\"at\":null}",
          "{\"text\":\"" + "lorem ipsum dolor sit amet, ".repeat(36) + "\",\"n\":7}");
  /**
   * Handshake headers, one set per socket in turn: Netty's own alone, those of Node's ws (which
   * offers compression), and a browser's, with names in either case.
   */
  private static final List<Map<String, String>> HANDSHAKE_HEADERS =
      List.of(
          Map.of(),
          Map.of("sec-websocket-extensions", "permessage-deflate; client_max_window_bits"),
          Map.of(
              "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
              "Accept-Encoding", "gzip, deflate, br, zstd",
              "Accept-Language", "en-US,en;q=0.9",
              "Cache-Control", "no-cache",
              "Pragma", "no-cache",
              "Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"));
  /** Pushes each fan-out socket keeps in flight: enough to keep the node busy, few enough to stay under its bounds. */
  private static final int WINDOW = 8;
  /** Connect-phase sockets handshaking at once. */
  private static final int CONNECT_CONCURRENCY = 50;
  /** Topics the connect phase joins in turn: enough that starting topic entities is warm too. */
  private static final int CONNECT_TOPICS = 500;
  /**
   * Shards the warm-up's topics fall in: few, so that a starting node, which has fewer shards than its
   * peers, is given all of them (see {@link WarmUpTopics}), and so that the first node of a cluster is
   * not left holding hundreds of empty shards that the coordinator then moves to each peer that joins,
   * 20 every 10 s, for minutes (docs/benchmarks.md, "Node 0, one node against three"); several, so that
   * the sharding code sees more than one.
   */
  private static final int MAX_SHARDS = 8;
  /** How long the shard statistics may take, and how often to ask again while regions are missing. */
  private static final Duration STATS_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration STATS_POLL = Duration.ofMillis(200);
  /** Descriptors each warm-up socket takes in this process: the client's and the server's end. */
  private static final int FDS_PER_SOCKET = 2;

  /** What a warm-up did. */
  public record Result(
      int rounds, boolean settled, int connects, int sockets, long messages, long deliveries, long expectedDeliveries,
      Duration compileTime, Duration took, Optional<Duration> garbageCollection) {}

  private WarmUp() {}

  /**
   * Runs warm-up rounds until one compiles less than {@code settings.settle()} (the JIT has the paths
   * it needs) or the timeout passes, and returns what it did; returns normally whatever happens to
   * the warm-up traffic. A round is {@code connects} connect-to-close sockets, then {@code messages}
   * published over the fan-out sockets.
   *
   * @param config the node's resolved configuration, from which the warm-up edge's is derived
   * @param loops the public edge's event loops: the warm-up edge runs on them, and its clients use
   *     their transport
   * @param deps what the public edge's connection actors get
   */
  public static Result run(
      Config config,
      HeraldSettings.WarmUp settings,
      EdgeLoops loops,
      ActorSystem system,
      ConnectionActor.Dependencies deps,
      Revocations revocations) {
    long start = System.nanoTime();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long compileStart = jitTimed ? jit.getTotalCompilationTime() : 0;
    int sockets = fitToDescriptors(settings.sockets());
    int topics = Math.max(1, Math.min(settings.topics(), sockets));
    HeraldSettings edgeSettings = HeraldSettings.from(edgeConfig(config));
    String prefix = TOPIC_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    int numberOfShards = ClusterShardingSettings.create(Adapter.toTyped(system)).numberOfShards();
    Optional<Placement> placement = shardsOwnedElsewhere(system, deps.sharding(), settings.clusterWait());
    if (placement.isEmpty()) {
      log.info(
          "warm-up skipped: sharding had not started on every member of the cluster within {} s (herald.warm-up.cluster-wait), and until it has the shard coordinator cannot place the warm-up's topics",
          settings.clusterWait().toSeconds());
      return skipped(start);
    }
    // The timeout counts from here: the wait for the members above has its own bound.
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    Set<String> ownedElsewhere = placement.get().ownedElsewhere();
    Optional<String> skip = WarmUpTopics.reasonToSkip(placement.get().peers(), ownedElsewhere, numberOfShards);
    if (skip.isPresent()) {
      log.info("warm-up skipped: {}", skip.get());
      return skipped(start);
    }
    Function<String, String> shardOf = topic -> TopicEntity.shardOf(topic, numberOfShards);
    Set<String> shards = new HashSet<>();
    List<String> fanoutTopics = WarmUpTopics.choose(prefix + "f", topics, ownedElsewhere, shards, MAX_SHARDS, shardOf);
    List<String> connectTopics = WarmUpTopics.choose(prefix + "c", CONNECT_TOPICS, ownedElsewhere, shards, MAX_SHARDS, shardOf);
    ConnectionActor.Dependencies edgeDeps =
        new ConnectionActor.Dependencies(
            deps.routes().after(List.of(new ChannelRoutes.Route(TopicPattern.parse(TOPIC_PREFIX + "*"), new BroadcastHandler()))),
            deps.fanout(),
            deps.publisher(),
            deps.sharding(),
            edgeSettings.socket(),
            edgeSettings.auth(),
            deps.directory(),
            deps.metrics(),
            deps.presence());
    SocketEdge edge = null;
    EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, loops.ioHandlerFactory());
    FanoutPhase fanout = null;
    int rounds = 0;
    int connects = 0;
    boolean settled = false;
    try {
      edge = SocketEdge.bind("warm-up edge", edgeSettings, loops, system, edgeDeps, revocations);
      String base = "ws://127.0.0.1:" + edge.port() + edgeSettings.http().socketPath() + "/websocket?vsn=2.0.0";
      // with connect params, as apps pass theirs, on some sockets
      List<URI> uris = List.of(URI.create(base), URI.create(base + "&client=warm-up&user_id=42"));
      Bootstrap bootstrap =
          new Bootstrap().group(clients).channel(loops.clientChannelType()).option(ChannelOption.TCP_NODELAY, true);
      FanoutPhase opened = new FanoutPhase(bootstrap, uris, fanoutTopics, sockets);
      fanout = opened;
      clients.execute(opened::open);
      await(opened.joined, deadline);
      long settle = settings.settle().toMillis();
      while (!settled) {
        long compiledBefore = jitTimed ? jit.getTotalCompilationTime() : 0;
        ConnectPhase round = new ConnectPhase(bootstrap, uris, connectTopics, fanoutTopics, settings.connects());
        clients.execute(round::begin);
        await(round.done, deadline);
        connects += round.completed;
        CompletableFuture<Void> published = new CompletableFuture<>();
        clients.execute(() -> opened.publish(settings.messages(), published));
        await(published, deadline);
        rounds++;
        long compiled = jitTimed ? jit.getTotalCompilationTime() - compiledBefore : 0;
        log.debug("warm-up round {}: JIT compiled for {} ms", rounds, compiled);
        settled = compiled < settle;
      }
    } catch (TimeoutException e) {
      log.warn("warm-up ran out of its {} s (herald.warm-up.timeout) before the JIT settled; the node starts less warm", settings.timeout().toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // start-up is being cancelled: let the caller see it
    } catch (Exception e) {
      log.warn("warm-up failed; the node starts less warm", e);
    } finally {
      if (fanout != null) {
        clients.execute(fanout::closeAll);
      }
      clients.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      if (edge != null) {
        edge.close();
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    Optional<Duration> collection = settings.collectGarbage() ? Optional.of(collectGarbage()) : Optional.empty();
    Result result =
        new Result(
            rounds,
            settled,
            connects,
            sockets,
            fanout == null ? 0 : fanout.replies,
            fanout == null ? 0 : fanout.deliveries,
            fanout == null ? 0 : fanout.expectedDeliveries,
            Duration.ofMillis(jitTimed ? jit.getTotalCompilationTime() - compileStart : 0),
            took,
            collection);
    log.info(
        "warm-up: {} rounds ({}), {} connects, {} messages to {} sockets in {} topics, {} of {} deliveries; JIT compiled for {} ms; took {} ms; {}",
        result.rounds(),
        settled ? "JIT settled" : "JIT not settled",
        result.connects(),
        result.messages(),
        sockets,
        topics,
        result.deliveries(),
        result.expectedDeliveries(),
        result.compileTime().toMillis(),
        result.took().toMillis(),
        collection.map(d -> "its garbage collected in " + d.toMillis() + " ms").orElse("its garbage left"));
    return result;
  }

  /** Member states in which a node has started, or is starting, sharding. */
  private static final Set<MemberStatus> STARTING_OR_SERVING = Set.of(MemberStatus.joining(), MemberStatus.weaklyUp(), MemberStatus.up());

  /** The other members (joining or up) and the shards they own. */
  private record Placement(int peers, Set<String> ownedElsewhere) {}

  /** What a warm-up that did not run reports. */
  private static Result skipped(long startNanos) {
    return new Result(0, false, 0, 0, 0, 0, 0, Duration.ZERO, Duration.ofNanos(System.nanoTime() - startNanos), Optional.empty());
  }

  /**
   * Collects the warm-up's garbage: its allocations would otherwise fill much of the young
   * generation, and the first collection under real traffic would come early, when the new users'
   * sockets are still in the young generation to be copied (docs/benchmarks.md, "The warm-up's
   * garbage"). Returns how long the call took; -XX:+DisableExplicitGC makes it a no-op.
   */
  private static Duration collectGarbage() {
    long start = System.nanoTime();
    System.gc();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * The node's configuration with the warm-up edge's differences: loopback, any port, nothing that
   * refuses. Everything else stays as the public edge has it, and it runs on the public edge's own
   * event loops ({@link EdgeLoops}).
   */
  static Config edgeConfig(Config config) {
    return ConfigFactory.parseMap(
            Map.of(
                "herald.http.host", "127.0.0.1",
                "herald.http.port", 0,
                "herald.http.demo-page", false,
                "herald.http.check-origin", "off",
                "herald.auth.mode", "off",
                "herald.socket.rate-limit.messages-per-second", 1e9,
                "herald.socket.rate-limit.burst", 1_000_000_000))
        .withFallback(config);
  }

  /** Fewer sockets when this process's descriptor limit is low; the warm-up must never use up the node's. */
  private static int fitToDescriptors(int wanted) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
      long spare = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
      int fit = (int) Math.max(1, Math.min(Integer.MAX_VALUE, spare / (4L * FDS_PER_SOCKET)));
      if (fit < wanted) {
        log.info("warm-up uses {} sockets instead of {}: few file descriptors are free", fit, wanted);
        return fit;
      }
    }
    return wanted;
  }

  /**
   * Shards of the topic entity that other nodes own, from the coordinator's statistics, once every
   * member of the cluster (joining or up) has a shard region registered with the coordinator; empty if that takes
   * longer than {@code wait}. Until then the coordinator cannot allocate a shard: it writes each
   * allocation to every member's replicator, which a member only has once it has started sharding, so
   * the warm-up's joins would time out. That is how nodes that start at the same moment meet: all Up
   * at once, some still starting sharding. A node joining a serving cluster finds its peers' regions
   * registered and waits only for its own.
   */
  private static Optional<Placement> shardsOwnedElsewhere(ActorSystem system, ClusterSharding sharding, Duration wait) {
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfAddress();
    long deadline = System.nanoTime() + wait.toNanos();
    Set<Address> missing = Set.of(self);
    try {
      while (System.nanoTime() < deadline) {
        ShardRegion.ClusterShardingStats stats =
            AskPattern.<ClusterShardingQuery, ShardRegion.ClusterShardingStats>ask(
                    sharding.shardState(),
                    replyTo -> new GetClusterShardingStats(TopicEntity.KEY, STATS_TIMEOUT, replyTo),
                    STATS_TIMEOUT.plusSeconds(1),
                    Adapter.toTyped(system).scheduler())
                .toCompletableFuture()
                .get(STATS_TIMEOUT.toMillis() + 2000, TimeUnit.MILLISECONDS);
        missing = new HashSet<>();
        int peers = 0;
        for (Member member : cluster.state().getMembers()) {
          if (STARTING_OR_SERVING.contains(member.status())) {
            if (!stats.getRegions().containsKey(member.address())) {
              missing.add(member.address());
            }
            if (!member.address().equals(self)) {
              peers++;
            }
          }
        }
        if (missing.isEmpty()) {
          Set<String> elsewhere = new HashSet<>();
          stats.getRegions().forEach((address, region) -> {
            if (!address.equals(self)) {
              elsewhere.addAll(region.getStats().keySet());
            }
          });
          return Optional.of(new Placement(peers, elsewhere));
        }
        Thread.sleep(STATS_POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("warm-up: no shard statistics ({})", e.toString());
    }
    log.debug("warm-up: members without a registered shard region: {}", missing);
    return Optional.empty();
  }

  private static void await(CompletableFuture<Void> phase, long deadlineNanos) throws Exception {
    phase.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Connects the {@code n}th socket of a phase: its URI and handshake headers vary with {@code n}. */
  private static void connect(Bootstrap bootstrap, List<URI> uris, int n, WarmUpSocket socket) {
    URI uri = uris.get(n % uris.size());
    HttpHeaders headers = new DefaultHttpHeaders();
    HANDSHAKE_HEADERS.get(n % HANDSHAKE_HEADERS.size()).forEach(headers::add);
    WebSocketClientProtocolConfig config =
        WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri).customHeaders(headers).build();
    bootstrap
        .clone()
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(new HttpClientCodec())
                    .addLast(new HttpObjectAggregator(8192))
                    .addLast(new WebSocketClientProtocolHandler(config))
                    .addLast(socket);
              }
            })
        .connect(uri.getHost(), uri.getPort())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                socket.connectFailed(f.cause());
              }
            });
  }

  /**
   * Sockets that connect, join two topics, push and heartbeat without waiting for the joins' answers,
   * then leave and close, {@link #CONNECT_CONCURRENCY} at a time: the path every new user takes. The
   * second topic is a fan-out topic, so that the fan-out's subscriber lists change between the
   * fan-out rounds as they do under real traffic. Runs on the client event loop.
   */
  private static final class ConnectPhase implements WarmUpSocket.Script {
    /** Replies before the leave (the push's and the heartbeat's), then the leaves' (one per topic). */
    private static final int REPLIES_BEFORE_LEAVE = 2;
    private static final int REPLIES_BEFORE_CLOSE = REPLIES_BEFORE_LEAVE + 2;

    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Bootstrap bootstrap;
    private final List<URI> uris;
    private final List<String> topics;
    private final List<String> fanoutTopics;
    private final int total;
    private int started;
    int completed;
    private int failed;

    ConnectPhase(Bootstrap bootstrap, List<URI> uris, List<String> topics, List<String> fanoutTopics, int total) {
      this.bootstrap = bootstrap;
      this.uris = uris;
      this.topics = topics;
      this.fanoutTopics = fanoutTopics;
      this.total = total;
    }

    void begin() {
      for (int i = 0; i < CONNECT_CONCURRENCY; i++) {
        next();
      }
      finishIfDone();
    }

    private void next() {
      if (started < total && !done.isDone()) {
        List<String> joins =
            List.of(topics.get(started % topics.size()), fanoutTopics.get(started % fanoutTopics.size()));
        connect(bootstrap, uris, started, new WarmUpSocket(joins, 0, EVENT, BODIES, this));
        started++;
      }
    }

    private void finishIfDone() {
      if (completed + failed >= total) {
        done.complete(null);
      }
    }

    @Override
    public void opened(WarmUpSocket socket) {
      socket.push();
      socket.heartbeat();
    }

    @Override
    public void joined(WarmUpSocket socket) {}

    @Override
    public void replied(WarmUpSocket socket) {
      // In any order; a phx_close after a leave counts as that leave's reply.
      socket.step++;
      if (socket.step == REPLIES_BEFORE_LEAVE) {
        socket.leave();
      } else if (socket.step == REPLIES_BEFORE_CLOSE) {
        socket.close();
        completed++;
        next();
        finishIfDone();
      }
    }

    @Override
    public void delivered(WarmUpSocket socket) {}

    @Override
    public void failed(WarmUpSocket socket, String why) {
      failed++;
      if (failed == 1) {
        log.debug("warm-up connect failed: {}", why);
      }
      // Past a tenth failing, something is wrong with the warm-up itself: stop it rather than loop.
      if (failed > total / 10) {
        done.completeExceptionally(new IllegalStateException(failed + " warm-up connects failed, the first: " + why));
        return;
      }
      next();
      finishIfDone();
    }
  }

  /**
   * Sockets in topics of several members, each publishing to its own topic (a window of pushes in
   * flight). {@link #publish} completes when its messages are answered and every broadcast has
   * arrived. Runs on the client event loop.
   */
  private static final class FanoutPhase implements WarmUpSocket.Script {
    final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final Bootstrap bootstrap;
    private final List<URI> uris;
    private final List<String> topics;
    private final int[] members;
    private final WarmUpSocket[] all;
    private int joinedSockets;
    private long toSend;
    private long sent;
    private CompletableFuture<Void> published;
    long replies;
    long deliveries;
    long expectedDeliveries;

    FanoutPhase(Bootstrap bootstrap, List<URI> uris, List<String> topics, int sockets) {
      this.bootstrap = bootstrap;
      this.uris = uris;
      this.topics = topics;
      this.members = new int[topics.size()];
      this.all = new WarmUpSocket[sockets];
    }

    void open() {
      for (int i = 0; i < all.length; i++) {
        // Shifted by one each lap: sockets are given to the event loops in turn, so with i % topics a
        // topic's members would all share one loop and the fan-out to several loops would stay cold.
        int topic = (i + i / members.length) % members.length;
        members[topic]++;
        all[i] = new WarmUpSocket(List.of(topics.get(topic)), topic, EVENT, BODIES, this);
        connect(bootstrap, uris, i, all[i]);
      }
    }

    void publish(long messages, CompletableFuture<Void> done) {
      published = done;
      toSend = messages;
      for (WarmUpSocket s : all) {
        for (int w = 0; w < WINDOW; w++) {
          pushFrom(s);
        }
      }
      finishIfDone();
    }

    void closeAll() {
      for (WarmUpSocket s : all) {
        if (s != null) {
          s.close();
        }
      }
    }

    @Override
    public void joined(WarmUpSocket socket) {
      if (++joinedSockets == all.length) {
        joined.complete(null);
      }
    }

    private void pushFrom(WarmUpSocket socket) {
      if (toSend > 0) {
        toSend--;
        sent++;
        expectedDeliveries += members[socket.topicIndex()];
        socket.push();
      }
    }

    @Override
    public void replied(WarmUpSocket socket) {
      replies++;
      pushFrom(socket);
      finishIfDone();
    }

    @Override
    public void delivered(WarmUpSocket socket) {
      deliveries++;
      finishIfDone();
    }

    private void finishIfDone() {
      if (published != null && toSend == 0 && replies >= sent && deliveries >= expectedDeliveries) {
        published.complete(null);
      }
    }

    @Override
    public void failed(WarmUpSocket socket, String why) {
      IllegalStateException e = new IllegalStateException("a warm-up fan-out socket failed: " + why);
      joined.completeExceptionally(e);
      if (published != null) {
        published.completeExceptionally(e);
      }
    }
  }
}
