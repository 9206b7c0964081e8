package io.herald.node.socket;

import io.herald.node.auth.Revocations;
import io.herald.node.cluster.RevocationReplica;
import io.herald.node.cluster.CborSerializable;
import io.herald.protocol.CloseReason;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * This node's authenticated sockets by socket id (the token's {@code sub}), so that one user's
 * sockets can be closed on every node at once: logout, bans, revoked permissions. Every node's
 * directory is registered with the cluster receptionist under {@link #KEY}; the HTTP API asks them all.
 *
 * <p>State: socket id to the connections with that id on this node; a connection leaves when it stops.
 */
public final class SocketDirectory extends AbstractBehavior<SocketDirectory.Command> {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "herald-socket-directory");

  public static final String NAME = "socket-directory";

  /** Messages of a socket directory. */
  public sealed interface Command {}

  /** A connection authenticated as {@code socketId} opened on this node. */
  public record Register(String socketId, ActorRef<ConnectionActor.Command> connection) implements Command {}

  /**
   * Close every socket with this id on this node with {@code reason}; answered with
   * how many there were. With {@code revoke}, this node also refuses the id's older tokens from now on
   * ({@link Revocations}).
   */
  public record Disconnect(String socketId, CloseReason reason, boolean revoke, ActorRef<Disconnected> replyTo)
      implements Command, CborSerializable {}

  /** How many sockets a node closed for a {@link Disconnect}. */
  public record Disconnected(int sockets) implements CborSerializable {}

  private record ConnectionStopped(String socketId, ActorRef<ConnectionActor.Command> connection) implements Command {}

  public static Behavior<Command> create(Revocations revocations, ActorRef<RevocationReplica.Command> replica) {
    return Behaviors.setup(ctx -> new SocketDirectory(ctx, revocations, replica));
  }

  private final Map<String, Set<ActorRef<ConnectionActor.Command>>> bySocketId = new HashMap<>();
  private final Revocations revocations;
  private final ActorRef<RevocationReplica.Command> replica;

  private SocketDirectory(ActorContext<Command> ctx, Revocations revocations, ActorRef<RevocationReplica.Command> replica) {
    super(ctx);
    this.revocations = revocations;
    this.replica = replica;
    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Register.class, this::onRegister)
        .onMessage(ConnectionStopped.class, this::onConnectionStopped)
        .onMessage(Disconnect.class, this::onDisconnect)
        .build();
  }

  private Behavior<Command> onRegister(Register r) {
    bySocketId.computeIfAbsent(r.socketId(), id -> new HashSet<>()).add(r.connection());
    getContext().watchWith(r.connection(), new ConnectionStopped(r.socketId(), r.connection()));
    return this;
  }

  private Behavior<Command> onConnectionStopped(ConnectionStopped s) {
    Set<ActorRef<ConnectionActor.Command>> connections = bySocketId.get(s.socketId());
    if (connections != null && connections.remove(s.connection()) && connections.isEmpty()) {
      bySocketId.remove(s.socketId());
    }
    return this;
  }

  private Behavior<Command> onDisconnect(Disconnect d) {
    if (d.revoke()) {
      // here first, before the closes: a quick reconnect must already be refused; then to the nodes
      // that did not get this disconnect (joining later, unreachable now)
      replica.tell(new RevocationReplica.Revoke(d.socketId(), revocations.revoke(d.socketId())));
    }
    Set<ActorRef<ConnectionActor.Command>> connections = bySocketId.getOrDefault(d.socketId(), Set.of());
    for (ActorRef<ConnectionActor.Command> connection : connections) {
      connection.tell(new ConnectionActor.CloseSocket(d.reason()));
    }
    // They leave the directory when they stop, after their close handshake.
    d.replyTo().tell(new Disconnected(connections.size()));
    return this;
  }
}
