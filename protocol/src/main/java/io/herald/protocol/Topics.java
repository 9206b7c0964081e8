package io.herald.protocol;

/**
 * The one rule on topic names' length: counted in UTF-8 bytes, as they travel. Binary frames carry a
 * topic in a 1-byte length field, so no topic over {@link #MAX_BYTES} can reach a binary client.
 */
public final class Topics {
  /** The most a binary frame can carry, and the default limit. */
  public static final int MAX_BYTES = 255;

  private Topics() {}

  /** Whether {@code topic} is longer than {@code maxBytes} in UTF-8. */
  public static boolean tooLong(String topic, int maxBytes) {
    // Each char is at most 3 bytes: most topics are decided without counting.
    return topic.length() > maxBytes || (topic.length() * 3 > maxBytes && utf8Length(topic) > maxBytes);
  }

  /**
   * {@code topic} as it may be echoed in a reply: whole when it is within {@code maxBytes}, else cut to
   * them on a character boundary, so that no reply repeats more client input than the limit allows.
   */
  public static String cut(String topic, int maxBytes) {
    if (!tooLong(topic, maxBytes)) {
      return topic;
    }
    int bytes = 0;
    int end = 0;
    while (end < topic.length()) {
      char c = topic.charAt(end);
      boolean pair = Character.isHighSurrogate(c) && end + 1 < topic.length() && Character.isLowSurrogate(topic.charAt(end + 1));
      int size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
      if (bytes + size > maxBytes) {
        break;
      }
      bytes += size;
      end += pair ? 2 : 1;
    }
    return topic.substring(0, end);
  }

  /** The UTF-8 length of {@code s}; an unpaired surrogate counts as the 3 bytes of its replacement. */
  public static int utf8Length(CharSequence s) {
    int bytes = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
