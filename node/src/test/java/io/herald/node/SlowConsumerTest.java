package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thousand sockets that join a flooded room and never read are each cut off by the node (3008), while
 * the sockets that do read get every message in order and the node's heap stays bounded.
 */
class SlowConsumerTest {
  private static final Logger log = LoggerFactory.getLogger(SlowConsumerTest.class);

  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static final String ROOM = "room:flood";
  private static final int READERS = 20;
  private static final int NON_READERS = 1_000;
  /**
   * Non-readers stalled at the same time. Before Netty's 1 MiB bound even starts to fill, the kernel
   * takes about 2.8 MB of data (3.7 MB of kernel memory) per stalled loopback socket: the server's send
   * buffer autotunes to ~2 MB for loopback's 64 KiB segments, and the node does not cap SO_SNDBUF. A
   * thousand at once would pin ~3.7 GB of kernel memory, past this machine's tcp_mem limit (2.2 GB)
   * and shared with other developers, so they come in waves of 125 (~470 MB), each wave cut off and
   * closed before the next joins.
   */
  private static final int WAVE_SIZE = 125;
  /**
   * The kernel's TCP memory (all sockets of the machine, other developers' too) at which the test
   * stops rather than go on: the kernel starts squeezing every socket's buffers at 1.5 GB here.
   */
  private static final long KERNEL_MEMORY_GUARD = 1_200L << 20;
  /** Receive buffer of a non-reader, set before connecting so that the TCP window stays small. */
  private static final int NON_READER_RECEIVE_BUFFER = 4 * 1024;
  /**
   * Receive buffer of a reader (this machine's maximum): with it a reader may fall ~1.5 s behind the
   * flood before the node counts it a slow consumer, so that a reader thread starved of CPU for a
   * moment by this busy test JVM on two cores is not cut off for the wrong reason.
   */
  private static final int READER_RECEIVE_BUFFER = 4 << 20;
  /**
   * The flood: one message per millisecond, each padded to ~6 KB: 6 MB/s per socket, so a non-reader
   * fills the kernel's ~2.8 MB and the 1 MiB outbound bound in about 0.6 s, and the readers (with the
   * publisher, 21 sockets) take ~130 MB/s in all, which this 2-core machine sustains.
   */
  private static final long FLOOD_PERIOD_MICROS = 1_000;
  private static final int PAD_BYTES = 6_000;
  private static final int OUTBOUND_HIGH_WATER_MARK = 1 << 20;
  /** Flooding before the measured runs, so that the JIT has compiled the delivery path. */
  private static final long WARM_UP_MILLIS = 1_000;
  /** The run without non-readers, for the latency baseline. */
  private static final long BASELINE_MILLIS = 3_000;
  /**
   * Heap growth allowed, after a full GC, from before the flood to after it (measured: ~3 MiB). The
   * worst case the outbound bound allows is 1,000 sockets × 1 MiB = 1 GiB; kept as heap copies, the
   * cut-off sockets' queues would exceed this 16 times over, and the flood's payloads (~20,000 × 6 KB)
   * twice. Leaks of a few KB per socket are below what a heap figure can show reliably.
   */
  private static final long HEAP_GROWTH_BOUND = 64L << 20;

  @Test
  void nonReadingSocketsAreCutOffWhileReadersGetEverythingInOrder() throws Exception {
    long started = System.nanoTime();
    HeraldNode node = TestNode.start(List.of(), nodeSettings());
    List<RawFrameSocket> open = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    ExecutorService threads = Executors.newCachedThreadPool();
    // Connects of the non-readers, a few at a time.
    ExecutorService connecting = Executors.newFixedThreadPool(4);
    // Reading what the cut-off non-readers were sent, two at a time (this machine has two cores).
    ExecutorService draining = Executors.newFixedThreadPool(2);
    try {
      List<Reader> readers = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        RawFrameSocket ws = track(open, RawFrameSocket.open(node.port(), V2, READER_RECEIVE_BUFFER));
        join(ws, "r" + i);
        Reader reader = new Reader(ws);
        readers.add(reader);
        threads.submit(reader);
      }
      RawFrameSocket publisherSocket = track(open, RawFrameSocket.open(node.port(), V2, READER_RECEIVE_BUFFER));
      join(publisherSocket, "p");
      AtomicLong publisherReplies = new AtomicLong();
      threads.submit(() -> drainPublisher(publisherSocket, publisherReplies));
      int baseSockets = READERS + 1;
      long heapBefore = heapAfterGc();

      MachineSampler sampler = new MachineSampler();
      timers.scheduleAtFixedRate(sampler, 0, 100, TimeUnit.MILLISECONDS);
      Flood flood = new Flood(publisherSocket);
      timers.scheduleAtFixedRate(flood, 0, FLOOD_PERIOD_MICROS, TimeUnit.MICROSECONDS);

      Thread.sleep(WARM_UP_MILLIS);
      int wavesFrom = flood.sent.get();
      long closes3008Before = closes(node, "3008");
      List<RawFrameSocket.Ending> allEndings = Collections.synchronizedList(new ArrayList<>());
      List<int[]> stalledWindows = new ArrayList<>();
      for (int wave = 0; wave < NON_READERS / WAVE_SIZE; wave++) {
        List<RawFrameSocket> stalled = connectNonReaders(node.port(), wave, connecting, open);
        int stalledFrom = flood.sent.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (node.openSockets() > baseSockets && System.nanoTime() < deadline) {
          assertThat(sampler.tcpMemory.get())
              .as("kernel TCP memory of the machine (stopping before it starves everyone else)")
              .isLessThan(KERNEL_MEMORY_GUARD);
          Thread.sleep(20);
        }
        assertThat(node.openSockets())
            .as("sockets open on the node after wave %d (readers' problems: %s)", wave, problems(readers))
            .isEqualTo(baseSockets);
        stalledWindows.add(new int[] {stalledFrom, flood.sent.get()});
        allEndings.addAll(readToEnd(stalled, draining));
        stalled.forEach(open::remove);
      }
      int wavesTo = flood.sent.get();
      // The run without non-readers comes second, so that JIT warm-up does not weigh on it.
      int baselineFrom = flood.sent.get();
      Thread.sleep(BASELINE_MILLIS);
      int baselineTo = flood.sent.get();
      flood.stop();
      timers.shutdown();
      assertThat(timers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
      int published = flood.sent.get();

      for (Reader reader : readers) {
        reader.awaitCount(published, 30_000);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (publisherReplies.get() < published && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      long heapAfter = heapAfterGc();
      long closes3008 = closes(node, "3008") - closes3008Before;

      Latency baseline = Latency.of(readers, List.of(new int[] {baselineFrom, baselineTo}));
      Latency withNonReaders = Latency.of(readers, List.of(new int[] {wavesFrom, wavesTo}));
      Latency whileStalled = Latency.of(readers, stalledWindows);

      long cut = allEndings.stream().filter(RawFrameSocket.Ending::cut).count();
      log.info(
          "flood of {} messages of {} B at {}/s to {} readers: delivery latency p50/p99 {}/{} ms without non-readers, "
              + "{}/{} ms with {} non-readers in waves of {} ({}/{} ms while a wave was stalled, leaving out "
              + "the test's own connecting and draining; {} cut, {} with a 3008 close frame read; "
              + "each got {}..{} frames before); heap {} MiB before, {} MiB after GC (peak sampled {} MiB); "
              + "Netty direct memory peak {} MiB; "
              + "machine TCP memory peak {} MiB; test ran {} s",
          published, PAD_BYTES, 1_000_000 / FLOOD_PERIOD_MICROS, READERS,
          baseline.p50Millis(), baseline.p99Millis(),
          withNonReaders.p50Millis(), withNonReaders.p99Millis(), NON_READERS, WAVE_SIZE,
          whileStalled.p50Millis(), whileStalled.p99Millis(),
          cut, allEndings.size() - cut,
          allEndings.stream().mapToLong(RawFrameSocket.Ending::framesBefore).min().orElse(-1),
          allEndings.stream().mapToLong(RawFrameSocket.Ending::framesBefore).max().orElse(-1),
          heapBefore >> 20, heapAfter >> 20, sampler.heapPeak.get() >> 20, sampler.directPeak.get() >> 20,
          sampler.tcpMemoryPeak.get() >> 20,
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));

      for (int i = 0; i < READERS; i++) {
        Reader reader = readers.get(i);
        assertThat(reader.problems).as("reader %d saw messages out of order or other than the flood", i).isEmpty();
        assertThat(reader.count()).as("messages reader %d received", i).isEqualTo(published);
      }
      assertThat(publisherReplies.get()).as("publishes acknowledged").isEqualTo(published);
      assertThat(allEndings).hasSize(NON_READERS);
      for (RawFrameSocket.Ending ending : allEndings) {
        assertThat(ending.cut() || ending.closeCode() == 3008).as("a non-reader ended with %s", ending).isTrue();
        assertThat(ending.framesBefore()).as("frames a non-reader got before the cut").isLessThan(published);
      }
      assertThat(closes3008).as("sockets the node closed as slow consumers").isEqualTo(NON_READERS);
      assertThat(heapAfter - heapBefore).as("heap growth after GC over the flood").isLessThan(HEAP_GROWTH_BOUND);
    } finally {
      timers.shutdownNow();
      threads.shutdownNow();
      connecting.shutdownNow();
      draining.shutdownNow();
      synchronized (open) {
        for (RawFrameSocket ws : open) {
          ws.close();
        }
      }
      node.close();
    }
  }

  /** Limits set explicitly so that the test keeps meaning what it says when the defaults move. */
  private static Map<String, Object> nodeSettings() {
    return Map.ofEntries(
        Map.entry("herald.socket.outbound-high-water-mark", OUTBOUND_HIGH_WATER_MARK),
        Map.entry("herald.socket.outbound-low-water-mark", OUTBOUND_HIGH_WATER_MARK / 2),
        // A cut-off socket's close frame waits behind a queue that never drains: do not wait long.
        Map.entry("herald.socket.slow-consumer-close-timeout", "100ms"),
        // Kernel send buffer: room for readers starved of CPU for a moment on this shared machine
        // (at the default 128 KiB a reader paused ~200 ms under this flood is cut too).
        Map.entry("herald.socket.send-buffer-size", "1 MiB"),
        Map.entry("herald.socket.idle-timeout", "120s"),
        Map.entry("herald.socket.max-payload-size", 64 * 1024),
        // The publisher sends 1,000 frames a second.
        Map.entry("herald.socket.rate-limit.messages-per-second", 1_000_000),
        Map.entry("herald.socket.rate-limit.burst", 1_000_000),
        Map.entry("herald.socket.rate-limit.max-rejected", 1_000_000),
        Map.entry("herald.http.new-connections-per-second", 0),
        Map.entry("herald.http.max-connections", 10_000));
  }

  private static List<String> problems(List<Reader> readers) {
    return readers.stream().flatMap(r -> r.problems.stream()).toList();
  }

  private static RawFrameSocket track(List<RawFrameSocket> open, RawFrameSocket ws) {
    open.add(ws);
    return ws;
  }

  /** Joins the room and reads up to the ok (broadcasts may come first): the last read of a non-reader. */
  private static void join(RawFrameSocket ws, String ref) throws IOException {
    ws.sendText("[\"" + ref + "\",\"" + ref + "\",\"" + ROOM + "\",\"phx_join\",{}]");
    String ok = "[\"" + ref + "\",\"" + ref + "\",\"" + ROOM + "\",\"phx_reply\",{\"status\":\"ok\"";
    while (true) {
      RawFrameSocket.Frame f = ws.read();
      if (f.isClose()) {
        throw new IOException("closed with " + f.closeCode() + " while joining");
      }
      if (f.text().startsWith(ok)) {
        return;
      }
    }
  }

  private static List<RawFrameSocket> connectNonReaders(
      int port, int wave, ExecutorService threads, List<RawFrameSocket> open) throws Exception {
    List<Future<RawFrameSocket>> connects = new ArrayList<>();
    for (int i = 0; i < WAVE_SIZE; i++) {
      String ref = "w" + wave + "-" + i;
      connects.add(
          threads.submit(
              () -> {
                RawFrameSocket ws = track(open, RawFrameSocket.open(port, V2, NON_READER_RECEIVE_BUFFER));
                join(ws, ref);
                return ws;
              }));
    }
    List<RawFrameSocket> stalled = new ArrayList<>();
    for (Future<RawFrameSocket> connect : connects) {
      stalled.add(connect.get(30, TimeUnit.SECONDS));
    }
    return stalled;
  }

  /** What each cut-off non-reader would have read, up to the end of its connection; then closes it. */
  private static List<RawFrameSocket.Ending> readToEnd(List<RawFrameSocket> stalled, ExecutorService threads)
      throws Exception {
    List<Future<RawFrameSocket.Ending>> endings = new ArrayList<>();
    for (RawFrameSocket ws : stalled) {
      endings.add(
          threads.submit(
              () -> {
                try (ws) {
                  return ws.readToEnd();
                }
              }));
    }
    List<RawFrameSocket.Ending> result = new ArrayList<>();
    for (Future<RawFrameSocket.Ending> ending : endings) {
      result.add(ending.get(30, TimeUnit.SECONDS));
    }
    return result;
  }

  private static void drainPublisher(RawFrameSocket ws, AtomicLong replies) {
    try {
      while (true) {
        RawFrameSocket.Frame f = ws.read();
        if (f.isClose()) {
          return;
        }
        if (f.payload().length < 200 && f.text().contains("\"phx_reply\",{\"status\":\"ok\"")) {
          replies.incrementAndGet();
        }
      }
    } catch (IOException e) {
      // closed at the end of the test
    }
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** A counter of the node's /metrics, e.g. the sockets it closed with {@code code}. */
  private static long closes(HeraldNode node, String code) throws Exception {
    return TestNode.metric(node, "herald_socket_closes_total{code=\"" + code + "\"}");
  }

  /** Publishes numbered, timestamped, padded messages at a steady rate. */
  private static final class Flood implements Runnable {
    private final RawFrameSocket ws;
    private final String pad = "x".repeat(PAD_BYTES);
    final AtomicInteger sent = new AtomicInteger();
    private volatile boolean stopped;

    Flood(RawFrameSocket ws) {
      this.ws = ws;
    }

    @Override
    public void run() {
      if (stopped) {
        return;
      }
      int n = sent.get();
      try {
        ws.sendText(
            "[\"p\",\"" + n + "\",\"" + ROOM + "\",\"msg\",{\"n\":" + n + ",\"t\":" + System.nanoTime()
                + ",\"pad\":\"" + pad + "\"}]");
        sent.incrementAndGet();
      } catch (IOException e) {
        stopped = true;
        throw new IllegalStateException("the publisher's socket failed", e);
      }
    }

    void stop() {
      stopped = true;
    }
  }

  /** A reading client: checks that the flood arrives whole and in order, and notes each message's latency. */
  private static final class Reader implements Runnable {
    private static final byte[] PREFIX =
        ("[null,null,\"" + ROOM + "\",\"msg\",{\"n\":").getBytes(StandardCharsets.UTF_8);
    private static final int MAX_MESSAGES = 200_000;

    private final RawFrameSocket ws;
    /** Nanoseconds from publish to receipt, by message number. */
    final long[] latency = new long[MAX_MESSAGES];
    final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger();

    Reader(RawFrameSocket ws) {
      this.ws = ws;
    }

    int count() {
      return next.get();
    }

    @Override
    public void run() {
      try {
        while (true) {
          RawFrameSocket.Frame f = ws.read();
          long now = System.nanoTime();
          if (f.isClose()) {
            problems.add("closed with " + f.closeCode() + " " + f.closeReason());
            return;
          }
          byte[] p = f.payload();
          if (!startsWith(p, PREFIX)) {
            problems.add("unexpected frame " + f.text().substring(0, Math.min(80, p.length)));
            continue;
          }
          int at = PREFIX.length;
          long n = 0;
          while (p[at] != ',') {
            n = n * 10 + (p[at++] - '0');
          }
          at += ",\"t\":".length();
          long t = 0;
          while (p[at] != ',') {
            t = t * 10 + (p[at++] - '0');
          }
          int expected = next.get();
          if (n != expected) {
            problems.add("got message " + n + " when " + expected + " was next");
            return;
          }
          latency[expected] = now - t;
          next.incrementAndGet();
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    }

    void awaitCount(int count, long millis) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (next.get() < count && problems.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }

    private static boolean startsWith(byte[] p, byte[] prefix) {
      return p.length >= prefix.length && Arrays.equals(p, 0, prefix.length, prefix, 0, prefix.length);
    }
  }

  /** Percentiles of the readers' delivery latency over a range of message numbers. */
  private record Latency(double p50Millis, double p99Millis) {
    /** Over the messages numbered {@code [from, to)} of each window. */
    static Latency of(List<Reader> readers, List<int[]> windows) {
      int size = windows.stream().mapToInt(w -> w[1] - w[0]).sum();
      long[] all = new long[readers.size() * size];
      int i = 0;
      for (Reader r : readers) {
        for (int[] w : windows) {
          for (int n = w[0]; n < w[1]; n++) {
            all[i++] = r.latency[n];
          }
        }
      }
      Arrays.sort(all);
      return new Latency(millis(all, 0.50), millis(all, 0.99));
    }

    private static double millis(long[] sorted, double quantile) {
      long nanos = sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))];
      return Math.round(nanos / 10_000.0) / 100.0;
    }
  }

  /** Samples the heap in use and the kernel's TCP memory of the whole machine. */
  private static final class MachineSampler implements Runnable {
    private static final Path SOCKSTAT = Path.of("/proc/net/sockstat");
    final AtomicLong heapPeak = new AtomicLong();
    final AtomicLong directPeak = new AtomicLong();
    final AtomicLong tcpMemory = new AtomicLong();
    final AtomicLong tcpMemoryPeak = new AtomicLong();

    @Override
    public void run() {
      heapPeak.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
      directPeak.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
      try {
        for (String line : Files.readAllLines(SOCKSTAT)) {
          if (line.startsWith("TCP:")) {
            String[] fields = line.trim().split("\\s+");
            for (int i = 1; i + 1 < fields.length; i++) {
              if (fields[i].equals("mem")) {
                long bytes = Long.parseLong(fields[i + 1]) * 4096; // pages
                tcpMemory.set(bytes);
                tcpMemoryPeak.accumulateAndGet(bytes, Math::max);
              }
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux: no kernel figure
      }
    }
  }
}
