package io.herald.node.topic;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A topic owner's view of the nodes publishing to it: which of their publishes it has numbered, so that
 * a re-sent publish is numbered once and one publisher's publishes in the order it sent them.
 *
 * <p>A publisher ({@link NodePublisher}) numbers its publishes with {@code pseq}, increasing across all
 * its topics, and sends each with {@code after}: the pseq of its previous publish to this topic that it
 * has not seen acknowledged yet, or 0 when every earlier one is acknowledged. The owner numbers a
 * publish when it chains on the last one it numbered from that publisher ({@code after == last}), or
 * when it is the publisher's oldest unacknowledged one ({@code after == 0}): then every earlier publish
 * was numbered, by this incarnation or a previous one. Anything else follows a publish lost on the way
 * (in a hand-off, or sent to a dead node) and is dropped: the publisher sends it again, in order.
 *
 * <p>Not thread-safe: one topic entity owns one.
 *
 * @param <P> how a publisher is identified (its actor ref)
 */
final class PublisherStreams<P> {

  /** What to do with a publish. */
  enum Verdict {
    /** Number and deliver it. */
    NUMBER,
    /** Numbered before: acknowledge it again, do not deliver it. */
    DUPLICATE,
    /** An earlier publish of the same publisher is missing: drop it, the publisher sends both again. */
    OUT_OF_ORDER
  }

  /** The last publishes of a publisher this incarnation numbered, for answering re-sends. */
  private static final class Stream {
    long lastPseq;
    final long[] recentPseq;
    final long[] recentSeq;
    int next;
    long lastActiveNanos;

    Stream(int remembered) {
      recentPseq = new long[remembered];
      recentSeq = new long[remembered];
    }
  }

  private final int remembered;
  private final long forgetAfterNanos;
  private final Map<P, Stream> streams = new HashMap<>();

  /**
   * {@code remembered}: per publisher, how many recent publishes' seqs are kept to answer a re-send
   * with; {@code forgetAfterNanos}: a publisher silent this long is forgotten (it must be longer than a
   * publisher keeps re-sending, so that nothing it could still re-send is forgotten).
   */
  PublisherStreams(int remembered, long forgetAfterNanos) {
    if (remembered < 1) {
      throw new IllegalArgumentException("remembered must be at least 1");
    }
    this.remembered = remembered;
    this.forgetAfterNanos = forgetAfterNanos;
  }

  Verdict check(P publisher, long pseq, long after) {
    Stream stream = streams.get(publisher);
    long last = stream == null ? 0 : stream.lastPseq;
    if (pseq <= last) {
      return Verdict.DUPLICATE;
    }
    return after == 0 || after == last ? Verdict.NUMBER : Verdict.OUT_OF_ORDER;
  }

  /** Whether this incarnation has numbered nothing from {@code publisher} yet. */
  boolean isNew(P publisher) {
    return !streams.containsKey(publisher);
  }

  /** Records that {@code pseq} of {@code publisher} got {@code seq}. */
  void numbered(P publisher, long pseq, long seq, long nowNanos) {
    Stream stream = streams.get(publisher);
    if (stream == null) {
      forgetSilent(nowNanos);
      stream = new Stream(remembered);
      streams.put(publisher, stream);
    }
    stream.lastPseq = pseq;
    stream.recentPseq[stream.next] = pseq;
    stream.recentSeq[stream.next] = seq;
    stream.next = (stream.next + 1) % remembered;
    stream.lastActiveNanos = nowNanos;
  }

  /** The seq a numbered publish got, or -1 when it is no longer remembered. */
  long seqOf(P publisher, long pseq) {
    Stream stream = streams.get(publisher);
    if (stream != null) {
      for (int i = 0; i < remembered; i++) {
        if (stream.recentPseq[i] == pseq) {
          return stream.recentSeq[i];
        }
      }
    }
    return -1;
  }

  int publishers() {
    return streams.size();
  }

  /** Publishers come and go with nodes (a restarted node is a new publisher): forget the silent ones. */
  private void forgetSilent(long nowNanos) {
    for (Iterator<Stream> it = streams.values().iterator(); it.hasNext(); ) {
      if (nowNanos - it.next().lastActiveNanos > forgetAfterNanos) {
        it.remove();
      }
    }
  }
}
