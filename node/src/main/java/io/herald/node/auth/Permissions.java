package io.herald.node.auth;

import io.herald.protocol.TopicPattern;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which actions a socket may take on which topics, from the token's permissions claim, e.g.
 * {@code {"room:*": ["join", "publish"], "user:42": ["join"]}}. Keys are {@link TopicPattern}s; an action
 * is allowed on a topic when any pattern matching the topic lists it. Immutable, so shared freely between
 * threads.
 */
public final class Permissions {
  private static final Permissions ALL = new Permissions(true, List.of());
  private static final Permissions NONE = new Permissions(false, List.of());

  private record Grant(TopicPattern pattern, Set<Action> actions) {}

  private final boolean everything;
  private final List<Grant> grants;

  private Permissions(boolean everything, List<Grant> grants) {
    this.everything = everything;
    this.grants = grants;
  }

  /** Auth off, or no permissions claim configured: everything allowed. */
  public static Permissions all() {
    return ALL;
  }

  public static Permissions none() {
    return NONE;
  }

  /**
   * Reads a permissions claim value as the JWT library hands it over: a JSON object (a {@link Map}) from
   * topic pattern to a JSON array (a {@link List}) of action names. A null value (claim absent) gives
   * {@link #none()}. Anything else, an invalid pattern, or an unknown action name is rejected as a whole:
   * a token whose permissions cannot be read exactly must not be half-trusted.
   */
  public static Permissions fromClaim(Object claim) throws TokenRejected {
    if (claim == null) {
      return NONE;
    }
    if (!(claim instanceof Map<?, ?> map)) {
      throw malformed();
    }
    List<Grant> grants = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      if (!(entry.getKey() instanceof String pattern) || !(entry.getValue() instanceof List<?> names)) {
        throw malformed();
      }
      Set<Action> actions = EnumSet.noneOf(Action.class);
      try {
        for (Object name : names) {
          if (!(name instanceof String s)) {
            throw malformed();
          }
          actions.add(Action.parse(s));
        }
        grants.add(new Grant(TopicPattern.parse(pattern), actions)); // never mutated again
      } catch (IllegalArgumentException e) {
        throw malformed();
      }
    }
    return grants.isEmpty() ? NONE : new Permissions(false, List.copyOf(grants));
  }

  private static TokenRejected malformed() {
    return new TokenRejected(TokenRejected.MALFORMED_PERMISSIONS);
  }

  /** True when some pattern matching {@code topic} lists {@code action} (always, for {@link #all()}). */
  public boolean allows(String topic, Action action) {
    if (everything) {
      return true;
    }
    for (Grant grant : grants) {
      if (grant.actions.contains(action) && grant.pattern.matches(topic)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    if (everything) {
      return "Permissions[all]";
    }
    StringBuilder s = new StringBuilder("Permissions{");
    for (int i = 0; i < grants.size(); i++) {
      if (i > 0) {
        s.append(", ");
      }
      s.append(grants.get(i).pattern).append('=').append(grants.get(i).actions);
    }
    return s.append('}').toString();
  }
}
