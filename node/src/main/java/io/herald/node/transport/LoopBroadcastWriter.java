package io.herald.node.transport;

import io.herald.node.metrics.NodeMetrics;
import io.herald.node.outlet.BroadcastWriter;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Payload;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Serializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a broadcast to this node's sockets: encoded once per wire format into one buffer, and one
 * task per event loop that writes retained duplicates of it to that loop's sockets. When the caller
 * already runs on a loop (herald.dispatcher runs the node fan-out there), that loop's sockets are
 * written at once instead of behind the loop's other tasks.
 */
public final class LoopBroadcastWriter implements BroadcastWriter {
  private static final Logger log = LoggerFactory.getLogger(LoopBroadcastWriter.class);

  private final Duration slowCloseTimeout;
  private final NodeMetrics metrics;

  public LoopBroadcastWriter(Duration slowCloseTimeout, NodeMetrics metrics) {
    this.slowCloseTimeout = slowCloseTimeout;
    this.metrics = metrics;
  }

  /** One socket of a group: its channel, wire format and intercepted events. */
  private record Target(io.netty.channel.Channel channel, Serializer serializer, Set<String> intercepts) {}

  /**
   * Recipients grouped by event loop, and the recipients that are not WebSocket channels (long-poll
   * sessions, which queue the frame's text for their next poll); tasks read it, never mutate it.
   */
  private record ByLoop(Map<EventLoop, Target[]> groups, Recipient[] queued) implements Audience {}

  private static final Recipient[] NO_RECIPIENTS = new Recipient[0];

  @Override
  public Audience prepare(Collection<Recipient> recipients) {
    Map<EventLoop, List<Target>> lists = new IdentityHashMap<>();
    List<Recipient> queued = null;
    for (Recipient r : recipients) {
      if (!(r.outlet() instanceof ChannelOutlet outlet)) {
        if (queued == null) {
          queued = new ArrayList<>();
        }
        queued.add(r);
        continue;
      }
      lists
          .computeIfAbsent(outlet.channel.eventLoop(), l -> new ArrayList<>())
          .add(new Target(outlet.channel, outlet.serializer(), r.intercepts()));
    }
    Map<EventLoop, Target[]> groups = new IdentityHashMap<>();
    lists.forEach((loop, list) -> groups.put(loop, list.toArray(new Target[0])));
    return new ByLoop(groups, queued == null ? NO_RECIPIENTS : queued.toArray(NO_RECIPIENTS));
  }

  @Override
  public void write(Audience audience, String topic, String ref, String event, Payload payload, long numberedAtMillis) {
    ByLoop byLoop = (ByLoop) audience;
    if (byLoop.queued().length > 0) {
      writeQueued(byLoop.queued(), topic, ref, event, payload, numberedAtMillis);
    }
    Frames frames = new Frames(topic, ref, event, payload);
    for (Map.Entry<EventLoop, Target[]> group : byLoop.groups().entrySet()) {
      Target[] targets = group.getValue();
      Map<Serializer, ByteBuf> encoded = frames.forAll(targets);
      EventLoop loop = group.getKey();
      if (loop.inEventLoop()) {
        // This turn runs on that loop (herald.dispatcher): write now rather than queue behind its
        // other tasks. Any task an earlier turn queued to this loop ran before this turn began.
        writeAllHere(targets, event, encoded, numberedAtMillis);
      } else {
        loop.execute(() -> writeAll(targets, event, encoded, numberedAtMillis));
      }
    }
    frames.release();
  }

  /**
   * Hands the broadcast to outlets that are not WebSocket channels (long-poll sessions): encoded once
   * per wire format as the frame's bytes (no WebSocket header), each outlet queues the same frame.
   */
  private void writeQueued(Recipient[] recipients, String topic, String ref, String event, Payload payload, long numberedAtMillis) {
    Map<Serializer, EncodedFrame> encoded = new IdentityHashMap<>(2);
    int written = 0;
    for (Recipient r : recipients) {
      if (!r.intercepts().isEmpty() && r.intercepts().contains(event)) {
        continue;
      }
      Serializer serializer = r.outlet().serializer();
      EncodedFrame frame = encoded.get(serializer);
      if (frame == null && !encoded.containsKey(serializer)) {
        frame = encodeOrNull(serializer, topic, ref, event, payload);
        encoded.put(serializer, frame);
      }
      if (frame != null) {
        try {
          r.outlet().send(frame);
          written++;
        } catch (RuntimeException e) {
          log.warn("delivery of {} to {} failed", event, r.outlet().peer(), e);
        }
      }
    }
    metrics.deliveries.inc(written);
    metrics.fanoutLatency.observe(Math.max(0, System.currentTimeMillis() - numberedAtMillis) / 1000.0);
  }

  private static EncodedFrame encodeOrNull(Serializer serializer, String topic, String ref, String event, Payload payload) {
    if (!serializer.supportsBinary() && payload instanceof Payload.Binary) {
      return null;
    }
    try {
      return serializer.encodeBroadcast(ref, topic, event, payload);
    } catch (ProtocolException e) {
      return null;
    }
  }

  /** {@link #writeAll} inside the caller's turn: a failed write must not fail the caller. */
  private void writeAllHere(Target[] targets, String event, Map<Serializer, ByteBuf> encoded, long numberedAtMillis) {
    try {
      writeAll(targets, event, encoded, numberedAtMillis);
    } catch (RuntimeException e) {
      log.warn("delivery of {} to {} sockets failed", event, targets.length, e);
    }
  }

  private void writeAll(Target[] targets, String event, Map<Serializer, ByteBuf> encoded, long numberedAtMillis) {
    int written = 0;
    try {
      for (Target target : targets) {
        if (!target.intercepts().isEmpty() && target.intercepts().contains(event)) {
          continue;
        }
        ByteBuf frame = encoded.get(target.serializer());
        if (frame != null && Outbound.deliver(target.channel(), frame, slowCloseTimeout)) {
          written++;
        }
      }
    } finally {
      metrics.deliveries.inc(written);
      metrics.fanoutLatency.observe(Math.max(0, System.currentTimeMillis() - numberedAtMillis) / 1000.0);
      for (ByteBuf frame : encoded.values()) {
        frame.release();
      }
    }
  }

  /**
   * One broadcast encoded at most once per wire format. Each event loop task gets its own reference
   * to every buffer it may write; the encoder's own reference is dropped by {@link #release()}.
   */
  private static final class Frames {
    private final String topic;
    private final String ref;
    private final String event;
    private final Payload payload;
    private final Map<Serializer, ByteBuf> bySerializer = new IdentityHashMap<>(2);

    Frames(String topic, String ref, String event, Payload payload) {
      this.topic = topic;
      this.ref = ref;
      this.event = event;
      this.payload = payload;
    }

    Map<Serializer, ByteBuf> forAll(Target[] targets) {
      Map<Serializer, ByteBuf> retained = new IdentityHashMap<>(2);
      for (Target t : targets) {
        Serializer serializer = t.serializer();
        if (!retained.containsKey(serializer)) {
          ByteBuf frame = frameFor(serializer);
          retained.put(serializer, frame == null ? null : frame.retain());
        }
      }
      retained.values().removeIf(Objects::isNull);
      return retained;
    }

    private ByteBuf frameFor(Serializer serializer) {
      if (bySerializer.containsKey(serializer)) {
        return bySerializer.get(serializer);
      }
      ByteBuf frame = null;
      if (serializer.supportsBinary() || !(payload instanceof Payload.Binary)) {
        try {
          EncodedFrame encoded = serializer.encodeBroadcast(ref, topic, event, payload);
          // Pooled, like the sockets' own buffers: then each socket's retainedDuplicate is a recycled
          // view instead of a new object per delivery (the adaptive default allocator's are not).
          frame = Outbound.wsFrame(PooledByteBufAllocator.DEFAULT, encoded);
        } catch (ProtocolException e) {
          // Not expressible in this format (for example a field over 255 bytes in a binary frame).
          frame = null;
        }
      }
      bySerializer.put(serializer, frame);
      return frame;
    }

    void release() {
      for (ByteBuf frame : bySerializer.values()) {
        if (frame != null) {
          frame.release();
        }
      }
    }
  }
}
