package io.herald.examples.game;

import com.typesafe.config.Config;

/** The limits of a game room, read once from the {@code game} section (defaults in reference.conf). */
public record GameSettings(int boardWidth, int boardHeight, int maxNameLength, int maxTextLength) {

  public GameSettings {
    requirePositive("game.board.width", boardWidth);
    requirePositive("game.board.height", boardHeight);
    requirePositive("game.max-name-length", maxNameLength);
    requirePositive("game.max-text-length", maxTextLength);
  }

  public static GameSettings fromConfig(Config game) {
    return new GameSettings(
        game.getInt("board.width"),
        game.getInt("board.height"),
        game.getInt("max-name-length"),
        game.getInt("max-text-length"));
  }

  private static void requirePositive(String setting, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(setting + " must be positive, got " + value);
    }
  }
}
