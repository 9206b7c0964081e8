package io.herald.node.topic;

import io.herald.node.socket.ConnectionActor;
import io.herald.protocol.Serializer;
import io.netty.channel.Channel;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One socket's subscription to one topic on this node: where broadcasts are written (the Netty
 * channel, in the socket's wire format) and, for intercepted events, which actor handles them.
 */
public record Subscriber(
    ActorRef<ConnectionActor.Command> connection,
    Channel channel,
    Serializer serializer,
    Set<String> intercepts) {}
