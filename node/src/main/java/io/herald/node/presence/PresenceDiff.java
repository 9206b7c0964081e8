package io.herald.node.presence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What changed on a topic between two views: entries that joined and entries that left. */
public record PresenceDiff(List<PresenceEntry> joins, List<PresenceEntry> leaves) {

  /** From {@code before} to {@code after}, both by {@code phx_ref} (refs are unique: a changed meta has a new ref). */
  public static PresenceDiff between(Map<String, PresenceEntry> before, Map<String, PresenceEntry> after) {
    List<PresenceEntry> joins = new ArrayList<>();
    List<PresenceEntry> leaves = new ArrayList<>();
    for (Map.Entry<String, PresenceEntry> e : after.entrySet()) {
      if (!before.containsKey(e.getKey())) {
        joins.add(e.getValue());
      }
    }
    for (Map.Entry<String, PresenceEntry> e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        leaves.add(e.getValue());
      }
    }
    return new PresenceDiff(joins, leaves);
  }

  public boolean isEmpty() {
    return joins.isEmpty() && leaves.isEmpty();
  }
}
