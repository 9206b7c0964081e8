package io.herald.protocol;

/**
 * A channel route's topic, as in Phoenix's {@code channel "room:*", RoomChannel}: a {@code *} is allowed
 * only as the last character and matches any topic that starts with what precedes it (including that
 * prefix alone, so {@code "room:*"} matches {@code "room:"}); otherwise the topic must match exactly.
 */
public record TopicPattern(String pattern) {

  public TopicPattern {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("topic pattern must be a non-empty string");
    }
    int star = pattern.indexOf('*');
    if (star >= 0 && star != pattern.length() - 1) {
      throw new IllegalArgumentException("topic pattern \"" + pattern
          + "\" has a * that is not its last character; a * is allowed only at the end, as in \"room:*\"");
    }
  }

  public static TopicPattern parse(String pattern) {
    return new TopicPattern(pattern);
  }

  /** True for a prefix pattern ending with {@code *}. */
  public boolean wildcard() {
    return pattern.charAt(pattern.length() - 1) == '*';
  }

  /** The part before the {@code *} for a wildcard; the whole topic otherwise. */
  public String prefix() {
    return wildcard() ? pattern.substring(0, pattern.length() - 1) : pattern;
  }

  public boolean matches(String topic) {
    if (topic == null) {
      return false;
    }
    if (!wildcard()) {
      return pattern.equals(topic);
    }
    // regionMatches is false when topic is shorter than the prefix
    return topic.regionMatches(0, pattern, 0, pattern.length() - 1);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
