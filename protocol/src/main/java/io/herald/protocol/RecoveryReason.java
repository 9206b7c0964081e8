package io.herald.protocol;

/**
 * Why a join with {@code since} and {@code epoch} was answered {@code "recovered": false}: the
 * {@code "reason"} of the join reply (docs/protocol.md, "History and recovery").
 */
public enum RecoveryReason {
  /** The epoch is not the topic's current one: another incarnation of its owner, or unknown. */
  EPOCH_CHANGED("epoch_changed"),
  /** More was missed than the history holds, by count or by age. */
  HISTORY_TRIMMED("history_trimmed"),
  /** {@code since} is past the topic's latest seq: the client's state is not from this epoch. */
  FUTURE_SINCE("future_since"),
  /** {@code since} or {@code epoch} is missing, negative or not an integer. */
  INVALID_SINCE("invalid_since");

  private final String wire;

  RecoveryReason(String wire) {
    this.wire = wire;
  }

  /** The reason as the join reply writes it. */
  public String wire() {
    return wire;
  }
}
