package io.herald.node.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

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

  public NodeMetrics() {
    JvmMetrics.builder().register(registry);
  }

  /** Registers the open-socket gauge (the edge is bound after the metrics exist). */
  public void socketsFrom(IntSupplier openSockets) {
    GaugeWithCallback.builder()
        .name("herald_sockets")
        .help("Open WebSocket connections")
        .callback(cb -> cb.call(openSockets.getAsInt()))
        .register(registry);
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
