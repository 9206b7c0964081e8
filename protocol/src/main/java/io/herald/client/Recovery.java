package io.herald.client;

import io.herald.protocol.RecoveryReason;

/**
 * The outcome of a join of a topic that keeps history (docs/protocol.md, "History and recovery"), as
 * {@link Channel#onRecovery} reports it after every successful join and rejoin whose reply carries an
 * {@code epoch}.
 *
 * <ul>
 *   <li>{@code recovered} true: the client rejoined with the last seq it had seen and the server
 *       replays every message it missed, in order, right after the reply (they reach the channel's
 *       {@link Channel#on} handlers after this outcome), then newer ones, none twice.
 *   <li>{@code recovered} false with a {@code reason}: messages were missed and cannot be replayed.
 *       The application must reload its state (for example over its own HTTP API); messages after
 *       {@code seq} follow.
 *   <li>{@code recovered} false without a reason: a plain join ({@link #plainJoin()}): the first
 *       join of the channel, nothing to recover.
 * </ul>
 *
 * @param recovered whether the server replays every missed message
 * @param epoch the incarnation of the topic's owner that numbers the messages (a decimal string);
 *     null when a join that asked for recovery was answered without one (reason {@code no_history}:
 *     the topic no longer keeps history)
 * @param seq the latest seq of the topic when the subscription started; -1 when the reply gave none
 * @param reason why not recovered: the reply's {@code epoch_changed}, {@code history_trimmed}, {@code
 *     future_since} or {@code invalid_since}, or the client's own {@code no_history}; null when
 *     recovered or for a plain join
 */
public record Recovery(boolean recovered, String epoch, long seq, String reason) {

  /** Another incarnation of the topic's owner (it restarted or moved): its seqs start again at 1. */
  public static final String EPOCH_CHANGED = RecoveryReason.EPOCH_CHANGED.wire();

  /** More was missed than the topic's history holds (by count or by age). */
  public static final String HISTORY_TRIMMED = RecoveryReason.HISTORY_TRIMMED.wire();

  /** The seq sent is past the topic's latest: the client's state does not come from this epoch. */
  public static final String FUTURE_SINCE = RecoveryReason.FUTURE_SINCE.wire();

  /**
   * Not a reply's reason but the client's: a rejoin asked for recovery and its reply carried no epoch
   * (a topic without history answers as to a plain join), so the topic keeps no history any more and
   * whatever was missed is lost.
   */
  public static final String NO_HISTORY = "no_history";

  /** The since or epoch sent was not a non-negative integer. */
  public static final String INVALID_SINCE = RecoveryReason.INVALID_SINCE.wire();

  /** A join that asked for no recovery (the channel's first): nothing was missed, nothing to reload. */
  public boolean plainJoin() {
    return !recovered && reason == null;
  }
}
