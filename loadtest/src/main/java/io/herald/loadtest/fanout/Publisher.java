package io.herald.loadtest.fanout;

import io.herald.loadtest.fanout.SocketGroup.Conn;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Pushes the event to the topics at a fixed rate, open loop: message k of a step is due at
 * {@code start + k / rate} and goes to topic {@code k mod T}; an overdue message is sent at once,
 * stamped with its actual send time. The payload is {@code {"t": <send time, µs of CLOCK_MONOTONIC>,
 * "seq": <global number>, "pad": "<B bytes>"}}, as {@code phx-bench.js} sends it.
 *
 * <p>Runs on its own event loop (its {@link SocketGroup}'s), so the subscribers' work does not delay
 * the schedule. Frames are built by {@link PushFrames}.
 */
final class Publisher {
  /** One step's sending: what was sent and how late the schedule ran. */
  record Sent(long total, long sent, long notJoined, long seqLo, long startNanos, long endNanos,
              long maxLagNanos, long maxPendingBytes) {}

  private final SocketGroup group;
  private final int topics;
  private final int topicsPerConn;
  private final PushFrames pushes;
  private long nextSeq;

  Publisher(SocketGroup group, int topics, int topicsPerConn, String prefix, String event, int padBytes) {
    this.group = group;
    this.topics = topics;
    this.topicsPerConn = topicsPerConn;
    this.pushes = new PushFrames(topics, topicsPerConn, prefix, event, padBytes);
  }

  /** The publisher's sockets: connection j joins topics [j * per, (j + 1) * per). */
  static List<SocketGroup.Spec> specs(int topics, int topicsPerConn, int firstGlobalIndex) {
    List<SocketGroup.Spec> specs = new ArrayList<>();
    for (int first = 0, j = 0; first < topics; first += topicsPerConn, j++) {
      int[] ts = new int[Math.min(topics, first + topicsPerConn) - first];
      for (int i = 0; i < ts.length; i++) ts[i] = first + i;
      specs.add(new SocketGroup.Spec(firstGlobalIndex + j, ts));
    }
    return specs;
  }

  long nextSeq() {
    return nextSeq;
  }

  /** Whether the publisher joined topic {@code t} (its messages to an unjoined topic are skipped). */
  boolean[] joinedTopics() {
    return group.call(() -> {
      boolean[] joined = new boolean[topics];
      for (int t = 0; t < topics; t++) {
        Conn c = group.conns().get(t / topicsPerConn);
        joined[t] = c.joined && c.channel.isActive();
      }
      return joined;
    });
  }

  /**
   * Sends {@code round(rate * seconds)} messages on schedule; completes when the last is written. The
   * publisher wakes at most once per {@code tickNanos} and then sends every message due: 1 ms is what
   * phx-bench's timers do (Node's setTimeout has a 1 ms floor), 0 sends each message at its own time.
   */
  CompletableFuture<Sent> run(double rate, double seconds, long tickNanos) {
    long total = Math.max(1, Math.round(rate * seconds));
    long seqLo = nextSeq;
    nextSeq += total;
    CompletableFuture<Sent> done = new CompletableFuture<>();
    group.loop().execute(new Schedule(rate, total, seqLo, tickNanos, done));
    return done;
  }

  private final class Schedule implements Runnable {
    private final SendSchedule schedule;
    private final long total;
    private final long seqLo;
    private final CompletableFuture<Sent> done;
    private final Channel[] dirty;
    private final long startNanos;
    private final long tickNanos;
    private long k;
    private long sent;
    private long notJoined;
    private long maxLagNanos;
    private long maxPending;

    Schedule(double rate, long total, long seqLo, long tickNanos, CompletableFuture<Sent> done) {
      this.tickNanos = tickNanos;
      this.total = total;
      this.seqLo = seqLo;
      this.done = done;
      this.dirty = new Channel[group.conns().size()];
      this.startNanos = System.nanoTime();
      this.schedule = new SendSchedule(rate, total, startNanos);
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      long due = schedule.dueBy(now);
      if (due > k) maxLagNanos = Math.max(maxLagNanos, now - schedule.dueAt(k));
      int nDirty = 0;
      for (; k < due; k++) {
        int t = (int) (k % topics);
        Conn c = group.conns().get(t / topicsPerConn);
        if (!c.joined || !c.channel.isActive()) {
          notJoined++;
          continue;
        }
        c.channel.write(pushes.push(group.alloc(), t, ++c.ref, System.nanoTime() / 1000, seqLo + k),
            c.channel.voidPromise());
        sent++;
        if (!contains(dirty, nDirty, c.channel)) dirty[nDirty++] = c.channel;
      }
      for (int i = 0; i < nDirty; i++) {
        Channel ch = dirty[i];
        ch.flush();
        var outbound = ch.unsafe().outboundBuffer();
        if (outbound != null) maxPending = Math.max(maxPending, outbound.totalPendingWriteBytes());
        dirty[i] = null;
      }
      if (k >= total) {
        done.complete(new Sent(total, sent, notJoined, seqLo, startNanos, System.nanoTime(), maxLagNanos, maxPending));
        return;
      }
      long wait = Math.max(schedule.dueAt(k) - System.nanoTime(), tickNanos);
      group.loop().schedule(this, Math.max(0, wait), TimeUnit.NANOSECONDS);
    }
  }

  private static boolean contains(Channel[] a, int n, Channel ch) {
    for (int i = 0; i < n; i++) {
      if (a[i] == ch) return true;
    }
    return false;
  }
}
