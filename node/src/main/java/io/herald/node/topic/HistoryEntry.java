package io.herald.node.topic;

/** One message a topic's history holds: its seq, and when its owner numbered it (wall clock). */
public record HistoryEntry(long seq, String event, byte[] payload, boolean binary, long atMillis) {

  /** What it costs a history: the payload, the event's chars, and the entry with its deque slot. */
  long bytes() {
    return payload.length + 2L * event.length() + TopicHistory.ENTRY_OVERHEAD;
  }
}
