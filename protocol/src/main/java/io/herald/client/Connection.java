package io.herald.client;

import io.herald.protocol.EncodedFrame;
import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection attempt of a {@link Socket}: its {@link WebSocket.Listener}, its outbox and
 * its heartbeat state. A reconnect makes a new instance, so timers and replies of an old connection can
 * be recognised by identity and ignored.
 *
 * <p>Outbox: java.net.http forbids starting a send before the previous one completed. Frames go into a
 * lock-free queue; whoever wins {@code sending} drains it, one {@code sendText}/{@code sendBinary} at a
 * time, continuing from the completion callback. Synchronous completions are looped, not recursed.
 *
 * <p>Inbox: the listener only assembles frames and queues them, with open/close events, to be handled
 * in order on the socket's dispatch executor (one drain task at a time per connection). Why not handle
 * them in {@code onText}: java.net.http loses an end of stream (TCP close without a close frame) that
 * arrives between the delivery of a message and its next internal read request: its
 * {@code onComplete} acknowledges a reception with no demand and throws {@code InternalError}, and
 * nothing reaches the listener. A slow {@code onText} widens that window to the whole handler;
 * returning at once narrows it to the JDK's own bookkeeping, and keeps user code off its threads. The
 * rest is caught by the idle probe ({@link SocketOptions#idleProbe()}). Above {@link #HIGH_WATER}
 * queued frames the listener stops requesting, so TCP pushes back.
 */
final class Connection implements WebSocket.Listener {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);
  static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  private final Socket socket;
  private final long id;
  private volatile WebSocket ws;
  private volatile boolean opened;
  private volatile long openedAtNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Completes when the transport is gone (close handshake done, error, or aborted). */
  final CompletableFuture<Void> transportClosed = new CompletableFuture<>();

  private record Outgoing(EncodedFrame frame, Consumer<Throwable> onFailure, int closeCode, String closeReason) {}

  private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean();

  // partial messages; only touched by the listener, whose calls are sequential
  private StringBuilder textParts;
  private ByteArrayOutputStream binaryParts;

  static final int HIGH_WATER = 1024;
  private static final int BATCH = 256; // events per drain task, then yield the executor thread

  private record Inbound(int kind, boolean binary, byte[] bytes, int code, String reason, Throwable error) {}

  private static final int OPEN = 0;
  private static final int FRAME = 1;
  private static final int CLOSED = 2;

  private final ConcurrentLinkedQueue<Inbound> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inboxSize = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean requestOwed = new AtomicBoolean(); // the listener skipped a request(1)

  // heartbeat, guarded by this
  private String heartbeatRef;
  private ScheduledFuture<?> heartbeatTimer;

  // idle probe: see SocketOptions.idleProbe
  static final Duration PROBE_GAP = Duration.ofMillis(100);
  static final int PROBE_PINGS = 3;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  private volatile long lastInputNanos;
  private final AtomicBoolean probeArmed = new AtomicBoolean();

  Connection(Socket socket, long id) {
    this.socket = socket;
    this.id = id;
  }

  boolean isOpen() {
    return opened && !closed.get();
  }

  boolean wasOpened() {
    return opened;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** First caller wins: the one that finalises the connection's local state. */
  boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  void markOpen() {
    openedAtNanos = System.nanoTime();
    opened = true;
  }

  Duration lifetime() {
    return opened ? Duration.ofNanos(System.nanoTime() - openedAtNanos) : Duration.ZERO;
  }

  // ---- outbox ----

  /** Queues a frame. {@code onFailure} runs (on the dispatch executor) if it cannot be written. */
  void send(EncodedFrame frame, Consumer<Throwable> onFailure) {
    if (log.isTraceEnabled()) {
      log.trace("{}: out {}", this, frame.binary() ? frame.bytes().length + " bytes"
          : new String(frame.bytes(), StandardCharsets.UTF_8));
    }
    outbox.offer(new Outgoing(frame, onFailure, 0, null));
    drain();
  }

  /** Closes gracefully after the frames already queued, and aborts if that takes too long. */
  void shutdown(int code, String reason) {
    WebSocket w = ws;
    if (w == null) {
      return; // still handshaking: onOpen sees the connection closed and aborts it
    }
    outbox.offer(new Outgoing(null, null, code, reason));
    drain();
    ScheduledFuture<?> deadline = socket.schedule(this::abort, CLOSE_GRACE);
    transportClosed.whenComplete((v, e) -> Socket.cancel(deadline));
  }

  void abort() {
    WebSocket w = ws;
    if (w != null) {
      w.abort();
    }
    transportClosed.complete(null);
  }

  private void drain() {
    while (sending.compareAndSet(false, true)) {
      Outgoing next;
      while ((next = outbox.poll()) != null) {
        CompletableFuture<WebSocket> cf = start(next);
        if (!cf.isDone()) {
          Outgoing inFlight = next;
          // still "sending": the completion writes the next frame
          cf.whenComplete((w, err) -> {
            if (err != null) {
              failed(inFlight, err);
            }
            sending.set(false);
            drain();
          });
          return;
        }
        if (cf.isCompletedExceptionally()) {
          failed(next, cf.handle((w, e) -> e).join());
        }
      }
      sending.set(false);
      if (outbox.isEmpty()) {
        return; // else a frame was offered after poll() returned null: loop to send it
      }
    }
  }

  private CompletableFuture<WebSocket> start(Outgoing o) {
    WebSocket w = ws;
    try {
      if (w == null) {
        return CompletableFuture.failedFuture(new IllegalStateException("connection not open"));
      }
      if (o.frame == null) {
        return w.sendClose(o.closeCode, o.closeReason);
      }
      byte[] bytes = o.frame.bytes();
      return o.frame.binary()
          ? w.sendBinary(ByteBuffer.wrap(bytes), true)
          : w.sendText(new String(bytes, StandardCharsets.UTF_8), true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void failed(Outgoing o, Throwable err) {
    if (o.onFailure != null) {
      // async: the failing thread may hold a channel's lock, and the callback completes user futures
      socket.dispatch(() -> o.onFailure.accept(err));
    } else if (o.frame == null) {
      log.debug("{}: close frame not sent: {}", this, err.toString());
    }
  }

  // ---- idle probe ----

  /** Dispatch thread: input arrived; make sure a probe follows the silence after it. */
  void inputSeen() {
    Duration quiet = socket.options().idleProbe();
    if (quiet.isZero()) {
      return;
    }
    lastInputNanos = System.nanoTime();
    if (probeArmed.compareAndSet(false, true)) {
      socket.schedule(this::probeDue, quiet);
    }
  }

  private void probeDue() {
    if (!isOpen()) {
      return;
    }
    long quietNanos = socket.options().idleProbe().toNanos();
    long waited = System.nanoTime() - lastInputNanos;
    if (waited < quietNanos) { // input kept coming: wait for the silence after it
      socket.schedule(this::probeDue, Duration.ofNanos(quietNanos - waited));
      return;
    }
    probeArmed.set(false);
    log.debug("{}: input idle, probing", this);
    // a peer that closed answers the first write with a reset; the JDK notices on the second
    // write and fails the third ("closed output")
    ping(PROBE_PINGS);
  }

  private void ping(int left) {
    WebSocket w = ws;
    if (w == null || !isOpen() || left == 0) {
      return;
    }
    CompletableFuture<WebSocket> cf;
    try {
      cf = w.sendPing(EMPTY.duplicate());
    } catch (RuntimeException e) {
      cf = CompletableFuture.failedFuture(e);
    }
    cf.whenComplete((x, err) -> {
      if (err == null) {
        socket.schedule(() -> ping(left - 1), PROBE_GAP);
      } else if (!(Socket.unwrap(err) instanceof IllegalStateException)) { // ISE: a pong in flight
        socket.dispatch(() -> socket.probeFailed(this, err));
      }
    });
  }

  // ---- heartbeat ----

  synchronized void heartbeatTimer(ScheduledFuture<?> t) {
    Socket.cancel(heartbeatTimer);
    heartbeatTimer = t;
  }

  synchronized void heartbeatSent(String ref, ScheduledFuture<?> timeout) {
    heartbeatRef = ref;
    Socket.cancel(heartbeatTimer);
    heartbeatTimer = timeout;
  }

  /** True if {@code ref} answers the heartbeat in flight, which is then settled. */
  synchronized boolean heartbeatAcked(String ref) {
    if (ref == null || !ref.equals(heartbeatRef)) {
      return false;
    }
    heartbeatRef = null;
    Socket.cancel(heartbeatTimer);
    heartbeatTimer = null;
    return true;
  }

  synchronized boolean heartbeatPending(String ref) {
    return ref.equals(heartbeatRef);
  }

  synchronized void stopHeartbeat() {
    Socket.cancel(heartbeatTimer);
    heartbeatTimer = null;
    heartbeatRef = null;
  }

  // ---- inbox ----

  private void enqueue(Inbound event) {
    inbox.offer(event);
    inboxSize.incrementAndGet();
    if (draining.compareAndSet(false, true)) {
      socket.dispatch(this::drainInbox);
    }
  }

  private void drainInbox() {
    int handled = 0;
    while (true) {
      Inbound e;
      while ((e = inbox.poll()) != null) {
        handle(e);
        handled(e);
        if (++handled == BATCH && !inbox.isEmpty()) {
          socket.dispatch(this::drainInbox); // still "draining": the new task continues
          return;
        }
      }
      draining.set(false);
      if (inbox.isEmpty() || !draining.compareAndSet(false, true)) {
        return; // else an event was offered after poll() returned null: continue with it
      }
    }
  }

  private void handle(Inbound e) {
    Listeners.guarded(() -> {
      switch (e.kind) {
        case OPEN -> socket.connectionOpened(this);
        case FRAME -> socket.frameReceived(this, e.binary, e.bytes);
        default -> socket.connectionClosed(this, e.code, e.reason, e.error,
            e.error == null ? Socket.CONNECTION_CLOSED : Socket.CONNECTION_ERROR, false);
      }
    });
  }

  private void handled(Inbound e) {
    if (inboxSize.decrementAndGet() < HIGH_WATER && e.kind == FRAME && requestOwed.get()
        && requestOwed.compareAndSet(true, false)) {
      WebSocket w = ws;
      if (w != null) {
        w.request(1);
      }
    }
  }

  /** Asks for the next listener call, unless the inbox is full; then the drain asks later. */
  private void requestMore(WebSocket w) {
    if (inboxSize.get() < HIGH_WATER) {
      w.request(1);
      return;
    }
    requestOwed.set(true);
    // the drain may have caught up between the check and the flag
    if (inboxSize.get() < HIGH_WATER && requestOwed.compareAndSet(true, false)) {
      w.request(1);
    }
  }

  // ---- WebSocket.Listener: calls are sequential (each happens-before the next) ----

  @Override
  public void onOpen(WebSocket webSocket) {
    ws = webSocket;
    enqueue(new Inbound(OPEN, false, null, 0, null, null));
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    try {
      if (textParts == null && last) {
        frame(false, data.toString().getBytes(StandardCharsets.UTF_8));
      } else {
        if (textParts == null) {
          textParts = new StringBuilder(data.length() * 2);
        }
        textParts.append(data);
        if (last) {
          String whole = textParts.toString();
          textParts = null;
          frame(false, whole.getBytes(StandardCharsets.UTF_8));
        }
      }
    } finally {
      requestMore(webSocket);
    }
    return null; // data was copied: the JDK may reuse its buffers now
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    try {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      if (binaryParts == null && last) {
        frame(true, chunk);
      } else {
        if (binaryParts == null) {
          binaryParts = new ByteArrayOutputStream(Math.max(256, chunk.length * 2));
        }
        binaryParts.writeBytes(chunk);
        if (last) {
          byte[] whole = binaryParts.toByteArray();
          binaryParts = null;
          frame(true, whole);
        }
      }
    } finally {
      requestMore(webSocket);
    }
    return null;
  }

  private void frame(boolean binary, byte[] bytes) {
    enqueue(new Inbound(FRAME, binary, bytes, 0, null, null));
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1); // the JDK answers with a pong itself
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    enqueue(new Inbound(CLOSED, false, null, statusCode, reason, null)); // after the frames before it
    transportClosed.complete(null);
    return null; // the JDK then answers with its own close frame
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    enqueue(new Inbound(CLOSED, false, null, Socket.ABNORMAL_CLOSURE, String.valueOf(error), error));
    transportClosed.complete(null);
  }

  @Override
  public String toString() {
    return socket + "/conn" + id;
  }
}
