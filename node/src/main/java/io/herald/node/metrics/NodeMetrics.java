package io.herald.node.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * This node's Prometheus metrics, in a registry of its own (several nodes may share a JVM in tests).
 * Served at {@code /metrics} on the internal API port; names are listed in docs/api.md.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  /** Joins answered, by result (ok, error). */
  public final Counter joins =
      Counter.builder().name("herald_joins_total").help("Channel joins answered, by result").labelNames("result").register(registry);

  /** Client frames decoded. */
  public final Counter messagesIn =
      Counter.builder().name("herald_messages_in_total").help("Client frames decoded").register(registry);

  /** Broadcast frames written to sockets by this node. */
  public final Counter deliveries =
      Counter.builder().name("herald_deliveries_total").help("Broadcast frames written to sockets").register(registry);

  /** Frames that could not be decoded. */
  public final Counter malformedFrames =
      Counter.builder().name("herald_malformed_frames_total").help("Client frames that could not be decoded").register(registry);

  /** Sockets closed, by the close code the server sent ("peer" when the client or network closed first). */
  public final Counter socketCloses =
      Counter.builder().name("herald_socket_closes_total").help("Sockets closed, by server close code or peer").labelNames("code").register(registry);

  /** Publishes numbered by the topic owners on this node. */
  public final Counter publishes =
      Counter.builder().name("herald_publishes_total").help("Messages numbered by topic owners on this node").register(registry);

  /**
   * What happened to this node's publishes on their way to the topic owners, by outcome: resent (not
   * acknowledged in time, sent again), unnumbered (delivered straight to the members' fan-outs while
   * the owner was unreachable), expired (never acknowledged within the deadline), refused (too many
   * unacknowledged).
   */
  public final Counter publishRelay =
      Counter.builder().name("herald_publish_relay_total").help("Publishes resent, delivered unnumbered, expired or refused on their way to topic owners, by outcome").labelNames("outcome").register(registry);

  /**
   * This node's publishes acknowledged, by how: owner (an {@code Accepted} from the topic's owner) or
   * delivery (the owner left it to its delivery to this node, one message fewer between nodes).
   */
  public final Counter publishAcks =
      Counter.builder().name("herald_publish_acks_total").help("This node's publishes acknowledged by their topic owners, by how: owner (a message of its own) or delivery (with the delivery to this node)").labelNames("via").register(registry);

  /** Messages on the node links (the hot topic messages between nodes), by direction: sent or received. */
  public final Counter linkMessages =
      Counter.builder().name("herald_link_messages_total").help("Topic messages sent to or received from other nodes on the node links, by direction").labelNames("direction").register(registry);

  /** Its two series, looked up once: they count every message on the links. */
  public final CounterDataPoint linkSent = linkMessages.labelValues("sent");

  public final CounterDataPoint linkReceived = linkMessages.labelValues("received");

  /**
   * Messages the node links lost, by reason: buffer_full (a link down held its limit), gave_up (held by a
   * link that did not come back in time), unwritable (the peer read too slowly), closed (its connection
   * closed before the write).
   */
  public final Counter linkDropped =
      Counter.builder().name("herald_link_dropped_total").help("Messages the node links dropped, by reason").labelNames("reason").register(registry);

  /** Publishes a topic owner on this node dropped because an earlier one of the same publisher was missing. */
  public final Counter publishesOutOfOrder =
      Counter.builder().name("herald_publishes_out_of_order_total").help("Publishes dropped by topic owners on this node until an earlier one of the same publisher arrives").register(registry);

  /** Upgrades refused before the WebSocket opened, by reason (connections, rate, origin, auth). */
  public final Counter connectsRefused =
      Counter.builder().name("herald_connects_refused_total").help("WebSocket upgrades refused, by reason").labelNames("reason").register(registry);

  /** Client frames refused by the per-socket rate limit. */
  public final Counter rateLimited =
      Counter.builder().name("herald_rate_limited_total").help("Client frames refused by the per-socket rate limit").register(registry);

  /** Client requests refused by a channel rule, by reason (unauthorized, topic_too_long, payload_too_large). */
  public final Counter refused =
      Counter.builder().name("herald_refused_total").help("Joins and events refused by a limit or permission, by reason").labelNames("reason").register(registry);

  /**
   * Seconds from a topic's owner numbering a message to this node having written it to its sockets
   * (one observation per event loop per message). Across nodes it includes the clocks' difference.
   */
  public final Histogram fanoutLatency =
      Histogram.builder()
          .name("herald_fanout_latency_seconds")
          .help("From the topic owner numbering a message to this node writing it to its sockets")
          .classicOnly()
          .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
          .register(registry);

  /** Presence diffs this node pushed to its subscribers (one per topic per batch with changes). */
  public final Counter presenceDiffs =
      Counter.builder().name("herald_presence_diffs_total").help("presence_diff batches pushed to this node's subscribers, one per topic per batch").register(registry);

  /** Distributed Data updates of this node's presence writes: those that waited for an answer go as one per key. */
  public final Counter presenceUpdates =
      Counter.builder().name("herald_presence_updates_total").help("Distributed Data updates this node's presence writes went out as (writes that waited for the replicator go as one update per key)").register(registry);

  /** Publishes whose idempotency key the topic's owner had seen within its window: not delivered again. */
  public final Counter publishesIdempotent =
      Counter.builder().name("herald_publishes_idempotent_total").help("Publishes answered with an earlier publish's seq because their idempotency key repeated, not delivered again").register(registry);

  /** Rejoins with since and epoch answered by topic owners on this node, by outcome. */
  public final Counter recoveries =
      Counter.builder().name("herald_recoveries_total").help("Rejoins with since and epoch answered by topic owners on this node, by outcome: recovered or the reason it was not").labelNames("outcome").register(registry);

  /** Messages replayed to rejoining subscribers of this node. */
  public final Counter replayed =
      Counter.builder().name("herald_replayed_messages_total").help("Missed messages written to rejoining sockets of this node").register(registry);

  /** Registers the history gauge: bytes the topic histories on this node hold. */
  public void historyFrom(java.util.function.LongSupplier bytes) {
    gauge("herald_history_bytes", "Bytes held by the histories of the topic owners on this node (payloads, events, per-message overhead)", () -> bytes.getAsLong());
  }
  /**
   * Seconds from a node making a presence entry (its wall clock) to this node first seeing it in its
   * Distributed Data replica (this node's clock): one observation per entry of another node, made
   * after this node started. Across machines it includes the clocks' difference.
   */
  public final Histogram presenceReplicationLag =
      Histogram.builder()
          .name("herald_presence_replication_lag_seconds")
          .help("From a node making a presence entry to this node seeing it in its replica (across machines: plus the clocks' difference)")
          .classicOnly()
          .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
          .register(registry);

  /** Topic entities (owners) living on this node; updated by the entities themselves. */
  public final AtomicInteger topicEntities = new AtomicInteger();

  public NodeMetrics() {
    JvmMetrics.builder().register(registry);
    gauge("herald_topic_entities", "Topic owners (sharded entities) living on this node", () -> topicEntities.get());
  }

  /** Registers the outbound-queue gauges: bytes queued for all sockets and sockets over their bound. */
  public void outboundFrom(Supplier<OutboundQueues> queues) {
    gauge("herald_outbound_queued_bytes", "Bytes written to sockets and not yet sent, all sockets of this node", () -> queues.get().queuedBytes());
    gauge("herald_outbound_unwritable_sockets", "Sockets whose unsent bytes are over the high water mark", () -> queues.get().unwritableSockets());
  }

  /** What the outbound queues of a node's sockets hold at one moment. */
  public record OutboundQueues(long queuedBytes, int unwritableSockets) {}

  /** Registers the cluster-members gauge: members as this node sees them, by status. */
  public void clusterMembersFrom(Supplier<Map<String, Integer>> membersByStatus) {
    GaugeWithCallback.builder()
        .name("herald_cluster_members")
        .help("Cluster members as this node sees them, by status")
        .labelNames("status")
        .callback(cb -> membersByStatus.get().forEach((status, count) -> cb.call(count, status)))
        .register(registry);
  }

  /** Registers the presence gauges: entries this node tracks, topics whose diffs it computes. */
  public void presenceFrom(IntSupplier trackedEntries, IntSupplier listenedTopics) {
    gauge("herald_presence_entries", "Presence entries tracked by this node's sockets (each node replicates its own)", () -> trackedEntries.getAsInt());
    gauge("herald_presence_topics", "Topics with local presence listeners, whose diffs this node computes", () -> listenedTopics.getAsInt());
  }

  /** Registers the node-link gauge: links connected now, from {@code connected}. */
  public void linksFrom(IntSupplier connected) {
    gauge("herald_links_connected", "Links to other nodes connected now", () -> connected.getAsInt());
  }

  /** Registers the open-socket gauge (the edge is bound after the metrics exist). */
  public void socketsFrom(IntSupplier openSockets) {
    gauge("herald_sockets", "Open WebSocket connections", () -> openSockets.getAsInt());
  }

  /** A gauge of one value, read from {@code value} at each scrape. */
  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }

  /** The Prometheus text exposition of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
