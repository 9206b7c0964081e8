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

  // heartbeat, guarded by this
  private String heartbeatRef;
  private ScheduledFuture<?> heartbeatTimer;

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

  /** Queues a frame. {@code onFailure} runs (on the socket's scheduler) if it cannot be written. */
  void send(EncodedFrame frame, Consumer<Throwable> onFailure) {
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
      socket.executeAsync(() -> o.onFailure.accept(err));
    } else if (o.frame == null) {
      log.debug("{}: close frame not sent: {}", this, err.toString());
    }
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

  // ---- WebSocket.Listener: calls are sequential (each happens-before the next) ----

  @Override
  public void onOpen(WebSocket webSocket) {
    ws = webSocket;
    socket.connectionOpened(this);
    if (!closed.get()) {
      webSocket.request(1);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    try {
      if (textParts == null && last) {
        socket.frameReceived(this, false, data.toString().getBytes(StandardCharsets.UTF_8));
      } else {
        if (textParts == null) {
          textParts = new StringBuilder(data.length() * 2);
        }
        textParts.append(data);
        if (last) {
          String whole = textParts.toString();
          textParts = null;
          socket.frameReceived(this, false, whole.getBytes(StandardCharsets.UTF_8));
        }
      }
    } finally {
      webSocket.request(1); // one invocation at a time; ask for the next only when this one is done
    }
    return null; // data was copied: the JDK may reuse its buffers now
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    try {
      if (binaryParts == null && last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        socket.frameReceived(this, true, bytes);
      } else {
        if (binaryParts == null) {
          binaryParts = new ByteArrayOutputStream(Math.max(256, data.remaining() * 2));
        }
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        binaryParts.writeBytes(chunk);
        if (last) {
          byte[] whole = binaryParts.toByteArray();
          binaryParts = null;
          socket.frameReceived(this, true, whole);
        }
      }
    } finally {
      webSocket.request(1);
    }
    return null;
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
    socket.connectionClosed(this, statusCode, reason, null, Socket.CONNECTION_CLOSED, false);
    transportClosed.complete(null);
    return null; // the JDK then answers with its own close frame
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    socket.connectionClosed(this, Socket.ABNORMAL_CLOSURE, String.valueOf(error), error,
        Socket.CONNECTION_ERROR, false);
    transportClosed.complete(null);
  }

  @Override
  public String toString() {
    return socket + "/conn" + id;
  }
}
