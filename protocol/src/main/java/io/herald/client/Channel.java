package io.herald.client;

import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import io.herald.protocol.ReservedEvents;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic joined over a {@link Socket}, behaving like phoenix.js's {@code Channel}.
 *
 * <ul>
 *   <li>{@link #join()} once per instance. A refused or timed-out join, a {@code phx_error} from the
 *       server and a lost connection make the channel {@link ChannelState#ERRORED}; it then rejoins,
 *       after {@link SocketOptions#rejoinAfter()} or as soon as the socket reopens, each time with
 *       fresh params from its supplier and a new join_ref.
 *   <li>{@code phx_close} from the server, or {@link #leave()}, close it for good.
 *   <li>Pushes made while the channel cannot send (socket down, join in flight) are buffered and sent
 *       after the next successful join, with that join's join_ref; their timeout runs meanwhile.
 *   <li>Messages whose join_ref is set and differs from {@link #joinRef()} are dropped as stale.
 *   <li>On a topic that keeps history (its join reply carries an {@code epoch}), every rejoin asks
 *       for the messages missed meanwhile: see {@link #onRecovery}.
 * </ul>
 *
 * <p>Thread-safe. Handlers and futures run on the socket's dispatch or timer thread, never under a
 * lock: see {@link Socket}. Handlers of one channel see its messages in order.
 */
public final class Channel {
  private static final Logger log = LoggerFactory.getLogger(Channel.class);

  public static final String JOIN = ReservedEvents.JOIN;
  public static final String LEAVE = ReservedEvents.LEAVE;
  public static final String CLOSE = ReservedEvents.CLOSE;
  public static final String ERROR = ReservedEvents.ERROR;

  private final Socket socket;
  private final String topic;
  private final Supplier<Payload> joinParams;
  private final ConcurrentHashMap<String, Listeners<Consumer<Message>>> handlers = new ConcurrentHashMap<>();
  private final Listeners<Consumer<Reply>> joinListeners = new Listeners<>();
  private final Listeners<Consumer<Recovery>> recoveryListeners = new Listeners<>();

  // guarded by this; the volatile ones are also read without the lock
  private volatile ChannelState state = ChannelState.CLOSED;
  private volatile String joinRef;
  private boolean joinedOnce;
  private boolean removed;
  private Pending joinPush; // the join attempt in flight
  private Connection joinConn; // the connection of the latest join attempt; null before the first
  private CompletableFuture<Reply> joinFuture;
  private ScheduledFuture<?> joinDeadline;
  private int rejoinAttempt;
  private ScheduledFuture<?> rejoinTimer;
  private final ArrayDeque<BufferedPush> pushBuffer = new ArrayDeque<>();
  private Pending leavePush;
  private CompletableFuture<Void> leaveFuture;
  private final HistoryPosition position; // guarded by this

  private static final class BufferedPush {
    final String event;
    final Payload payload;
    final Duration timeout;
    final CompletableFuture<Reply> future;
    ScheduledFuture<?> timer;

    BufferedPush(String event, Payload payload, Duration timeout, CompletableFuture<Reply> future) {
      this.event = event;
      this.payload = payload;
      this.timeout = timeout;
      this.future = future;
    }
  }

  Channel(Socket socket, String topic, Supplier<Payload> joinParams) {
    this.socket = socket;
    this.topic = topic;
    this.joinParams = joinParams;
    this.position = new HistoryPosition(topic);
  }

  // ---------------------------------------------------------------- public API

  public String topic() {
    return topic;
  }

  public Socket socket() {
    return socket;
  }

  public ChannelState state() {
    return state;
  }

  /** The ref of the current join (phoenix.js's {@code joinRef()}); null before a join is sent. */
  public String joinRef() {
    return joinRef;
  }

  /**
   * Joins the topic, now if the socket is open or else as soon as it opens. Can be called once.
   *
   * <p>The future completes with the first join reply, ok or error (check {@link Reply#ok()}), or fails
   * with {@link TimeoutException} when no reply came within {@link SocketOptions#pushTimeout()}, or
   * with {@link CancellationException} if the channel is left or closed first. Rejoins continue in the
   * background after an error or a timeout; {@link #onJoin} sees every successful one.
   *
   * @throws IllegalStateException on a second call, or after {@link #leave()}
   */
  public CompletableFuture<Reply> join() {
    CompletableFuture<Reply> f;
    synchronized (this) {
      if (joinedOnce) {
        throw new IllegalStateException("tried to join '" + topic + "' multiple times: join() can only"
            + " be called once per channel instance");
      }
      if (removed) {
        throw new IllegalStateException("channel '" + topic + "' was left; create a new one");
      }
      joinedOnce = true;
      state = ChannelState.JOINING;
      f = joinFuture = new CompletableFuture<>();
      joinDeadline = socket.schedule(this::joinDeadlinePassed, socket.options().pushTimeout());
    }
    rejoin();
    return f;
  }

  /**
   * Leaves the topic. The channel stops delivering messages at once and becomes {@link
   * ChannelState#CLOSED} when the server acknowledges, the leave times out, or the connection drops;
   * the future then completes (it never fails). Buffered pushes fail; no rejoin follows.
   */
  public CompletableFuture<Void> leave() {
    Deferred after = new Deferred();
    CompletableFuture<Void> result;
    synchronized (this) {
      if (state == ChannelState.LEAVING) {
        return leaveFuture.copy();
      }
      if (state == ChannelState.CLOSED) {
        if (!removed) {
          closeLocked(after, null);
        }
        result = CompletableFuture.completedFuture(null);
      } else {
        ChannelState previous = state;
        state = ChannelState.LEAVING;
        result = leaveFuture = new CompletableFuture<>();
        Socket.cancel(rejoinTimer);
        dropJoinPushLocked();
        failJoinFutureLocked(after, new CancellationException("channel '" + topic + "' left before its"
            + " join completed"));
        failBufferLocked(after, "channel '" + topic + "' was left");
        Connection live = socket.liveConnection();
        if (live != null && live == joinConn
            && (previous == ChannelState.JOINED || previous == ChannelState.JOINING)) {
          String ref = socket.makeRef();
          Pending p = new Pending(ref, LEAVE, Pending.Kind.LEAVE, this, live, null,
              socket.options().pushTimeout());
          EncodedFrame frame = encodeOrNull(new Message(joinRef, ref, topic, LEAVE, Payload.EMPTY_OBJECT));
          if (frame == null) {
            closeLocked(after, "leave");
          } else {
            leavePush = p;
            socket.track(p);
            live.send(frame, err -> socket.sendFailed(live, p, err));
          }
        } else {
          closeLocked(after, "leave"); // nothing joined on the server side: close right away
        }
      }
    }
    after.run();
    return result.copy();
  }

  /** {@link #push(String, Payload, Duration)} with {@link SocketOptions#pushTimeout()}. */
  public CompletableFuture<Reply> push(String event, Payload payload) {
    return push(event, payload, socket.options().pushTimeout());
  }

  /**
   * Sends {@code event} and completes with its reply, whatever its status. A {@link Payload.Binary}
   * travels in a binary frame (V2 only). Fails with {@link TimeoutException} when no reply came in
   * time (the ref is then forgotten), with an {@link java.io.IOException} if the connection it was sent
   * on closes first, with {@link IllegalStateException} if the channel is closed or leaving or the
   * send buffer is full, or with the {@link io.herald.protocol.ProtocolException} of the encoder.
   *
   * @throws IllegalStateException if {@link #join()} was never called (as phoenix.js)
   */
  public CompletableFuture<Reply> push(String event, Payload payload, Duration timeout) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    Payload body = payload == null ? Payload.EMPTY_OBJECT : payload;
    CompletableFuture<Reply> f = new CompletableFuture<>();
    synchronized (this) {
      if (!joinedOnce) {
        throw new IllegalStateException("tried to push '" + event + "' to '" + topic + "' before joining;"
            + " call join() before pushing events");
      }
      if (state == ChannelState.LEAVING || state == ChannelState.CLOSED) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("cannot push '" + event + "': channel '" + topic + "' is " + state));
      }
      Connection live = socket.liveConnection();
      if (state == ChannelState.JOINED && live != null && live == joinConn) {
        sendPushLocked(live, event, body, timeout, f);
      } else if (!socket.reserveBufferSlot()) {
        return CompletableFuture.failedFuture(new IllegalStateException("send buffer full ("
            + socket.options().sendBufferSize() + " pushes waiting); '" + event + "' to '" + topic
            + "' not sent"));
      } else {
        BufferedPush b = new BufferedPush(event, body, timeout, f);
        pushBuffer.add(b);
        b.timer = socket.schedule(() -> bufferedPushExpired(b), timeout);
      }
    }
    return f;
  }

  /**
   * Adds a handler for {@code event} (several per event; called in registration order).
   *
   * <p>On a topic that keeps history, a message's {@link Message#ref()} is its seq in the topic (a
   * decimal string: "1", "2", ...; docs/protocol.md, "History and recovery"); null for binary
   * messages, for topics without history, and for events the server sends itself ({@code phx_*},
   * presence).
   */
  public Subscription on(String event, Consumer<Message> handler) {
    Objects.requireNonNull(event, "event");
    return handlers.computeIfAbsent(event, e -> new Listeners<>()).add(handler);
  }

  /**
   * Called when the channel closes: {@code phx_close} from the server, or a local close after {@link
   * #leave()} (a message with payload {@code {"reason":"leave"}}). Same as {@code on("phx_close")}.
   */
  public Subscription onClose(Consumer<Message> handler) {
    return on(CLOSE, handler);
  }

  /**
   * Called when the channel errors: {@code phx_error} from the server, or the loss of the connection (a
   * message with payload {@code {"reason":"connection_closed" | "connection_error" |
   * "heartbeat_timeout"}}). Same as {@code on("phx_error")}.
   */
  public Subscription onError(Consumer<Message> handler) {
    return on(ERROR, handler);
  }

  /**
   * Called with the reply of every successful join and rejoin, before {@link #join()}'s future
   * completes (so a handler added after that completion sees rejoins only).
   */
  public Subscription onJoin(Consumer<Reply> handler) {
    return joinListeners.add(handler);
  }

  /**
   * Called after every successful join and rejoin of a topic that keeps history (its ok reply carries
   * an {@code epoch}; or a rejoin asked for recovery and the topic no longer keeps any), after the
   * {@link #onJoin} handlers, before {@link #join()}'s future completes and before any message that
   * follows the reply reaches the {@link #on} handlers.
   *
   * <p>The channel tracks the epoch of its latest join reply and the seq ({@link Message#ref()}) of the
   * last message it received, and every rejoin (after a reconnect, a {@code phx_error}, a join
   * timeout) sends them as the join params {@code since} and {@code epoch}, merged into the params of
   * the supplier given to {@link Socket#channel}. {@link Recovery#recovered()} true: the messages
   * missed meanwhile follow, in order, as ordinary messages. False with a {@link Recovery#reason()}:
   * they are lost, reload the state. A seq not greater than the last one seen while joined means that
   * the topic's owner restarted (a new epoch): the channel then rejoins at once to get that outcome.
   */
  public Subscription onRecovery(Consumer<Recovery> handler) {
    return recoveryListeners.add(handler);
  }

  /** The epoch of the latest join reply of a topic that keeps history; null otherwise. */
  public synchronized String epoch() {
    return position.epoch();
  }

  /**
   * The seq of the last message received on a topic that keeps history (at first the reply's {@code
   * seq}); the {@code since} of the next rejoin. -1 when none is known.
   */
  public synchronized long lastSeq() {
    return position.lastSeq();
  }

  @Override
  public String toString() {
    return "Channel(" + topic + ", " + state + ", join_ref=" + joinRef + ")";
  }

  // ---------------------------------------------------------------- joining

  /** Sends a join if one is due and the socket is open (a no-op otherwise: the next open sends it). */
  private void rejoin() {
    ChannelState s = state;
    if (s != ChannelState.JOINING && s != ChannelState.ERRORED && s != ChannelState.JOINED) {
      return;
    }
    Connection live = socket.liveConnection();
    if (live == null) {
      return;
    }
    socket.leaveOpenTopic(this); // before taking our lock: it takes the other channel's
    Deferred after = new Deferred();
    synchronized (this) {
      boolean due = state == ChannelState.ERRORED
          || ((state == ChannelState.JOINING || state == ChannelState.JOINED) && joinConn != live);
      if (due && live.isOpen()) {
        sendJoinLocked(live, after);
      }
    }
    after.run();
  }

  private void sendJoinLocked(Connection live, Deferred after) {
    dropJoinPushLocked();
    joinConn = live;
    Payload params;
    try {
      Payload app = joinParams.get();
      params = position.joinParams(app == null ? Payload.EMPTY_OBJECT : app);
    } catch (RuntimeException e) {
      log.error("join params supplier of '{}' threw; will retry", topic, e);
      joinRef = null;
      state = ChannelState.ERRORED;
      scheduleRejoinLocked();
      return;
    }
    String ref = socket.makeRef();
    EncodedFrame frame = encodeOrNull(new Message(ref, ref, topic, JOIN, params));
    if (frame == null) {
      joinRef = null;
      state = ChannelState.ERRORED;
      scheduleRejoinLocked();
      return;
    }
    joinRef = ref; // the join_ref of a channel is the ref of its phx_join
    state = ChannelState.JOINING;
    log.debug("joining '{}' with join_ref {} on {}", topic, ref, live);
    Pending p = new Pending(ref, JOIN, Pending.Kind.JOIN, this, live, null, socket.options().pushTimeout());
    joinPush = p;
    socket.track(p);
    live.send(frame, err -> socket.sendFailed(live, p, err));
  }

  /** Dispatch thread: the reply to the join in flight (already removed from the pending table). */
  void joinReplied(Pending p, Reply reply) {
    Deferred after = new Deferred();
    synchronized (this) {
      if (!takeJoinLocked(p)) {
        return;
      }
      if (reply.ok()) {
        state = ChannelState.JOINED;
        rejoinAttempt = 0;
        Socket.cancel(rejoinTimer);
        if (p.conn.isOpen()) {
          flushLocked(p.conn);
        }
        Recovery recovery = position.joined(reply.response());
        after.add(() -> joinListeners.forEach(l -> l.accept(reply)));
        if (recovery != null) {
          if (!recovery.recovered() && !recovery.plainJoin()) {
            log.info("'{}' rejoined without recovery ({}): missed messages are lost", topic, recovery.reason());
          }
          after.add(() -> recoveryListeners.forEach(l -> l.accept(recovery)));
        }
      } else {
        log.debug("join of '{}' refused: {} {}", topic, reply.status(), reply.response());
        state = ChannelState.ERRORED;
        scheduleRejoinLocked();
      }
      // listeners before the future, so that a listener added once join() completed sees rejoins only
      CompletableFuture<Reply> jf = joinFuture;
      if (jf != null && !jf.isDone()) {
        Socket.cancel(joinDeadline);
        after.add(() -> jf.complete(reply));
      }
    }
    after.run();
  }

  /** Whether {@code p} is the join in flight of a joining channel; if so it is no longer in flight. */
  private boolean takeJoinLocked(Pending p) {
    if (joinPush != p) {
      return false;
    }
    joinPush = null;
    return state == ChannelState.JOINING;
  }

  /** Timer thread: the join in flight got no reply. As phoenix.js: leave, error, rejoin later. */
  void joinTimedOut(Pending p) {
    Deferred after = new Deferred();
    synchronized (this) {
      if (!takeJoinLocked(p)) {
        return;
      }
      String timedOutRef = joinRef;
      joinRef = null; // as phoenix.js's joinPush.reset(): late frames of that join are now stale
      state = ChannelState.ERRORED;
      Connection live = socket.liveConnection();
      if (live != null && live == p.conn) {
        EncodedFrame leave = encodeOrNull(
            new Message(timedOutRef, socket.makeRef(), topic, LEAVE, Payload.EMPTY_OBJECT));
        if (leave != null) {
          live.send(leave, err -> socket.sendFailed(live, null, err));
        }
      }
      scheduleRejoinLocked();
      failJoinFutureLocked(after, new TimeoutException("join of '" + topic + "' got no reply within "
          + p.timeout.toMillis() + " ms"));
    }
    after.run();
  }

  private void joinDeadlinePassed() {
    Deferred after = new Deferred();
    synchronized (this) {
      failJoinFutureLocked(after, new TimeoutException("join of '" + topic + "' got no reply within "
          + socket.options().pushTimeout().toMillis() + " ms"));
    }
    after.run();
  }

  private void scheduleRejoinLocked() {
    Socket.cancel(rejoinTimer);
    rejoinTimer = null;
    if (!socket.isConnected()) {
      return; // the socket's next open rejoins
    }
    Duration delay = socket.options().rejoinDelay(rejoinAttempt++);
    log.debug("rejoining '{}' in {} ms", topic, delay.toMillis());
    rejoinTimer = socket.schedule(this::rejoinTimerFired, delay);
  }

  private void rejoinTimerFired() {
    if (state == ChannelState.ERRORED) {
      rejoin();
    }
  }

  private void dropJoinPushLocked() {
    if (joinPush != null) {
      socket.untrack(joinPush);
      joinPush = null;
    }
  }

  private void failJoinFutureLocked(Deferred after, Throwable cause) {
    CompletableFuture<Reply> jf = joinFuture;
    if (jf != null && !jf.isDone()) {
      Socket.cancel(joinDeadline);
      after.add(() -> jf.completeExceptionally(cause));
    }
  }

  // ---------------------------------------------------------------- pushing

  private void sendPushLocked(Connection live, String event, Payload payload, Duration timeout,
      CompletableFuture<Reply> f) {
    String ref = socket.makeRef();
    EncodedFrame frame;
    try {
      frame = socket.serializer().encodeClientMessage(new Message(joinRef, ref, topic, event, payload));
    } catch (RuntimeException e) {
      socket.dispatch(() -> f.completeExceptionally(e)); // not under our lock
      return;
    }
    Pending p = new Pending(ref, event, Pending.Kind.PUSH, this, live, f, timeout);
    socket.track(p);
    live.send(frame, err -> socket.sendFailed(live, p, err));
  }

  /** After a successful join: sends the buffered pushes, in order, with the new join_ref. */
  private void flushLocked(Connection live) {
    BufferedPush b;
    while ((b = pushBuffer.poll()) != null) {
      socket.releaseBufferSlot();
      Socket.cancel(b.timer);
      if (!b.future.isDone()) {
        // the timeout restarts at the real send, as phoenix.js's Push.send()
        sendPushLocked(live, b.event, b.payload, b.timeout, b.future);
      }
    }
  }

  private void bufferedPushExpired(BufferedPush b) {
    synchronized (this) {
      if (!pushBuffer.remove(b)) {
        return;
      }
      socket.releaseBufferSlot();
    }
    b.future.completeExceptionally(new TimeoutException("push '" + b.event + "' to '" + topic
        + "' could not be sent within " + b.timeout.toMillis() + " ms (channel " + state + ")"));
  }

  private void failBufferLocked(Deferred after, String why) {
    BufferedPush b;
    while ((b = pushBuffer.poll()) != null) {
      socket.releaseBufferSlot();
      Socket.cancel(b.timer);
      CompletableFuture<Reply> f = b.future;
      String event = b.event;
      after.add(() -> f.completeExceptionally(new IllegalStateException(why + "; '" + event + "' not sent")));
    }
  }

  // ---------------------------------------------------------------- incoming and socket events

  /** Dispatch thread: a non-reply message on this topic. */
  void messageReceived(Message m) {
    Deferred after = null;
    synchronized (this) {
      String jr = m.joinRef();
      if (jr != null && !jr.equals(joinRef)) {
        if (log.isDebugEnabled()) {
          log.debug("dropping {} on '{}' with stale join_ref {} (current {})", m.event(), topic, jr, joinRef);
        }
        return;
      }
      if (state == ChannelState.CLOSED || state == ChannelState.LEAVING) {
        return;
      }
      if (CLOSE.equals(m.event())) {
        after = new Deferred();
        closeLocked(after, null); // no rejoin
      } else if (ERROR.equals(m.event())) {
        erroredLocked();
      } else if (state == ChannelState.JOINED && !ReservedEvents.isReserved(m.event())
          && position.wentBack(m.ref())) {
        // seqs are only tracked while joined: frames of the subscription a rejoin replaces may
        // still arrive while it is in flight
        after = new Deferred();
        rejoinAfterRestartLocked(m.ref(), after);
      }
    }
    dispatch(m);
    if (after != null) {
      after.run();
    }
  }

  /**
   * A seq not greater than the last one: the topic's owner restarted under a new epoch. Leaves and
   * rejoins at once with the old since/epoch, so that the server's reply tells the application
   * (recovered false, epoch_changed). The message itself is still delivered: it is a real one.
   */
  private void rejoinAfterRestartLocked(String seq, Deferred after) {
    Connection live = socket.liveConnection();
    if (live == null || live != joinConn) {
      return; // the connection is going: its close errors the channel, and the reopen rejoins
    }
    log.info("'{}': seq {} after {} (epoch {}): the topic restarted; rejoining", topic, seq,
        position.lastSeq(), position.epoch());
    // as joinTimedOut: a leave for the old join_ref, whose late frames are stale from now on
    EncodedFrame leave = encodeOrNull(new Message(joinRef, socket.makeRef(), topic, LEAVE, Payload.EMPTY_OBJECT));
    if (leave != null) {
      live.send(leave, err -> socket.sendFailed(live, null, err));
    }
    sendJoinLocked(live, after);
  }

  /** The server crashed the channel: rejoin (phoenix.js's onError). */
  private void erroredLocked() {
    if (state == ChannelState.ERRORED) {
      return;
    }
    if (state == ChannelState.JOINING) {
      dropJoinPushLocked();
      joinRef = null;
    }
    state = ChannelState.ERRORED;
    scheduleRejoinLocked();
  }

  /** Dispatch or timer thread: connection {@code c} is gone. */
  void socketClosed(Connection c, String reason) {
    Deferred after = new Deferred();
    synchronized (this) {
      if (joinConn != c) {
        return; // not joined over that connection (or already moved on to a newer one)
      }
      Socket.cancel(rejoinTimer);
      rejoinTimer = null;
      switch (state) {
        case LEAVING -> closeLocked(after, "leave");
        case JOINED, JOINING -> {
          if (state == ChannelState.JOINING) {
            dropJoinPushLocked();
            joinRef = null;
          }
          state = ChannelState.ERRORED;
          log.debug("'{}' errored: {}", topic, reason);
          Message error = synthetic(ERROR, reason);
          after.add(() -> dispatch(error));
        }
        default -> { }
      }
    }
    after.run();
  }

  /** Dispatch thread: connection {@code c} just opened. Rejoin unless already joined over it. */
  void socketOpened(Connection c) {
    synchronized (this) {
      if (joinConn != c) {
        rejoinAttempt = 0;
        Socket.cancel(rejoinTimer);
        rejoinTimer = null;
      }
    }
    rejoin();
  }

  /** Reply, timeout or lost connection of the leave in flight. */
  void leaveFinished(Pending p) {
    Deferred after = new Deferred();
    synchronized (this) {
      if (leavePush != p) {
        return;
      }
      leavePush = null;
      if (state == ChannelState.LEAVING) {
        closeLocked(after, "leave");
      }
    }
    after.run();
  }

  /** Closes for good. {@code localReason}: dispatch a synthetic phx_close (no server message). */
  private void closeLocked(Deferred after, String localReason) {
    state = ChannelState.CLOSED;
    removed = true;
    Socket.cancel(rejoinTimer);
    rejoinTimer = null;
    dropJoinPushLocked();
    if (leavePush != null) {
      socket.untrack(leavePush);
      leavePush = null;
    }
    failBufferLocked(after, "channel '" + topic + "' closed");
    failJoinFutureLocked(after, new CancellationException("channel '" + topic + "' closed before its"
        + " join completed"));
    socket.remove(this);
    CompletableFuture<Void> lf = leaveFuture;
    if (lf != null) {
      after.add(() -> lf.complete(null));
    }
    if (localReason != null) {
      Message close = synthetic(CLOSE, localReason);
      after.add(() -> dispatch(close));
    }
  }

  private void dispatch(Message m) {
    Listeners<Consumer<Message>> l = handlers.get(m.event());
    if (l != null) {
      l.forEach(h -> h.accept(m));
    }
  }

  private Message synthetic(String event, String reason) {
    return new Message(joinRef, null, topic, event, Payload.json("{\"reason\":\"" + reason + "\"}"));
  }

  private EncodedFrame encodeOrNull(Message m) {
    try {
      return socket.serializer().encodeClientMessage(m);
    } catch (RuntimeException e) {
      log.error("cannot encode {} for '{}'", m.event(), topic, e);
      return null;
    }
  }

  /** Actions decided under the lock and run after it is released (they call user code). */
  private static final class Deferred {
    private final List<Runnable> actions = new ArrayList<>(2);

    void add(Runnable r) {
      actions.add(r);
    }

    void run() {
      for (Runnable r : actions) {
        Listeners.guarded(r);
      }
    }
  }
}
