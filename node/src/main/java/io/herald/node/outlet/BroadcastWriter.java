package io.herald.node.outlet;

import io.herald.protocol.Payload;
import java.util.Collection;
import java.util.Set;

/**
 * Writes one broadcast to many sockets of this node, encoded once per wire format and shared by all of
 * them (Phoenix's "fastlane"). The transport implements it: how sockets are grouped (by event loop)
 * and when a frame is written is its business.
 */
public interface BroadcastWriter {

  /** One socket that receives a topic's broadcasts, except the events its channel intercepts. */
  record Recipient(SocketOutlet outlet, Set<String> intercepts) {}

  /** A topic's recipients prepared for delivery; immutable, made again after each change of recipients. */
  interface Audience {}

  /** Prepares {@code recipients} for {@link #write}. */
  Audience prepare(Collection<Recipient> recipients);

  /**
   * Writes {@code event} to every recipient of {@code audience} whose channel does not intercept it,
   * with {@code ref} in the frame's ref slot (a history topic's seq; null as Phoenix).
   * {@code numberedAtMillis} is when the topic's owner numbered the message (wall clock), for the
   * latency metric. Never throws for a failed socket.
   */
  void write(Audience audience, String topic, String ref, String event, Payload payload, long numberedAtMillis);
}
