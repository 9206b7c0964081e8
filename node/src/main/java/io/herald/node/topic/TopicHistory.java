package io.herald.node.topic;

import io.herald.protocol.RecoveryReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last messages of one topic, oldest first, bounded by its {@link HistoryPolicy} (count and age)
 * and by the node's {@link Budget} in bytes: a node over its budget trims the history of the topic
 * that is appending, oldest first, down to its newest message. Not thread-safe: one topic entity owns it.
 */
final class TopicHistory {

  /**
   * Bytes a message costs besides its payload and its event's chars: the entry, the payload array's
   * header, the event string, the deque slot. Measured: 250 bytes of live heap per retained 100-byte
   * message (scripts/history-bench.sh, docs/benchmarks.md).
   */
  static final long ENTRY_OVERHEAD = 144;

  /** The bytes every topic history of one node may hold together. */
  static final class Budget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    Budget(long max) {
      this.max = max;
    }

    long used() {
      return used.get();
    }

    long max() {
      return max;
    }

    private boolean over() {
      return used.get() > max;
    }

    private void add(long bytes) {
      used.addAndGet(bytes);
    }
  }

  /** What a rejoin with {@code since} gets: the messages after it, or why not. */
  record Recovery(List<HistoryEntry> missed, RecoveryReason refused) {
    static Recovery refused(RecoveryReason reason) {
      return new Recovery(List.of(), reason);
    }

    boolean recovered() {
      return refused == null;
    }
  }

  /** A page of the history for the HTTP API: {@code complete} when nothing after {@code since} is missing. */
  record Page(List<HistoryEntry> entries, boolean complete, boolean more) {}

  private final HistoryPolicy policy;
  private final Budget budget;
  private final ArrayDeque<HistoryEntry> entries = new ArrayDeque<>();
  private long bytes;
  /** The latest seq ever trimmed: a since below it cannot be recovered. */
  private long trimmedUpTo;

  TopicHistory(HistoryPolicy policy, Budget budget) {
    this.policy = policy;
    this.budget = budget;
  }

  void append(HistoryEntry entry, long nowMillis) {
    entries.addLast(entry);
    long b = entry.bytes();
    bytes += b;
    budget.add(b);
    while (entries.size() > policy.limit()) {
      dropOldest();
    }
    expire(nowMillis);
    while (budget.over() && entries.size() > 1) {
      dropOldest();
    }
  }

  /** Drops what is older than the policy's ttl. */
  void expire(long nowMillis) {
    long oldest = nowMillis - policy.ttl().toMillis();
    while (!entries.isEmpty() && entries.peekFirst().atMillis() < oldest) {
      dropOldest();
    }
  }

  /**
   * The messages after {@code since}, if this history holds every one of them up to {@code latest}
   * (the topic's last seq): {@code since == latest} recovers nothing, which is complete.
   */
  Recovery after(long since, long latest, long nowMillis) {
    if (since > latest) {
      return Recovery.refused(RecoveryReason.FUTURE_SINCE);
    }
    expire(nowMillis);
    if (since == latest) {
      return new Recovery(List.of(), null);
    }
    if (since < trimmedUpTo || entries.isEmpty() || entries.peekFirst().seq() > since + 1) {
      return Recovery.refused(RecoveryReason.HISTORY_TRIMMED);
    }
    List<HistoryEntry> missed = new ArrayList<>((int) Math.min(entries.size(), latest - since));
    for (HistoryEntry e : entries) {
      if (e.seq() > since) {
        missed.add(e);
      }
    }
    return new Recovery(missed, null);
  }

  /** At most {@code limit} messages after {@code since} and about {@code maxBytes} (at least one). */
  Page page(long since, int limit, long maxBytes, long nowMillis) {
    expire(nowMillis);
    boolean complete = since >= trimmedUpTo && (entries.isEmpty() ? true : entries.peekFirst().seq() <= since + 1);
    List<HistoryEntry> page = new ArrayList<>();
    long size = 0;
    boolean more = false;
    for (Iterator<HistoryEntry> it = entries.iterator(); it.hasNext(); ) {
      HistoryEntry e = it.next();
      if (e.seq() <= since) {
        continue;
      }
      if (page.size() >= limit || (!page.isEmpty() && size + e.bytes() > maxBytes)) {
        more = true;
        break;
      }
      page.add(e);
      size += e.bytes();
    }
    return new Page(page, complete, more);
  }

  int size() {
    return entries.size();
  }

  long bytes() {
    return bytes;
  }

  /** Gives this history's bytes back to the node's budget (the entity stops). */
  void release() {
    budget.add(-bytes);
    bytes = 0;
    entries.clear();
  }

  private void dropOldest() {
    HistoryEntry e = entries.pollFirst();
    long b = e.bytes();
    bytes -= b;
    budget.add(-b);
    trimmedUpTo = e.seq();
  }
}
