package io.herald.loadtest.floor;

/**
 * A Phoenix V2 client frame {@code [join_ref, ref, topic, event, payload]} as the floor server needs
 * it: the first four elements as their raw JSON text (to be copied into replies unchanged), the topic
 * and event as strings, and the payload as raw text (broadcast without being parsed). No checks beyond
 * the shape: the floor measures what Netty costs, not what validation does.
 */
record V2Message(String rawJoinRef, String rawRef, String rawTopic, String rawEvent, String payload) {

  String topic() {
    return rawTopic.substring(1, rawTopic.length() - 1);
  }

  String event() {
    return rawEvent.substring(1, rawEvent.length() - 1);
  }

  /**
   * The message, or null when the text is not a five-element array whose refs are strings or null
   * and whose topic and event are strings without escapes.
   */
  static V2Message parse(String text) {
    int[] pos = {skipSpace(text, 0)};
    if (pos[0] >= text.length() || text.charAt(pos[0]) != '[') return null;
    pos[0]++;
    String[] raw = new String[4];
    for (int i = 0; i < 4; i++) {
      raw[i] = token(text, pos, i < 2);
      if (raw[i] == null) return null;
      pos[0] = skipSpace(text, pos[0]);
      if (pos[0] >= text.length() || text.charAt(pos[0]) != ',') return null;
      pos[0]++;
    }
    int end = text.length() - 1;
    while (end > pos[0] && Character.isWhitespace(text.charAt(end))) end--;
    if (end <= pos[0] || text.charAt(end) != ']') return null;
    String payload = text.substring(pos[0], end).strip();
    if (payload.isEmpty() || raw[2].equals("null") || raw[3].equals("null")) return null;
    if (raw[2].indexOf('\\') >= 0 || raw[3].indexOf('\\') >= 0) return null;
    return new V2Message(raw[0], raw[1], raw[2], raw[3], payload);
  }

  /** A JSON string (escapes kept) or, where allowed, {@code null}; advances {@code pos[0]} past it. */
  private static String token(String text, int[] pos, boolean nullable) {
    int start = skipSpace(text, pos[0]);
    if (nullable && text.startsWith("null", start)) {
      pos[0] = start + 4;
      return "null";
    }
    if (start >= text.length() || text.charAt(start) != '"') return null;
    int i = start + 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        pos[0] = i + 1;
        return text.substring(start, i + 1);
      } else {
        i++;
      }
    }
    return null;
  }

  private static int skipSpace(String text, int i) {
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
    return i;
  }
}
