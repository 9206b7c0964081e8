package io.herald.node.auth;

import java.util.Locale;

/** What a token may do on a topic, as named in the permissions claim. */
public enum Action {
  JOIN,
  PUBLISH,
  PRESENCE;

  private final String claimName = name().toLowerCase(Locale.ROOT);

  /** The name used in the permissions claim: {@code "join"}, {@code "publish"}, {@code "presence"}. */
  public String claimName() {
    return claimName;
  }

  /**
   * The action named {@code name} exactly as in the claim (lower case; no trimming, so that a claim means
   * the same to every server that reads it).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Action parse(String name) {
    for (Action action : values()) {
      if (action.claimName.equals(name)) {
        return action;
      }
    }
    throw new IllegalArgumentException("unknown action \"" + name + "\"; expected join, publish or presence");
  }
}
