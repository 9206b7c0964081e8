package io.herald.loadtest.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Phoenix sockets that share one event loop thread: subscribers, idle sockets, or the publisher's
 * sockets. Everything about them (their state, the counters, the latency histogram) is touched by that
 * thread only; other threads ask through {@link #call}, which runs a task on the loop and waits.
 *
 * <p>A socket is a raw WebSocket over TCP: the upgrade request is precomputed bytes, the server's
 * frames are parsed in the receive buffer ({@link PhoenixFrame}), so a delivery costs no allocation.
 */
final class SocketGroup {
  private static final int MAX_UPGRADE_RESPONSE = 16 * 1024;

  /** A socket to open: its index over all groups (for the URL and source address) and its topics. */
  record Spec(int globalIndex, int[] topics) {}

  /** One socket's state; loop thread only. Topic slot j was joined with join_ref j + 1. */
  static final class Conn {
    final int globalIndex;
    final int[] topics;
    Channel channel;
    boolean open;
    boolean joined;
    boolean finished;
    int pendingJoins;
    int okTopics;
    long lastSeq = -1;
    long ref;
    ScheduledFuture<?> deadline;

    Conn(int globalIndex, int[] topics) {
      this.globalIndex = globalIndex;
      this.topics = topics;
    }
  }

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final List<Target> targets;
  private final List<InetSocketAddress> sources;
  private final String topicPrefix;
  private final int concurrency;
  private final long joinTimeoutMillis;
  private final int heartbeatSeconds;
  private final boolean recordLatency;
  private final PhoenixFrame frame;
  private final List<Conn> conns = new ArrayList<>();

  // counters
  private long attempted;
  private long established;
  private long connsJoined;
  private long joinOk;
  private long joinErr;
  private long joinTimeout;
  private long connectFailed;
  private long closedAfterOpen;
  private long hbSent;
  private long hbOk;
  private long hbErr;
  private long pushOk;
  private long pushErr;
  private long badFrames;
  private long channelErrors;
  private long otherFrames;
  private final Map<String, Long> errors = new HashMap<>();

  // the current step's recording
  private long seqLo;
  private long seqHi = Long.MAX_VALUE;
  private long received;
  private long stale;
  private long orderViolations;
  private long negative;
  private long firstRecv;
  private long lastRecv;
  private Histogram latencyUs = Recording.newHistogram();
  private long target = Long.MAX_VALUE;
  private CompletableFuture<Long> targetReached = new CompletableFuture<>();

  // the open in progress
  private List<Conn> opening = List.of();
  private int nextToOpen;
  private int inflight;
  private int finishedOpening;
  private CompletableFuture<Void> opened;

  private ScheduledFuture<?> heartbeats;
  private long heartbeatTick;

  SocketGroup(
      EventLoop loop,
      Bootstrap bootstrap,
      List<Target> targets,
      List<InetSocketAddress> sources,
      String topicPrefix,
      String broadcastEvent,
      int concurrency,
      double joinTimeoutSeconds,
      double heartbeatSeconds,
      boolean recordLatency) {
    this.loop = loop;
    this.bootstrap = bootstrap.clone(loop);
    this.targets = targets;
    this.sources = sources;
    this.topicPrefix = topicPrefix;
    this.concurrency = Math.max(1, concurrency);
    this.joinTimeoutMillis = Math.round(joinTimeoutSeconds * 1000);
    this.heartbeatSeconds = (int) Math.ceil(heartbeatSeconds);
    this.recordLatency = recordLatency;
    this.frame = new PhoenixFrame(broadcastEvent);
    if (sources.size() > 0) {
      // the kernel picks the source port at connect, per (source, destination): not one port per
      // source address across all destinations, as bind(port 0) alone would
      this.bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
  }

  EventLoop loop() {
    return loop;
  }

  /** The sockets, for the publisher (loop thread only). */
  List<Conn> conns() {
    return conns;
  }

  /** Runs {@code task} on the loop and waits for its result. */
  <T> T call(Callable<T> task) {
    try {
      return loop.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Opens {@code specs} with at most {@code concurrency} handshakes + joins in flight; completes when
   * every socket joined all its topics, failed or timed out.
   */
  CompletableFuture<Void> open(List<Spec> specs) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      opening = new ArrayList<>();
      for (Spec s : specs) {
        Conn c = new Conn(s.globalIndex(), s.topics());
        conns.add(c);
        opening.add(c);
      }
      nextToOpen = 0;
      inflight = 0;
      finishedOpening = 0;
      opened = done;
      startHeartbeats();
      if (opening.isEmpty()) {
        done.complete(null);
      } else {
        openMore();
      }
    });
    return done;
  }

  private void openMore() {
    while (inflight < concurrency && nextToOpen < opening.size()) {
      inflight++;
      connect(opening.get(nextToOpen++));
    }
  }

  private void connect(Conn c) {
    attempted++;
    Target t = targets.get(c.globalIndex % targets.size());
    c.deadline = loop.schedule(() -> onDeadline(c), joinTimeoutMillis, TimeUnit.MILLISECONDS);
    Bootstrap b = bootstrap.clone().handler(new SocketHandler(c, t));
    ChannelFuture f = sources.isEmpty()
        ? b.connect(t.address())
        : b.connect(t.address(), sources.get(c.globalIndex % sources.size()));
    c.channel = f.channel();
    f.addListener(r -> {
      if (!r.isSuccess()) {
        connectFailed++;
        error("connect:" + describe(r.cause()));
        finish(c);
      }
    });
  }

  private void onDeadline(Conn c) {
    if (c.finished) return;
    joinTimeout++;
    error(c.open ? "join-timeout" : "connect-timeout");
    finish(c);
    c.channel.close();
  }

  private void finish(Conn c) {
    if (c.finished) return;
    c.finished = true;
    if (c.deadline != null) c.deadline.cancel(false);
    inflight--;
    finishedOpening++;
    if (finishedOpening == opening.size()) {
      opened.complete(null);
    } else {
      openMore();
    }
  }

  private void startHeartbeats() {
    if (heartbeats != null || heartbeatSeconds <= 0) return;
    // socket i heartbeats in slot (i mod H) of every H seconds: evenly spread, as phoenix.js clients are
    heartbeats = loop.scheduleAtFixedRate(() -> {
      int slot = (int) (heartbeatTick++ % heartbeatSeconds);
      for (int i = slot; i < conns.size(); i += heartbeatSeconds) {
        Conn c = conns.get(i);
        if (c.open && c.channel.isActive()) {
          ByteBuf f = ClientFrames.start(alloc(), 48);
          f.writeCharSequence("[null,\"", StandardCharsets.US_ASCII);
          ClientFrames.writeDecimal(f, ++c.ref);
          f.writeCharSequence("\",\"phoenix\",\"heartbeat\",{}]", StandardCharsets.US_ASCII);
          c.channel.writeAndFlush(ClientFrames.finish(f, ClientFrames.OP_TEXT), c.channel.voidPromise());
          hbSent++;
        }
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  ByteBufAllocator alloc() {
    return ByteBufAllocator.DEFAULT;
  }

  private void sendJoins(Conn c) {
    c.pendingJoins = c.topics.length;
    for (int topic : c.topics) {
      long jr = ++c.ref;
      ByteBuf f = ClientFrames.start(alloc(), 64 + topicPrefix.length());
      f.writeCharSequence("[\"", StandardCharsets.US_ASCII);
      ClientFrames.writeDecimal(f, jr);
      f.writeCharSequence("\",\"", StandardCharsets.US_ASCII);
      ClientFrames.writeDecimal(f, jr);
      f.writeCharSequence("\",\"", StandardCharsets.UTF_8);
      f.writeCharSequence(topicPrefix, StandardCharsets.UTF_8);
      ClientFrames.writeDecimal(f, topic);
      f.writeCharSequence("\",\"phx_join\",{}]", StandardCharsets.US_ASCII);
      c.channel.write(ClientFrames.finish(f, ClientFrames.OP_TEXT), c.channel.voidPromise());
    }
    c.channel.flush();
  }

  // ---- frames from the server (loop thread) ----

  private void onText(Conn c, ByteBuf buf, int from, int length) {
    switch (frame.read(buf, from, length)) {
      case BROADCAST -> onBroadcast(c);
      case REPLY -> onReply(c, buf);
      case CHANNEL_ERROR -> channelErrors++;
      case OTHER -> otherFrames++;
      case MALFORMED -> badFrames++;
    }
  }

  private void onBroadcast(Conn c) {
    if (!frame.hasT || !frame.hasSeq) {
      otherFrames++;
      return;
    }
    long seq = frame.seq;
    if (seq < seqLo || seq >= seqHi) {
      stale++;
      return;
    }
    long now = System.nanoTime();
    received++;
    if (recordLatency) {
      long us = now / 1000 - frame.t;
      if (us < 0) {
        negative++;
        us = 0;
      }
      latencyUs.recordValue(Math.min(us, latencyUs.getHighestTrackableValue()));
      // a subscriber is in one topic and the publisher numbers messages in sending order, so the
      // seqs one socket receives must increase
      if (seq <= c.lastSeq) orderViolations++;
      c.lastSeq = seq;
    }
    if (firstRecv == 0) firstRecv = now;
    lastRecv = now;
    if (received == target) targetReached.complete(now);
  }

  private void onReply(Conn c, ByteBuf buf) {
    if (frame.heartbeatTopic) {
      if (frame.statusOk) {
        hbOk++;
      } else {
        hbErr++;
      }
      return;
    }
    if (c.pendingJoins > 0 && frame.ref >= 1 && frame.ref <= c.topics.length) {
      if (frame.statusOk) {
        joinOk++;
        c.okTopics++;
      } else {
        joinErr++;
        error("join:" + PhoenixFrame.reason(buf, frame.payloadStart, frame.payloadEnd));
      }
      if (--c.pendingJoins == 0) {
        if (c.okTopics == c.topics.length) {
          c.joined = true;
          connsJoined++;
        }
        finish(c);
      }
      return;
    }
    if (frame.statusOk) {
      pushOk++;
    } else {
      pushErr++;
      error("push:" + PhoenixFrame.reason(buf, frame.payloadStart, frame.payloadEnd));
    }
  }

  private void error(String kind) {
    errors.merge(kind, 1L, Long::sum);
  }

  private static String describe(Throwable t) {
    if (t instanceof io.netty.channel.ConnectTimeoutException) return "timeout";
    String m = t.getMessage();
    if (m == null) return t.getClass().getSimpleName();
    // native errors read "connect(..) failed: Connection refused"
    int colon = m.lastIndexOf(": ");
    String s = colon >= 0 && t instanceof ConnectException ? m.substring(colon + 2) : m;
    return s.length() > 60 ? s.substring(0, 60) : s;
  }

  // ---- snapshots and control (any thread) ----

  Counters counters() {
    return call(() -> {
      long open = 0;
      long openJoined = 0;
      for (Conn c : conns) {
        if (c.open && c.channel.isActive()) {
          open++;
          if (c.joined) openJoined++;
        }
      }
      return new Counters(attempted, established, connsJoined, joinOk, joinErr, joinTimeout, connectFailed,
          closedAfterOpen, hbSent, hbOk, hbErr, pushOk, pushErr, badFrames, channelErrors, otherFrames,
          open, openJoined, Map.copyOf(errors));
    });
  }

  /** Starts a new recording for broadcasts with seq in [lo, hi); earlier ones count as stale. */
  void reset(long lo, long hi) {
    call(() -> {
      seqLo = lo;
      seqHi = hi;
      received = 0;
      stale = 0;
      orderViolations = 0;
      negative = 0;
      firstRecv = 0;
      lastRecv = 0;
      latencyUs = Recording.newHistogram();
      target = Long.MAX_VALUE;
      targetReached = new CompletableFuture<>();
      return null;
    });
  }

  /** Completes (with the receive time) once this recording has {@code expected} deliveries. */
  CompletableFuture<Long> awaitReceived(long expected) {
    return call(() -> {
      target = expected;
      if (received >= expected) targetReached.complete(lastRecv);
      return targetReached;
    });
  }

  long received() {
    return call(() -> received);
  }

  Recording recording() {
    return call(() -> new Recording(received, stale, orderViolations, negative, firstRecv, lastRecv, latencyUs.copy()));
  }

  /** For each topic, how many of this group's sockets joined it. */
  long[] joinedPerTopic(int topics) {
    return call(() -> {
      long[] n = new long[topics];
      for (Conn c : conns) {
        if (!c.joined) continue;
        for (int t : c.topics) n[t]++;
      }
      return n;
    });
  }

  /** Closes every socket and waits (up to 10 s) until they are closed. */
  void closeAll() {
    List<ChannelFuture> closing = call(() -> {
      if (heartbeats != null) heartbeats.cancel(false);
      List<ChannelFuture> fs = new ArrayList<>();
      for (Conn c : conns) {
        if (c.channel != null) fs.add(c.channel.close());
      }
      return fs;
    });
    for (ChannelFuture f : closing) f.awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /**
   * One socket's bytes: the HTTP upgrade, then WebSocket frames, read in place in the cumulation
   * buffer ({@link ServerFrames}).
   */
  private final class SocketHandler extends ByteToMessageDecoder implements ServerFrames.Sink {
    private final Conn c;
    private final Target target;
    private boolean upgraded;
    private ChannelHandlerContext ctx;

    SocketHandler(Conn c, Target target) {
      this.c = c;
      this.target = target;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(target.upgradeRequest()), ctx.voidPromise());
      super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!upgraded && !readUpgrade(ctx, in)) return;
      this.ctx = ctx;
      String broken = ServerFrames.read(in, this);
      if (broken != null) protocolError(ctx, in, broken);
    }

    @Override
    public void frame(boolean fin, int opcode, ByteBuf in, int from, int len) {
      onFrame(ctx, fin, opcode, in, from, len);
    }

    private void onFrame(ChannelHandlerContext ctx, boolean fin, int opcode, ByteBuf in, int from, int len) {
      if (!fin || opcode == ClientFrames.OP_CONTINUATION) {
        // Herald and Phoenix send every message in one frame; the harness does not reassemble
        badFrames++;
        error("fragmented-frame");
        return;
      }
      switch (opcode) {
        case ClientFrames.OP_TEXT -> onText(c, in, from, len);
        case ClientFrames.OP_PING -> ctx.writeAndFlush(
            ClientFrames.control(alloc(), ClientFrames.OP_PONG, in, from, len), ctx.voidPromise());
        case ClientFrames.OP_PONG -> { }
        case ClientFrames.OP_CLOSE -> {
          int code = len >= 2 ? in.getUnsignedShort(from) : 1005;
          error("closed-by-server:" + code);
          ctx.close();
        }
        default -> otherFrames++;
      }
    }

    /** Reads the 101 answer; false while it is incomplete or when it refused the upgrade. */
    private boolean readUpgrade(ChannelHandlerContext ctx, ByteBuf in) {
      int end = -1;
      for (int i = in.readerIndex(); i + 3 < in.writerIndex(); i++) {
        if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r' && in.getByte(i + 3) == '\n') {
          end = i + 4;
          break;
        }
      }
      if (end < 0) {
        if (in.readableBytes() > MAX_UPGRADE_RESPONSE) protocolError(ctx, in, "upgrade response too large");
        return false;
      }
      String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
      in.readerIndex(end);
      String[] statusLine = head.substring(0, head.indexOf('\r')).split(" ");
      String status = statusLine.length > 1 ? statusLine[1] : "?";
      if (!status.equals("101") || !head.contains(Target.ACCEPT)) {
        connectFailed++;
        error(status.equals("101") ? "upgrade:bad Sec-WebSocket-Accept" : "http:" + status);
        finish(c);
        in.skipBytes(in.readableBytes());
        ctx.close();
        return false;
      }
      upgraded = true;
      c.open = true;
      established++;
      sendJoins(c);
      return true;
    }

    private void protocolError(ChannelHandlerContext ctx, ByteBuf in, String what) {
      badFrames++;
      error("protocol:" + what);
      in.skipBytes(in.readableBytes());
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (c.open) {
        closedAfterOpen++;
      } else if (!c.finished) {
        connectFailed++;
        error("connect:closed before the upgrade");
      }
      c.open = false;
      finish(c);
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      error((c.open ? "socket:" : "connect:") + describe(cause));
      ctx.close();
    }
  }

  /** TCP options every socket gets. */
  static Bootstrap configure(Bootstrap b, double connectTimeoutSeconds) {
    return b.option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.round(connectTimeoutSeconds * 1000))
        .option(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT);
  }
}
