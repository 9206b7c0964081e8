package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.outlet.SocketOutlet;
import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Message;
import io.herald.protocol.ProtocolException;
import io.herald.protocol.Reply;
import io.herald.protocol.ReplyReason;
import io.herald.protocol.Serializer;
import io.herald.protocol.Topics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-poll session (Phoenix's {@code LongPoll.Server}): the socket's outlet while the client is
 * between polls. Frames wait in a bounded queue until the next poll takes them; a poll that finds
 * none waits up to the poll window for one. The session's {@code ConnectionActor} is the same as a
 * WebSocket's: only this outlet differs.
 *
 * <p>Bounds: the queue holds at most {@code max-queued-messages} frames and {@code max-queued-bytes}
 * bytes; a frame beyond either closes the session as a slow consumer (its queue is dropped, and the
 * next poll gets 410, so phoenix.js opens a new session and rejoins), as a WebSocket past its high
 * water mark is closed with 3008. At most one poll waits: a newer poll answers the older one with no
 * messages. A session without a poll for {@code idle-timeout} ends ({@link #expireIfIdle}).
 *
 * <p>Thread-safe: frames come from actor turns and event loops, polls and posts from any loop. Every
 * state change holds the session's lock for a few field writes; answers are given outside it, and
 * timers and batched answers run on the session's home event loop.
 */
final class LongPollSession implements SocketOutlet {
  private static final Logger log = LoggerFactory.getLogger(LongPollSession.class);

  /** What a poll is answered with. */
  enum Status {
    /** Messages (HTTP body status 200). */
    MESSAGES(200),
    /** None within the window (204). */
    EMPTY(204),
    /** The session is gone (410): phoenix.js opens a new one and rejoins its channels. */
    GONE(410);

    final int code;

    Status(int code) {
      this.code = code;
    }
  }

  /** A poll's answer: a status and, for {@link Status#MESSAGES}, the frames in order. */
  record Answer(Status status, List<EncodedFrame> messages) {
    static final Answer EMPTY = new Answer(Status.EMPTY, List.of());
    static final Answer GONE = new Answer(Status.GONE, List.of());
  }

  /** A poll waiting for its answer; answered exactly once, from any thread. */
  interface Poll {
    void answer(Answer answer);
  }

  /** What a POST batch came to. */
  enum PostResult {
    /** Handled (each line possibly answered with an error reply through the queue). */
    ACCEPTED,
    /** The session is gone. */
    GONE
  }

  /** The bounds of every session on a node. */
  record Limits(
      int maxQueuedMessages,
      long maxQueuedBytes,
      long windowNanos,
      long idleTimeoutNanos,
      HeraldSettings.RateLimit rateLimit,
      int maxTopicLength) {}

  private final String id;
  private final Serializer serializer;
  private final String peer;
  private final ScheduledExecutorService home;
  private final Limits limits;
  private final NodeMetrics metrics;
  private final MalformedFrameLog malformedLog;

  // Guarded by this.
  private final ArrayDeque<EncodedFrame> queue = new ArrayDeque<>();
  private long queuedBytes;
  private Poll waiting;
  private ScheduledFuture<?> windowTimer;
  private boolean flushScheduled;
  private long lastSeenNanos;
  private boolean closed;
  private CloseReason closeReason;
  private boolean disconnectTold;
  private final TokenBucket rate;
  private int rejectedInARow;
  private Consumer<Message> inbound;
  private Runnable disconnected;

  LongPollSession(
      String id,
      Serializer serializer,
      String peer,
      ScheduledExecutorService home,
      Limits limits,
      NodeMetrics metrics,
      MalformedFrameLog malformedLog,
      long nowNanos) {
    this.id = id;
    this.serializer = serializer;
    this.peer = peer;
    this.home = home;
    this.limits = limits;
    this.metrics = metrics;
    this.malformedLog = malformedLog;
    this.lastSeenNanos = nowNanos;
    this.rate = new TokenBucket(limits.rateLimit().messagesPerSecond(), limits.rateLimit().burst(), nowNanos);
  }

  /**
   * Connects the session to its socket actor: {@code inbound} takes each decoded client message,
   * {@code disconnected} is run once when the session ends. Frames sent before this are queued.
   */
  void attach(Consumer<Message> inbound, Runnable disconnected) {
    boolean endedAlready;
    synchronized (this) {
      this.inbound = inbound;
      this.disconnected = disconnected;
      endedAlready = closed && !disconnectTold;
      if (endedAlready) {
        disconnectTold = true;
      }
    }
    if (endedAlready) {
      disconnected.run();
    }
  }

  String id() {
    return id;
  }

  @Override
  public Serializer serializer() {
    return serializer;
  }

  @Override
  public String peer() {
    return peer;
  }

  /**
   * Queues a frame for the next poll. A binary frame is dropped: phoenix.js's long-poll transport hands
   * the client's serializer strings only, so it could not decode one (clients may still post binary).
   */
  @Override
  public void send(EncodedFrame frame) {
    if (frame.binary()) {
      log.debug("dropping a binary frame for long-poll session {}", peer);
      return;
    }
    boolean overflow = false;
    boolean wake = false;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (queue.size() >= limits.maxQueuedMessages() || queuedBytes + frame.bytes().length > limits.maxQueuedBytes()) {
        overflow = true;
      } else {
        queue.add(frame);
        queuedBytes += frame.bytes().length;
        if (waiting != null && !flushScheduled) {
          flushScheduled = true;
          wake = true;
        }
      }
    }
    if (overflow) {
      close(CloseReason.SLOW_CONSUMER);
    } else if (wake) {
      // On the home loop, after the turn that is sending: frames sent together go in one answer.
      home.execute(this::flush);
    }
  }

  /** Ends the session: the waiting poll gets what is queued (410 when nothing is), the actor stops. */
  @Override
  public void close(CloseReason reason) {
    Poll gone = null;
    boolean wake = false;
    Runnable tell;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeReason = reason;
      if (reason == CloseReason.SLOW_CONSUMER) {
        queue.clear(); // the bound exists to free this memory
        queuedBytes = 0;
      }
      if (waiting != null) {
        if (queue.isEmpty()) {
          gone = takeWaiting();
        } else if (!flushScheduled) {
          flushScheduled = true;
          wake = true;
        }
      }
      tell = disconnectOnce();
    }
    log.debug("long-poll session {} of {} closed: {} {}", id, peer, reason.code(), reason.text());
    metrics.socketCloses.labelValues(Integer.toString(reason.code())).inc();
    if (gone != null) {
      gone.answer(Answer.GONE);
    }
    if (wake) {
      home.execute(this::flush);
    }
    if (tell != null) {
      tell.run();
    }
  }

  /**
   * A poll: answered at once when frames are queued (or the session is gone), else when the first frame
   * arrives or the window ends. A poll that was waiting is answered with no messages.
   */
  void poll(Poll poll, long nowNanos) {
    Answer now = null;
    Poll replaced = null;
    synchronized (this) {
      lastSeenNanos = nowNanos;
      if (!queue.isEmpty()) {
        now = new Answer(Status.MESSAGES, drain());
      } else if (closed) {
        now = Answer.GONE;
      } else {
        replaced = takeWaiting();
        waiting = poll;
        windowTimer = home.schedule(() -> windowEnded(poll), limits.windowNanos(), TimeUnit.NANOSECONDS);
      }
    }
    if (replaced != null) {
      replaced.answer(Answer.EMPTY);
    }
    if (now != null) {
      poll.answer(now);
    }
  }

  /** The poll's connection closed before its answer: it no longer waits (its frames stay queued). */
  void cancel(Poll poll) {
    synchronized (this) {
      if (waiting == poll) {
        takeWaiting();
        lastSeenNanos = System.nanoTime();
      }
    }
  }

  private void windowEnded(Poll poll) {
    Answer answer;
    synchronized (this) {
      if (waiting != poll) {
        return;
      }
      waiting = null;
      windowTimer = null;
      lastSeenNanos = System.nanoTime();
      answer = queue.isEmpty() ? (closed ? Answer.GONE : Answer.EMPTY) : new Answer(Status.MESSAGES, drain());
    }
    poll.answer(answer);
  }

  private void flush() {
    Poll poll;
    Answer answer;
    synchronized (this) {
      flushScheduled = false;
      if (waiting == null) {
        return;
      }
      poll = takeWaiting();
      lastSeenNanos = System.nanoTime();
      answer = queue.isEmpty() ? (closed ? Answer.GONE : Answer.EMPTY) : new Answer(Status.MESSAGES, drain());
    }
    poll.answer(answer);
  }

  /**
   * A POST batch: each line (already split and decoded from base64 where binary) takes a token from
   * the session's rate limit and is decoded, as a WebSocket frame is by {@link FrameHandler}; a line
   * that cannot be decoded or is over the limit is answered with an error reply through the queue.
   */
  PostResult post(List<Line> lines, long nowNanos) {
    CloseReason close = null;
    List<EncodedFrame> replies = new ArrayList<>(0);
    synchronized (this) {
      if (closed) {
        return PostResult.GONE;
      }
      for (Line line : lines) {
        boolean admitted = rate.tryTake(nowNanos);
        Message message;
        try {
          message = serializer.decode(line.binary(), line.bytes());
        } catch (ProtocolException e) {
          close = admitted ? malformed(e, replies) : rateLimited(null, replies);
          if (close != null) {
            break;
          }
          continue;
        }
        if (!admitted) {
          close = rateLimited(message, replies);
          if (close != null) {
            break;
          }
          continue;
        }
        rejectedInARow = 0;
        metrics.messagesIn.inc();
        if (inbound != null) {
          inbound.accept(message); // a tell: it never runs the actor here
        }
      }
    }
    // Error replies are written by the edge, as FrameHandler's are: they may overtake the actor's replies.
    replies.forEach(this::send);
    if (close != null) {
      malformedLog.record(peer, close.text(), "long-poll session closed " + close.code());
      close(close);
    }
    return PostResult.ACCEPTED;
  }

  /** One line of a POST: a text frame's UTF-8 bytes, or a binary frame decoded from base64. */
  record Line(boolean binary, byte[] bytes) {}

  /** Over the rate limit: an error reply when the line can be answered; the close when too many in a row. */
  private CloseReason rateLimited(Message message, List<EncodedFrame> replies) {
    metrics.rateLimited.inc();
    if (++rejectedInARow > limits.rateLimit().maxRejected()) {
      return CloseReason.RATE_LIMIT_EXCEEDED;
    }
    if (message != null && message.ref() != null) {
      encode(new Reply(
          message.joinRef(), message.ref(), Topics.cut(message.topic(), limits.maxTopicLength()), "error", ReplyReason.RATE_LIMITED.response()),
          replies);
    }
    return null;
  }

  private CloseReason malformed(ProtocolException e, List<EncodedFrame> replies) {
    metrics.malformedFrames.inc();
    if (e.canReply()) {
      malformedLog.record(peer, e.reason(), "error reply");
      encode(new Reply(
          e.joinRef(), e.ref(), Topics.cut(e.topic(), limits.maxTopicLength()), "error", ReplyReason.MALFORMED_MESSAGE.response(e.reason())),
          replies);
      return null;
    }
    return CloseReason.MALFORMED_MESSAGE;
  }

  private void encode(Reply reply, List<EncodedFrame> replies) {
    try {
      replies.add(serializer.encodeReply(reply));
    } catch (ProtocolException cannotEncode) {
      // nothing to answer with; the line is dropped all the same
    }
  }

  /**
   * Ends a session that has had no poll for the idle timeout (its client is gone), or that is closed and
   * has nothing left to deliver. Returns whether it ended, so that the registry forgets it.
   */
  boolean expireIfIdle(long nowNanos) {
    Runnable tell;
    synchronized (this) {
      boolean idle = waiting == null && nowNanos - lastSeenNanos > limits.idleTimeoutNanos();
      if (closed && (queue.isEmpty() || idle)) {
        queue.clear();
        queuedBytes = 0;
        return true;
      }
      if (!idle) {
        return false;
      }
      closed = true;
      closeReason = CloseReason.IDLE_TIMEOUT;
      queue.clear();
      queuedBytes = 0;
      tell = disconnectOnce();
    }
    log.debug("long-poll session {} of {} expired: no poll for {} ms", id, peer, TimeUnit.NANOSECONDS.toMillis(limits.idleTimeoutNanos()));
    metrics.socketCloses.labelValues(Integer.toString(CloseReason.IDLE_TIMEOUT.code())).inc();
    if (tell != null) {
      tell.run();
    }
    return true;
  }

  /** For tests and metrics: frames waiting for a poll. */
  synchronized int queued() {
    return queue.size();
  }

  synchronized boolean isClosed() {
    return closed;
  }

  synchronized CloseReason closeReason() {
    return closeReason;
  }

  private Poll takeWaiting() {
    Poll poll = waiting;
    waiting = null;
    if (windowTimer != null) {
      windowTimer.cancel(false);
      windowTimer = null;
    }
    return poll;
  }

  private List<EncodedFrame> drain() {
    List<EncodedFrame> frames = List.copyOf(queue);
    queue.clear();
    queuedBytes = 0;
    return frames;
  }

  private Runnable disconnectOnce() {
    if (disconnectTold || disconnected == null) {
      return null;
    }
    disconnectTold = true;
    return disconnected;
  }

  @Override
  public String toString() {
    return "LongPollSession[" + id + ", " + peer + "]";
  }
}
