package io.herald.node.presence;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.herald.protocol.Payload;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phoenix's wire shapes, as phoenix.js {@code Presence.syncState} and {@code syncDiff} read them:
 * state {@code {"key": {"metas": [{"phx_ref": "..", ..meta}]}}}, diff {@code {"joins": state, "leaves":
 * state}}, an updated meta carrying {@code phx_ref_prev}.
 */
public final class PresenceJson {
  static final String REF = "phx_ref";
  static final String REF_PREV = "phx_ref_prev";

  private PresenceJson() {}

  public static Payload state(Collection<PresenceEntry> entries) {
    StringBuilder sb = new StringBuilder(64 + entries.size() * 64);
    appendState(sb, entries);
    return Payload.json(sb.toString());
  }

  public static Payload diff(PresenceDiff diff) {
    StringBuilder sb = new StringBuilder(64 + (diff.joins().size() + diff.leaves().size()) * 64);
    sb.append("{\"joins\":");
    appendState(sb, diff.joins());
    sb.append(",\"leaves\":");
    appendState(sb, diff.leaves());
    return Payload.json(sb.append('}').toString());
  }

  private static void appendState(StringBuilder sb, Collection<PresenceEntry> entries) {
    Map<String, List<PresenceEntry>> byKey = new LinkedHashMap<>();
    for (PresenceEntry e : entries) {
      byKey.computeIfAbsent(e.key(), k -> new java.util.ArrayList<>()).add(e);
    }
    sb.append('{');
    boolean firstKey = true;
    for (Map.Entry<String, List<PresenceEntry>> k : byKey.entrySet()) {
      if (!firstKey) {
        sb.append(',');
      }
      firstKey = false;
      appendString(sb, k.getKey());
      sb.append(":{\"metas\":[");
      boolean firstMeta = true;
      for (PresenceEntry e : k.getValue()) {
        if (!firstMeta) {
          sb.append(',');
        }
        firstMeta = false;
        appendMeta(sb, e);
      }
      sb.append("]}");
    }
    sb.append('}');
  }

  private static void appendMeta(StringBuilder sb, PresenceEntry e) {
    sb.append("{\"").append(REF).append("\":");
    appendString(sb, e.ref());
    if (e.prevRef() != null) {
      sb.append(",\"").append(REF_PREV).append("\":");
      appendString(sb, e.prevRef());
    }
    String meta = e.meta();
    // meta is an object's text as PresenceMeta wrote it: "{}" or "{...}"
    if (meta.length() > 2) {
      sb.append(',').append(meta, 1, meta.length());
    } else {
      sb.append('}');
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }
}
