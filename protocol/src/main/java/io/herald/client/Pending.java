package io.herald.client;

import io.herald.protocol.Reply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A sent message waiting for its {@code phx_reply}, keyed by ref in {@link Socket}'s table. Whoever
 * removes it from the table (reply, timeout, send failure, connection loss) owns its outcome, so each
 * outcome happens exactly once.
 */
final class Pending {
  enum Kind { JOIN, LEAVE, PUSH }

  final String ref;
  final String event;
  final Kind kind;
  final Channel channel;
  /** The connection it was sent on: a reply can only come back on that one. */
  final Connection conn;
  /** The caller's future, for {@link Kind#PUSH} only. */
  final CompletableFuture<Reply> future;
  final Duration timeout;
  private volatile ScheduledFuture<?> timer;

  Pending(String ref, String event, Kind kind, Channel channel, Connection conn,
      CompletableFuture<Reply> future, Duration timeout) {
    this.ref = ref;
    this.event = event;
    this.kind = kind;
    this.channel = channel;
    this.conn = conn;
    this.future = future;
    this.timeout = timeout;
  }

  void timer(ScheduledFuture<?> t) {
    timer = t;
  }

  void cancelTimer() {
    Socket.cancel(timer);
  }

  @Override
  public String toString() {
    return kind + "[" + event + " ref=" + ref + " " + channel.topic() + "]";
  }
}
