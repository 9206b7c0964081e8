package io.herald.examples.game;

import java.util.Locale;
import java.util.Optional;

/** A player of a room: a name and a team. Names are unique per room only by convention (see GameChannel). */
public record Player(String name, Team team) {

  /** The two sides; a team sees its own members' positions and team chat, the other side does not. */
  public enum Team {
    RED,
    BLUE;

    /** The team's name on the wire: {@code red} or {@code blue}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Team> fromWire(String name) {
      for (Team team : values()) {
        if (team.wireName().equals(name)) {
          return Optional.of(team);
        }
      }
      return Optional.empty();
    }
  }

  /** Whether {@code other} is this player (same name and team). */
  public boolean is(String otherName, Team otherTeam) {
    return name.equals(otherName) && team == otherTeam;
  }
}
