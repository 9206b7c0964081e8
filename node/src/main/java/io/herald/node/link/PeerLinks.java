package io.herald.node.link;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodeLinks;
import io.herald.node.topic.TopicEntity;
import io.herald.node.transport.EdgeLoops;
import io.herald.node.wire.WireSerializer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.NotSerializableException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's links to the other nodes (docs/architecture.md, "The node link"): a server on the socket
 * edge's event loops, one connection per pair of members (the member with the lower address connects),
 * and the routes topic actors send by ({@link NodeLinks}).
 *
 * <p>Made in two steps: {@link #bind} before the actor system (its port goes into this member's roles,
 * where the other nodes read it), {@link #attach} once the fan-out runs; {@link LinkMembership} then
 * connects to each member that comes up and forgets each one removed.
 */
public final class PeerLinks implements NodeLinks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerLinks.class);

  /** The role that carries a member's link port. */
  static final String ROLE_PREFIX = "herald-link-";

  private final HeraldSettings.Link settings;
  private final EdgeLoops loops;
  private final NodeMetrics metrics;
  private volatile Channel server;
  private final Map<Address, PeerLink> peers = new ConcurrentHashMap<>();
  private volatile Attached attached;
  private volatile boolean closed;

  /** What the links need of the running node. */
  private record Attached(
      Cluster cluster,
      WireSerializer serializer,
      ActorRef<NodeFanout.Command> fanout,
      Function<String, RecipientRef<TopicEntity.Command>> owners) {}

  private PeerLinks(HeraldSettings.Link settings, EdgeLoops loops, NodeMetrics metrics) {
    this.settings = settings;
    this.loops = loops;
    this.metrics = metrics;
  }

  /** Binds the link port (before the actor system: its port is one of the member's roles). */
  public static PeerLinks bind(HeraldSettings.Link settings, EdgeLoops loops, NodeMetrics metrics) throws InterruptedException {
    PeerLinks links = new PeerLinks(settings, loops, metrics);
    links.server =
        new ServerBootstrap()
            .group(loops.acceptor(), loops.workers())
            .channel(loops.serverChannelType())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(settings))
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    links.pipeline(ch, null);
                  }
                })
            .bind(settings.host(), settings.port())
            .sync()
            .channel();
    metrics.linksFrom(links::connected);
    log.info("node link listening on {}", links.server.localAddress());
    return links;
  }

  private static WriteBufferWaterMark waterMark(HeraldSettings.Link settings) {
    return new WriteBufferWaterMark(settings.maxUnwrittenBytes() / 2, settings.maxUnwrittenBytes());
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** {@code config} with this node's link port added to its cluster roles. */
  public Config withRole(Config config) {
    List<String> roles = new ArrayList<>(config.getStringList("pekko.cluster.roles"));
    roles.add(ROLE_PREFIX + port());
    return config.withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
  }

  /** Starts connecting: from now on frames go to {@code fanout} and to topics' owners through {@code owners}. */
  public void attach(
      ActorSystem system, ActorRef<NodeFanout.Command> fanout, Function<String, RecipientRef<TopicEntity.Command>> owners) {
    attached = new Attached(Cluster.get(system), new WireSerializer((ExtendedActorSystem) system), fanout, owners);
    Adapter.spawn(system, LinkMembership.create(this), LinkMembership.NAME);
  }

  private void pipeline(Channel ch, PeerLink dialing) {
    ch.pipeline()
        .addLast(new LengthFieldBasedFrameDecoder(settings.maxFrameSize(), 0, 4, 0, 4))
        .addLast(new LinkConnection(this, metrics, dialing));
  }

  /** Links connected now. */
  int connected() {
    int n = 0;
    for (PeerLink peer : peers.values()) {
      if (peer.state() == PeerLink.State.UP) {
        n++;
      }
    }
    return n;
  }

  // ---- routes (NodeLinks) ----

  @Override
  public FanoutRoute toFanout(ActorRef<NodeFanout.Command> fanout) {
    Address address = fanout.path().address();
    PeerLink peer = address.hasLocalScope() ? null : peers.get(address);
    if (peer == null || attached == null || !peer.usable()) {
      return fanout::tell;
    }
    return new LinkRoute(peer, fanout);
  }

  /** A route by a link, back to Artery for good once the link refuses (it gave up or its node left). */
  private final class LinkRoute implements FanoutRoute {
    private final PeerLink peer;
    private final ActorRef<NodeFanout.Command> fanout;
    private boolean artery;

    LinkRoute(PeerLink peer, ActorRef<NodeFanout.Command> fanout) {
      this.peer = peer;
      this.fanout = fanout;
    }

    @Override
    public void tell(NodeFanout.Command message) {
      if (!artery) {
        if (peer.send(encoded(message).frame())) {
          return;
        }
        artery = true;
      }
      fanout.tell(message);
    }
  }

  /** A message in the wire serializer's form, and a frame of it for one link. */
  private record Encoded(Object message, String manifest, byte[] bytes) {
    ByteBuf frame() {
      return LinkFrames.toFanout(ByteBufAllocator.DEFAULT, manifest, bytes);
    }
  }

  /**
   * The last message this thread encoded: an owner sends one delivery to every interested node in a
   * row, from one thread, and each link's frame copies the same bytes instead of encoding it again.
   */
  private static final ThreadLocal<Encoded> LAST_ENCODED = new ThreadLocal<>();

  private Encoded encoded(Object message) {
    Encoded last = LAST_ENCODED.get();
    if (last != null && last.message() == message) {
      return last;
    }
    WireSerializer serializer = attached.serializer();
    Encoded e = new Encoded(message, serializer.manifest(message), serializer.toBinary(message));
    LAST_ENCODED.set(e);
    return e;
  }

  @Override
  public boolean publish(Address owner, String topic, TopicEntity.Publish publish) {
    PeerLink peer = peers.get(owner);
    Attached a = attached;
    if (peer == null || a == null || !peer.usable()) {
      return false;
    }
    ByteBuf frame;
    try {
      frame = LinkFrames.toOwner(ByteBufAllocator.DEFAULT, topic, a.serializer().manifest(publish), a.serializer().toBinary(publish));
    } catch (IllegalArgumentException e) {
      return false; // a topic name too long for a frame field: the shard region takes it
    }
    return peer.send(frame);
  }

  // ---- frames from the connections ----

  ByteBuf hello(ByteBufAllocator alloc) {
    UniqueAddress self = attached.cluster().selfUniqueAddress();
    return LinkFrames.hello(alloc, self.address().toString(), self.longUid());
  }

  /** A node connected and said hello: its link, or null to close the connection. */
  PeerLink accepted(LinkFrames.Hello hello, LinkConnection connection) {
    Attached a = attached;
    if (a == null || closed) {
      return null;
    }
    Member member = currentMember(a.cluster(), hello);
    if (member == null) {
      log.warn("link hello from {} (uid {}), not a current member: closed", hello.address(), hello.uid());
      return null;
    }
    if (!dials(member.address(), a.cluster().selfAddress())) {
      log.warn("link hello from {}, which should be dialled by this node: closed", hello.address());
      return null;
    }
    PeerLink peer = peerFor(member);
    if (peer == null) {
      return null;
    }
    // The answer goes before any frame the link holds (connected() queues those behind it).
    connection.sendHello(hello(ByteBufAllocator.DEFAULT));
    return peer.connected(connection) ? peer : null;
  }

  private static Member currentMember(Cluster cluster, LinkFrames.Hello hello) {
    for (Member m : cluster.state().getMembers()) {
      if (m.address().toString().equals(hello.address()) && m.uniqueAddress().longUid() == hello.uid()) {
        MemberStatus s = m.status();
        boolean current = s == MemberStatus.joining() || s == MemberStatus.weaklyUp() || s == MemberStatus.up()
            || s == MemberStatus.leaving() || s == MemberStatus.exiting();
        return current ? m : null;
      }
    }
    return null;
  }

  /** The link of {@code member}, made if new; null once closing. */
  private PeerLink peerFor(Member member) {
    if (closed) {
      return null;
    }
    return peers.compute(
        member.address(),
        (address, existing) ->
            existing != null && existing.uid == member.uniqueAddress().longUid() && existing.state() != PeerLink.State.GONE
                ? existing
                : new PeerLink(address, member.uniqueAddress().longUid(), settings.maxHeldWhileDown(), metrics));
  }

  /** Whether the member at {@code from} is the one that connects to the member at {@code to}. */
  private static boolean dials(Address from, Address to) {
    return Member.addressOrdering().compare(from, to) < 0;
  }

  void received(LinkFrames.Frame frame) {
    Attached a = attached;
    try {
      if (frame instanceof LinkFrames.ToFanout f) {
        Object message = a.serializer().fromBinary(f.body(), f.manifest());
        if (!(message instanceof NodeFanout.Deliver || message instanceof NodeFanout.TopicRegistered
            || message instanceof NodeFanout.Replayed || message instanceof NodeFanout.ReplayEnd)) {
          throw new LinkFrames.BadFrame("not a fan-out message: " + message.getClass().getSimpleName());
        }
        a.fanout().tell((NodeFanout.Command) message);
      } else if (frame instanceof LinkFrames.ToOwner o) {
        if (!(a.serializer().fromBinary(o.body(), o.manifest()) instanceof TopicEntity.Publish publish)) {
          throw new LinkFrames.BadFrame("not a publish: manifest " + o.manifest());
        }
        a.owners().apply(o.topic()).tell(publish);
      } else {
        throw new LinkFrames.BadFrame("a second hello");
      }
    } catch (NotSerializableException e) {
      throw new LinkFrames.BadFrame(e.getMessage());
    }
  }

  /** A connection to {@code peer} closed; {@code open}: it had carried frames. */
  void closed(PeerLink peer, LinkConnection connection, boolean dialer, boolean open) {
    long since = open ? peer.disconnected(connection) : -1;
    if (since >= 0) {
      loops.workers().next().schedule(() -> peer.giveUpIfDownSince(since), settings.giveUpAfter().toNanos(), TimeUnit.NANOSECONDS);
    }
    if (dialer) {
      redial(peer);
    }
  }

  // ---- membership (LinkMembership) ----

  /** A member is up: its link is made, and connected by whichever of the two has the lower address. */
  void memberUp(Member member) {
    Attached a = attached;
    if (a == null || member.uniqueAddress().equals(a.cluster().selfUniqueAddress())) {
      return;
    }
    int port = linkPort(member);
    if (port <= 0) {
      return; // a node without a link (link off, or an older version): Artery only
    }
    PeerLink peer = peerFor(member);
    if (peer != null && peer.state() == PeerLink.State.NEW && dials(a.cluster().selfAddress(), member.address())) {
      dial(peer, port);
    }
  }

  void memberRemoved(Member member) {
    PeerLink peer = peers.get(member.address());
    if (peer != null && peer.uid == member.uniqueAddress().longUid()) {
      peers.remove(member.address(), peer);
      peer.gone();
    }
  }

  static int linkPort(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(ROLE_PREFIX)) {
        try {
          return Integer.parseInt(role.substring(ROLE_PREFIX.length()));
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private void dial(PeerLink peer, int port) {
    if (closed || peer.state() == PeerLink.State.GONE) {
      return;
    }
    new Bootstrap()
        .group(loops.workers())
        .channel(loops.clientChannelType())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(settings))
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                pipeline(ch, peer);
              }
            })
        .connect(peer.address.getHost().get(), port)
        .addListener(f -> {
          if (!f.isSuccess()) {
            log.debug("link to {} not connected: {}", peer.address, f.cause().toString());
            redial(peer);
          }
        });
  }

  private void redial(PeerLink peer) {
    if (closed || peer.state() == PeerLink.State.GONE || peers.get(peer.address) != peer) {
      return;
    }
    Attached a = attached;
    loops.workers().next().schedule(
        () -> {
          Member member = null;
          for (Member m : a.cluster().state().getMembers()) {
            if (m.uniqueAddress().longUid() == peer.uid && m.address().equals(peer.address)) {
              member = m;
            }
          }
          if (member != null) {
            dial(peer, linkPort(member));
          }
        },
        settings.reconnectInterval().toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /**
   * Closes every link's connection; each connects again. For an operator who suspects a stuck
   * connection, and for tests of what a broken link loses (what was on its way, as with Artery).
   */
  public void reconnectAll() {
    for (PeerLink peer : peers.values()) {
      peer.closeConnection();
    }
  }

  /** Closes the port and every link (the node stops; its loops close after). */
  @Override
  public void close() {
    closed = true;
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (PeerLink peer : peers.values()) {
      peer.gone();
    }
    peers.clear();
  }
}
