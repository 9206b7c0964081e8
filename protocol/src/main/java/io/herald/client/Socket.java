package io.herald.client;

import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Reply;
import io.herald.protocol.ReservedEvents;
import io.herald.protocol.Serializer;
import io.herald.protocol.ServerFrame;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Phoenix Channels client socket over {@link java.net.http.WebSocket}, behaving like phoenix.js's
 * {@code Socket}: heartbeats, automatic reconnect (exponential backoff with full jitter), channels that
 * rejoin after a reconnect with fresh params, replies matched to pushes by ref.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Callbacks (listeners, {@link Channel#on} handlers)
 * and the completion of the futures this API returns run on the socket's dispatch thread or on the
 * timer thread ({@link SocketOptions#scheduler()}); never while a lock of this library is held. The
 * dispatch thread is a thread of the {@link HttpClient}'s executor (or, for a client built without
 * one, of a shared daemon pool): the WebSocket listener hands each connection's events to it, in
 * order, one at a time. Callbacks must not block: a blocked dispatch stops this socket's input (TCP
 * then pushes back on the server), a blocked timer thread delays the timers of every socket sharing
 * it. Chain with the {@code ...Async} variants of {@link CompletableFuture} to do slow work elsewhere.
 *
 * <p><b>Resources.</b> Sockets created without an {@link HttpClient} share one client (one selector
 * thread for all), and those without a scheduler share one daemon timer thread. Nothing here creates a
 * thread per message or per socket; dispatch borrows pool threads only while a socket has input.
 */
public final class Socket implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Socket.class);

  static final String PHOENIX_TOPIC = ReservedEvents.PHOENIX_TOPIC;
  static final String HEARTBEAT_EVENT = ReservedEvents.HEARTBEAT;
  static final int ABNORMAL_CLOSURE = 1006;
  // reasons given to channels' phx_error handlers, as phoenix.js's triggerChanError
  static final String CONNECTION_CLOSED = "connection_closed";
  static final String CONNECTION_ERROR = "connection_error";
  static final String HEARTBEAT_TIMEOUT = "heartbeat_timeout";

  private static final AtomicLong SOCKET_IDS = new AtomicLong();

  private final long id = SOCKET_IDS.incrementAndGet();
  private final SocketOptions options;
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  private final Executor dispatcher;
  private final Serializer serializer;
  private final Backoff backoff;
  private final String authProtocol;
  private final AtomicLong refs = new AtomicLong();
  private final AtomicLong connectionIds = new AtomicLong();
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<Channel>> channels = new ConcurrentHashMap<>();
  private final AtomicInteger buffered = new AtomicInteger();

  private final Listeners<Runnable> openListeners = new Listeners<>();
  private final Listeners<Consumer<CloseEvent>> closeListeners = new Listeners<>();
  private final Listeners<Consumer<Throwable>> errorListeners = new Listeners<>();
  private final Listeners<Consumer<ServerFrame>> messageListeners = new Listeners<>();

  // connection life cycle, guarded by lock (never held while calling channels or user code)
  private final Object lock = new Object();
  private Connection conn; // handshaking or open; null between connections
  private boolean wantConnected; // connect() called, disconnect() not since
  private int reconnectAttempt;
  /** Which of the endpoint and its alternates the next connection attempt uses (modulo their number). */
  private int endpointIndex;
  private ScheduledFuture<?> reconnectTimer;
  private CompletableFuture<Void> connectFuture;
  private volatile Connection openConn; // read without the lock on every push

  public Socket(SocketOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.http = options.httpClient() != null ? options.httpClient() : DefaultHttpClient.INSTANCE;
    this.scheduler = options.scheduler() != null ? options.scheduler() : DefaultScheduler.INSTANCE;
    this.dispatcher = http.executor().orElse(DefaultDispatcher.INSTANCE);
    this.serializer = options.serializer();
    this.backoff = options.backoff();
    this.authProtocol =
        options.authToken() == null ? null : SocketOptions.authTokenProtocol(options.authToken());
  }

  // ---------------------------------------------------------------- public API

  /**
   * Opens the connection (no-op if open; joins the attempt in progress if any).
   *
   * <p>The future completes when the socket is open, or fails with the error of the first failed
   * attempt (for example {@link java.net.http.WebSocketHandshakeException} for an HTTP 403). Either
   * way the socket keeps reconnecting in the background, as phoenix.js does, until {@link
   * #disconnect()}.
   */
  public CompletableFuture<Void> connect() {
    CompletableFuture<Void> result;
    boolean start;
    synchronized (lock) {
      wantConnected = true;
      if (conn != null && conn.isOpen()) {
        return CompletableFuture.completedFuture(null);
      }
      if (connectFuture == null) {
        connectFuture = new CompletableFuture<>();
      }
      result = connectFuture;
      start = conn == null;
      if (start) {
        cancel(reconnectTimer); // an explicit connect does not wait for the backoff
        reconnectTimer = null;
        reconnectAttempt = 0;
      }
    }
    if (start) {
      openConnection();
    }
    return result.copy();
  }

  /**
   * Closes the connection with code 1000 and stops reconnecting. Frames queued before this call are
   * still written. Channels become {@link ChannelState#ERRORED} and rejoin on a later {@link
   * #connect()}, as in phoenix.js. The future completes once the transport is closed (the server
   * answered the close, or it was aborted after a short grace period).
   */
  public CompletableFuture<Void> disconnect() {
    Connection c;
    CompletableFuture<Void> cf;
    synchronized (lock) {
      wantConnected = false;
      cancel(reconnectTimer);
      reconnectTimer = null;
      c = conn;
      cf = connectFuture;
      connectFuture = null;
    }
    if (cf != null) {
      cf.completeExceptionally(new CancellationException("disconnect() was called"));
    }
    if (c == null) {
      return CompletableFuture.completedFuture(null);
    }
    connectionClosed(c, WebSocket.NORMAL_CLOSURE, "disconnect", null, CONNECTION_CLOSED, false);
    c.shutdown(WebSocket.NORMAL_CLOSURE, "");
    return c.transportClosed.copy();
  }

  /** {@link #disconnect()} without waiting. */
  @Override
  public void close() {
    disconnect();
  }

  /** Whether a connection is open now. */
  public boolean isConnected() {
    Connection c = openConn;
    return c != null && c.isOpen();
  }

  /**
   * A new channel on {@code topic}; {@link Channel#join()} it. {@code joinParams} is called for every
   * join and rejoin, so that params can change (a fresh token, a last-seen id). Must be fast.
   */
  public Channel channel(String topic, Supplier<Payload> joinParams) {
    Objects.requireNonNull(topic, "topic");
    Channel ch = new Channel(this, topic, joinParams == null ? () -> Payload.EMPTY_OBJECT : joinParams);
    channels.compute(topic, (t, list) -> {
      CopyOnWriteArrayList<Channel> l = list == null ? new CopyOnWriteArrayList<>() : list;
      l.add(ch);
      return l;
    });
    return ch;
  }

  /** A new channel on {@code topic} joined with {@code {}}. */
  public Channel channel(String topic) {
    return channel(topic, null);
  }

  /** The channels of this socket that were neither left nor closed. */
  public List<Channel> channels() {
    List<Channel> all = new ArrayList<>();
    channels.values().forEach(all::addAll);
    return all;
  }

  /** Called after every successful (re)connect, once rejoins have been sent. */
  public Subscription onOpen(Runnable listener) {
    return openListeners.add(listener);
  }

  /** Called when a connection that had opened closes, whatever the cause. */
  public Subscription onClose(Consumer<CloseEvent> listener) {
    return closeListeners.add(listener);
  }

  /** Called with the cause of a failed connection attempt or of a broken connection. */
  public Subscription onError(Consumer<Throwable> listener) {
    return errorListeners.add(listener);
  }

  /** Called with every decoded frame, before it is routed (a tap for tests and tracing). */
  public Subscription onMessage(Consumer<ServerFrame> listener) {
    return messageListeners.add(listener);
  }

  /** The next ref of this socket: a counter, as a string ("1", "2", ...), as phoenix.js. */
  public String makeRef() {
    return Long.toString(refs.incrementAndGet());
  }

  public SocketOptions options() {
    return options;
  }

  @Override
  public String toString() {
    return "Socket#" + id + "(" + options.endpoint() + ")";
  }

  // ---------------------------------------------------------------- connection life cycle

  private void openConnection() {
    Connection c;
    synchronized (lock) {
      if (!wantConnected || conn != null) {
        return;
      }
      c = new Connection(this, connectionIds.incrementAndGet());
      conn = c;
    }
    try {
      URI uri = connectUri();
      WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(options.connectTimeout());
      if (authProtocol != null) {
        builder.subprotocols(SocketOptions.PHOENIX_SUBPROTOCOL, authProtocol);
      }
      log.debug("{}: connecting to {}", c, uri);
      // async: the failure may arrive on the HttpClient's selector thread, which must not run our
      // reconnect logic and user listeners
      builder.buildAsync(uri, c).whenCompleteAsync((ws, err) -> {
        if (err != null) {
          Throwable cause = unwrap(err);
          connectionClosed(c, ABNORMAL_CLOSURE, "connect failed: " + cause, cause, CONNECTION_ERROR, false);
          c.transportClosed.complete(null);
        }
      }, this::dispatch);
    } catch (RuntimeException e) { // a bad param supplier or URI
      connectionClosed(c, ABNORMAL_CLOSURE, "connect failed: " + e, e, CONNECTION_ERROR, false);
      c.transportClosed.complete(null);
    }
  }

  /** The endpoint with the connect params and {@code vsn} appended to its query, URL-encoded. */
  URI connectUri() {
    URI endpoint = options.endpoint();
    List<URI> alternates = options.alternateEndpoints();
    if (!alternates.isEmpty()) {
      int i;
      synchronized (lock) {
        i = endpointIndex % (alternates.size() + 1);
      }
      endpoint = i == 0 ? endpoint : alternates.get(i - 1);
    }
    StringBuilder query = new StringBuilder();
    if (endpoint.getRawQuery() != null && !endpoint.getRawQuery().isEmpty()) {
      query.append(endpoint.getRawQuery());
    }
    Map<String, String> params = options.params().get();
    boolean vsnGiven = false;
    if (params != null) {
      for (Map.Entry<String, String> e : params.entrySet()) {
        vsnGiven |= "vsn".equals(e.getKey());
        appendParam(query, e.getKey(), e.getValue());
      }
    }
    if (!vsnGiven) {
      appendParam(query, "vsn", serializer.vsn());
    }
    StringBuilder uri = new StringBuilder()
        .append(endpoint.getScheme()).append("://").append(endpoint.getRawAuthority());
    if (endpoint.getRawPath() != null) {
      uri.append(endpoint.getRawPath());
    }
    uri.append('?').append(query);
    return URI.create(uri.toString());
  }

  private static void appendParam(StringBuilder query, String key, String value) {
    if (query.length() > 0) {
      query.append('&');
    }
    query.append(encode(key)).append('=').append(encode(value == null ? "" : value));
  }

  // as encodeURIComponent: a space is %20, not '+'
  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Dispatch thread: the connection's open event. */
  void connectionOpened(Connection c) {
    CompletableFuture<Void> cf = null;
    boolean stale;
    synchronized (lock) {
      stale = conn != c || !wantConnected || c.isClosed();
      if (!stale) {
        c.markOpen();
        openConn = c;
        cf = connectFuture;
        connectFuture = null;
      }
    }
    if (stale) { // disconnect() or a newer attempt won the race
      connectionClosed(c, WebSocket.NORMAL_CLOSURE, "stale connection", null, CONNECTION_CLOSED, false);
      c.abort();
      return;
    }
    log.debug("{}: open", c);
    scheduleHeartbeat(c);
    for (Channel ch : channels()) {
      ch.socketOpened(c);
    }
    if (cf != null) {
      cf.complete(null);
    }
    openListeners.forEach(Runnable::run);
  }

  /**
   * Finalises the local state of a connection, once, whoever notices first: remote close, error,
   * heartbeat timeout, send failure, disconnect. Then reconnects if the socket should be connected.
   * No reconnect after {@link #disconnect()} or after the server closed with 1000 (as phoenix.js 1.7; 1.8 reconnects after any server close).
   */
  void connectionClosed(Connection c, int code, String reason, Throwable error, String channelReason,
      boolean forceReconnect) {
    if (!c.markClosed()) {
      return;
    }
    c.stopHeartbeat();
    boolean wasOpen = c.wasOpened();
    boolean reconnect;
    CompletableFuture<Void> failedConnect = null;
    synchronized (lock) {
      boolean current = conn == c;
      if (current) {
        conn = null;
      }
      if (openConn == c) {
        openConn = null;
      }
      // a connection that stayed up a while proves the server healthy; one that drops at once does
      // not, so the delays keep growing against a server that accepts and then closes
      if (wasOpen && c.lifetime().compareTo(options.reconnectMax()) >= 0) {
        reconnectAttempt = 0;
      }
      reconnect = wantConnected
          && (forceReconnect || error != null || code != WebSocket.NORMAL_CLOSURE);
      if (current && !wasOpen && connectFuture != null) {
        failedConnect = connectFuture;
        connectFuture = null;
      }
    }
    if (error != null) {
      log.info("{}: connection {}: {}", c, wasOpen ? "lost" : "failed", error.toString());
    } else {
      log.debug("{}: closed {} {}", c, code, reason);
    }
    IOException closedCause = new IOException("connection closed before a reply: " + code + " " + reason);
    for (Channel ch : channels()) {
      ch.socketClosed(c, channelReason);
    }
    // replies of this connection can no longer come: fail now rather than at the timeout
    for (Pending p : pending.values()) {
      if (p.conn == c && p.kind != Pending.Kind.JOIN && untrack(p)) {
        settleLost(p, closedCause);
      }
    }
    // listeners before the future, so that a caller woken by the future sees them called
    if (error != null) {
      errorListeners.forEach(l -> l.accept(error));
    }
    if (wasOpen) {
      CloseEvent event = new CloseEvent(code, reason, reconnect);
      closeListeners.forEach(l -> l.accept(event));
    }
    if (failedConnect != null) {
      failedConnect.completeExceptionally(error != null ? error : closedCause);
    }
    if (reconnect) {
      scheduleReconnect();
    }
  }

  private void scheduleReconnect() {
    synchronized (lock) {
      if (!wantConnected || conn != null || reconnectTimer != null) {
        return;
      }
      Duration delay = backoff.delay(reconnectAttempt++);
      endpointIndex++; // the next attempt goes to the next node, if there are several
      log.debug("{}: reconnecting in {} ms (attempt {})", this, delay.toMillis(), reconnectAttempt);
      reconnectTimer = schedule(this::reconnectTimerFired, delay);
    }
  }

  private void reconnectTimerFired() {
    synchronized (lock) {
      reconnectTimer = null;
    }
    openConnection();
  }

  // ---------------------------------------------------------------- heartbeat

  private void scheduleHeartbeat(Connection c) {
    Duration every = options.heartbeatInterval();
    if (every.isZero() || !c.isOpen()) {
      return;
    }
    c.heartbeatTimer(schedule(() -> sendHeartbeat(c), every));
  }

  private void sendHeartbeat(Connection c) {
    if (!c.isOpen()) {
      return;
    }
    String ref = makeRef();
    EncodedFrame frame;
    try {
      frame = serializer.encodeClientMessage(
          new Message(null, ref, PHOENIX_TOPIC, HEARTBEAT_EVENT, Payload.EMPTY_OBJECT));
    } catch (RuntimeException e) {
      log.error("{}: cannot encode a heartbeat", c, e);
      return;
    }
    // the timeout is armed before the send, so that the reply always finds it
    c.heartbeatSent(ref, schedule(() -> heartbeatTimedOut(c, ref), options.heartbeatInterval()));
    c.send(frame, err -> sendFailed(c, null, err));
  }

  private void heartbeatTimedOut(Connection c, String ref) {
    if (c.isClosed() || !c.heartbeatPending(ref)) {
      return;
    }
    log.warn("{}: no reply to heartbeat {} within {} ms, reconnecting", c, ref,
        options.heartbeatInterval().toMillis());
    connectionClosed(c, WebSocket.NORMAL_CLOSURE, "heartbeat timeout", null, HEARTBEAT_TIMEOUT, true);
    c.shutdown(WebSocket.NORMAL_CLOSURE, "heartbeat timeout");
  }

  // ---------------------------------------------------------------- incoming

  /** Dispatch thread: one complete frame. A bad frame is dropped, never fatal. */
  void frameReceived(Connection c, boolean binary, byte[] bytes) {
    if (c.isClosed()) {
      return; // a connection given up on (heartbeat timeout): its late frames mean nothing
    }
    c.inputSeen();
    ServerFrame frame;
    try {
      frame = serializer.decodeServerFrame(binary, bytes);
    } catch (ProtocolException e) {
      log.warn("{}: dropping an undecodable {} frame ({} bytes): {}", c, binary ? "binary" : "text",
          bytes.length, e.reason());
      return;
    } catch (RuntimeException e) {
      log.warn("{}: dropping a frame the serializer failed on", c, e);
      return;
    }
    if (log.isTraceEnabled()) {
      log.trace("{}: in {}", c, frame);
    }
    messageListeners.forEach(l -> l.accept(frame));
    if (frame instanceof Reply reply) {
      replyReceived(c, reply);
    } else {
      Message m = (Message) frame;
      CopyOnWriteArrayList<Channel> subscribers = channels.get(m.topic());
      if (subscribers == null) {
        log.debug("{}: no channel for {} {}", c, m.topic(), m.event());
        return;
      }
      for (Channel ch : subscribers) {
        ch.messageReceived(m);
      }
    }
  }

  private void replyReceived(Connection c, Reply r) {
    String ref = r.ref();
    if (ref == null) {
      log.debug("{}: dropping a reply without ref on {}", c, r.topic());
      return;
    }
    if (PHOENIX_TOPIC.equals(r.topic()) && c.heartbeatAcked(ref)) {
      scheduleHeartbeat(c); // the next one counts from the reply, as phoenix.js
      return;
    }
    Pending p = pending.get(ref);
    if (p == null) {
      log.debug("{}: dropping a reply to unknown ref {} on {}", c, ref, r.topic());
      return;
    }
    String current = p.channel.joinRef();
    if (r.joinRef() != null && !r.joinRef().equals(current)) {
      // as phoenix.js's isMember: a reply from an older join of the channel; the push times out
      log.debug("{}: dropping a reply with stale join_ref {} (current {}) on {}", c, r.joinRef(), current,
          r.topic());
      return;
    }
    if (!untrack(p)) {
      return; // its timeout won
    }
    switch (p.kind) {
      case PUSH -> p.future.complete(r);
      case JOIN -> p.channel.joinReplied(p, r);
      case LEAVE -> p.channel.leaveFinished(p);
    }
  }

  // ---------------------------------------------------------------- pending replies

  /** Registers a sent message and arms its timeout. */
  void track(Pending p) {
    pending.put(p.ref, p);
    p.timer(schedule(() -> {
      if (pending.remove(p.ref, p)) {
        expired(p);
      }
    }, p.timeout));
  }

  /** Removes {@code p}; true if the caller now owns its outcome. */
  boolean untrack(Pending p) {
    if (pending.remove(p.ref, p)) {
      p.cancelTimer();
      return true;
    }
    return false;
  }

  private void expired(Pending p) {
    switch (p.kind) {
      case PUSH -> p.future.completeExceptionally(new TimeoutException("push '" + p.event + "' to '"
          + p.channel.topic() + "' got no reply within " + p.timeout.toMillis() + " ms"));
      case JOIN -> p.channel.joinTimedOut(p);
      case LEAVE -> p.channel.leaveFinished(p);
    }
  }

  private static void settleLost(Pending p, Throwable cause) {
    switch (p.kind) {
      case PUSH -> p.future.completeExceptionally(cause);
      case LEAVE -> p.channel.leaveFinished(p);
      case JOIN -> { } // the channel errors and rejoins: see Channel.socketClosed
    }
  }

  /**
   * Dispatch thread: a frame could not be written. The message fails, and a connection that cannot
   * write is broken: close it and reconnect.
   */
  void sendFailed(Connection c, Pending p, Throwable err) {
    Throwable cause = unwrap(err);
    if (p != null && untrack(p)) {
      settleLost(p, cause);
    }
    if (!c.isClosed()) {
      log.warn("{}: send failed, dropping the connection: {}", c, cause.toString());
      connectionClosed(c, ABNORMAL_CLOSURE, "send failed: " + cause, cause, CONNECTION_ERROR, true);
      c.abort();
    }
  }

  /** Dispatch thread: a probe ping could not be written: the server is gone (see idleProbe). */
  void probeFailed(Connection c, Throwable err) {
    if (!c.isClosed()) {
      Throwable cause = unwrap(err);
      log.info("{}: connection found closed by the idle probe: {}", c, cause.toString());
      connectionClosed(c, ABNORMAL_CLOSURE, "closed by the server (found by the idle probe)", cause,
          CONNECTION_ERROR, true);
      c.abort();
    }
  }

  // ---------------------------------------------------------------- services for Channel

  Serializer serializer() {
    return serializer;
  }

  /** The open connection, or null. */
  Connection liveConnection() {
    Connection c = openConn;
    return c != null && c.isOpen() ? c : null;
  }

  /** Takes a slot of the send buffer; false when it is full. */
  boolean reserveBufferSlot() {
    int max = options.sendBufferSize();
    while (true) {
      int n = buffered.get();
      if (n >= max) {
        return false;
      }
      if (buffered.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void releaseBufferSlot() {
    buffered.decrementAndGet();
  }

  /** As phoenix.js's leaveOpenTopic: joining a topic leaves other joined/joining channels on it. */
  void leaveOpenTopic(Channel joining) {
    CopyOnWriteArrayList<Channel> list = channels.get(joining.topic());
    if (list == null) {
      return;
    }
    for (Channel other : list) {
      ChannelState s = other.state();
      if (other != joining && (s == ChannelState.JOINED || s == ChannelState.JOINING)) {
        log.debug("{}: leaving duplicate channel on {}", this, joining.topic());
        other.leave();
      }
    }
  }

  void remove(Channel ch) {
    channels.computeIfPresent(ch.topic(), (t, list) -> {
      list.remove(ch);
      return list.isEmpty() ? null : list;
    });
  }

  /** Schedules {@code task} on the timer; null if the scheduler was shut down. */
  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    try {
      return scheduler.schedule(() -> Listeners.guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: scheduler rejected a timer (shut down?)", this);
      return null;
    }
  }

  /** Runs {@code task} on the dispatch executor (inline if it was shut down). */
  void dispatch(Runnable task) {
    try {
      dispatcher.execute(() -> Listeners.guarded(task));
    } catch (RejectedExecutionException e) {
      Listeners.guarded(task);
    }
  }

  static void cancel(Future<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // for tests
  int pendingCount() {
    return pending.size();
  }

  int bufferedCount() {
    return buffered.get();
  }

  // ---------------------------------------------------------------- shared defaults (lazy holders)

  private static final class DefaultHttpClient {
    // the JDK's own work and our dispatch share one pool
    static final HttpClient INSTANCE = HttpClient.newBuilder().executor(DefaultDispatcher.INSTANCE).build();
  }

  private static final class DefaultDispatcher {
    static final ExecutorService INSTANCE = create();

    private static ExecutorService create() {
      AtomicInteger n = new AtomicInteger();
      // cached: threads exist only while sockets have input to handle, and die after 60 s idle
      return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "herald-client-dispatch-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
  }

  private static final class DefaultScheduler {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "herald-client-timer");
        t.setDaemon(true);
        return t;
      });
      // every push arms a timeout that its reply cancels: drop cancelled tasks from the queue at once
      s.setRemoveOnCancelPolicy(true);
      return s;
    }
  }
}
