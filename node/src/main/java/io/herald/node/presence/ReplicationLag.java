package io.herald.node.presence;

/**
 * Replication lag of presence: from the moment a node made an entry (its {@link
 * PresenceEntry#madeAtMillis}, that node's wall clock) to the moment this node first saw it in its
 * replica (this node's wall clock). Across machines the figure includes the difference of the two
 * clocks (on one machine there is none); a negative difference counts as 0.
 *
 * <p>Entries made before this node started are not lags: a starting node reads the whole replica, made
 * long before it, and that says nothing about replication.
 */
public final class ReplicationLag {
  /** What {@link #millis} answers for an entry that is not measured. */
  public static final long NOT_MEASURED = -1;

  private final long startedAtMillis;

  /** {@code startedAtMillis}: when this node started; older entries are not measured. */
  public ReplicationLag(long startedAtMillis) {
    this.startedAtMillis = startedAtMillis;
  }

  /** The lag of {@code seen}, first seen at {@code nowMillis}, or {@link #NOT_MEASURED}. */
  public long millis(PresenceEntry seen, long nowMillis) {
    if (seen.madeAtMillis() < startedAtMillis) {
      return NOT_MEASURED;
    }
    return Math.max(0, nowMillis - seen.madeAtMillis());
  }
}
