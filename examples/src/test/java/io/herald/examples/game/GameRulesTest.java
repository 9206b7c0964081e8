package io.herald.examples.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.protocol.Payload;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GameRulesTest {
  private static final GameSettings SETTINGS = new GameSettings(8, 4, 10, 20);
  private final GameRules rules = new GameRules(SETTINGS);
  private final Player ada = new Player("ada", Player.Team.RED);
  private final Player bob = new Player("bob", Player.Team.RED);
  private final Player eve = new Player("eve", Player.Team.BLUE);

  @Test
  void joinTakesTheNameAndTeamFromTheConnectParams() {
    assertThat(rules.join("game:lobby-1", null, Map.of("player", "ada", "team", "red")))
        .isEqualTo(new GameRules.Checked.Valid<>(ada));
  }

  @Test
  void withAuthTheNameIsTheTokensSubjectNotTheClaimedOne() {
    assertThat(rules.join("game:lobby", "ada", Map.of("player", "mallory", "team", "red")))
        .isEqualTo(new GameRules.Checked.Valid<>(ada));
  }

  @Test
  void joinRefusesBadRoomsNamesAndTeams() {
    Map<String, String> ok = Map.of("player", "ada", "team", "red");
    assertThat(rules.join("game:", null, ok)).isEqualTo(new GameRules.Checked.Invalid<>("invalid room"));
    assertThat(rules.join("game:a b", null, ok)).isEqualTo(new GameRules.Checked.Invalid<>("invalid room"));
    assertThat(rules.join("game:lobby", null, Map.of("team", "red")))
        .isEqualTo(new GameRules.Checked.Invalid<>("invalid player name"));
    assertThat(rules.join("game:lobby", null, Map.of("player", "<script>", "team", "red")))
        .isEqualTo(new GameRules.Checked.Invalid<>("invalid player name"));
    assertThat(rules.join("game:lobby", null, Map.of("player", "a".repeat(SETTINGS.maxNameLength() + 1), "team", "red")))
        .isEqualTo(new GameRules.Checked.Invalid<>("invalid player name"));
    assertThat(rules.join("game:lobby", null, Map.of("player", "ada", "team", "green")))
        .isEqualTo(new GameRules.Checked.Invalid<>("invalid team"));
    assertThat(rules.join("game:lobby", null, Map.of("player", "ada")))
        .isEqualTo(new GameRules.Checked.Invalid<>("invalid team"));
  }

  @Test
  void welcomeSaysWhoJoinedAndTheBoard() {
    assertThat(text(rules.welcome(ada)))
        .isEqualTo("{\"player\":\"ada\",\"team\":\"red\",\"board\":{\"width\":8,\"height\":4}}");
  }

  @Test
  void aMoveOnTheBoardIsBroadcastWithTheSendersNameNotTheClientsFields() {
    GameRules.Accepted accepted =
        valid(rules.handle(ada, "move", json("{\"x\":7,\"y\":3,\"player\":\"eve\",\"extra\":[1]}")));
    assertThat(accepted.event()).isEqualTo("moved");
    assertThat(text(accepted.broadcast())).isEqualTo("{\"player\":\"ada\",\"team\":\"red\",\"x\":7,\"y\":3}");
    assertThat(text(accepted.reply())).isEqualTo("{\"x\":7,\"y\":3}");
  }

  @Test
  void invalidMovesAreRefusedWithAReason() {
    assertThat(rules.handle(ada, "move", json("{\"x\":8,\"y\":0}"))).isEqualTo(invalid("off the board"));
    assertThat(rules.handle(ada, "move", json("{\"x\":0,\"y\":-1}"))).isEqualTo(invalid("off the board"));
    assertThat(rules.handle(ada, "move", json("{\"x\":1.5,\"y\":0}"))).isEqualTo(invalid("x and y must be integers"));
    assertThat(rules.handle(ada, "move", json("{\"x\":\"1\",\"y\":0}"))).isEqualTo(invalid("x and y must be integers"));
    assertThat(rules.handle(ada, "move", json("{\"x\":1}"))).isEqualTo(invalid("x and y must be integers"));
    assertThat(rules.handle(ada, "move", json("{\"x\":1e20,\"y\":0}"))).isEqualTo(invalid("x and y must be integers"));
    assertThat(rules.handle(ada, "move", json("{\"x\":99999999999,\"y\":0}"))).isEqualTo(invalid("x and y must be integers"));
    assertThat(rules.handle(ada, "move", json("[1,2]"))).isEqualTo(invalid("expected a JSON object"));
    assertThat(rules.handle(ada, "move", Payload.binary(new byte[] {1, 2}))).isEqualTo(invalid("expected a JSON object"));
    assertThat(rules.handle(ada, "fly", json("{}"))).isEqualTo(invalid("unknown event"));
  }

  @Test
  void sayIsValidatedAndGoesToAllByDefault() {
    assertThat(text(valid(rules.handle(ada, "say", json("{\"text\":\"hi\"}"))).broadcast()))
        .isEqualTo("{\"player\":\"ada\",\"team\":\"red\",\"to\":\"all\",\"text\":\"hi\"}");
    assertThat(text(valid(rules.handle(ada, "say", json("{\"text\":\"go\",\"to\":\"team\"}"))).broadcast()))
        .isEqualTo("{\"player\":\"ada\",\"team\":\"red\",\"to\":\"team\",\"text\":\"go\"}");
    assertThat(rules.handle(ada, "say", json("{\"text\":\" \"}"))).isEqualTo(invalid("text must be a non-empty string"));
    assertThat(rules.handle(ada, "say", json("{\"text\":7}"))).isEqualTo(invalid("text must be a non-empty string"));
    assertThat(rules.handle(ada, "say", json("{\"text\":\"" + "x".repeat(SETTINGS.maxTextLength() + 1) + "\"}")))
        .isEqualTo(invalid("text too long"));
    assertThat(rules.handle(ada, "say", json("{\"text\":\"hi\",\"to\":\"eve\"}")))
        .isEqualTo(invalid("to must be \"team\" or \"all\""));
  }

  @Test
  void textLengthCountsCharactersNotUtf16Units() {
    String emoji = "\uD83C\uDFB2".repeat(SETTINGS.maxTextLength()); // one code point, two chars each
    assertThat(rules.handle(ada, "say", json("{\"text\":\"" + emoji + "\"}")))
        .isInstanceOf(GameRules.Checked.Valid.class);
  }

  @Test
  void aMoveIsSeenWholeByTeammatesWithoutPositionByOpponentsAndNotByTheMover() {
    Payload moved = valid(rules.handle(ada, "move", json("{\"x\":2,\"y\":1}"))).broadcast();
    assertThat(rules.view("moved", moved, bob)).contains(moved);
    assertThat(rules.view("moved", moved, eve).map(GameRulesTest::text)).contains("{\"player\":\"ada\",\"team\":\"red\"}");
    assertThat(rules.view("moved", moved, ada)).isEmpty();
  }

  @Test
  void teamChatStaysInTheTeamAndChatToAllReachesBoth() {
    Payload team = valid(rules.handle(ada, "say", json("{\"text\":\"flank\",\"to\":\"team\"}"))).broadcast();
    assertThat(rules.view("said", team, bob)).contains(team);
    assertThat(rules.view("said", team, eve)).isEmpty();
    assertThat(rules.view("said", team, ada)).isEmpty();
    Payload all = valid(rules.handle(ada, "say", json("{\"text\":\"gg\"}"))).broadcast();
    assertThat(rules.view("said", all, bob)).contains(all);
    assertThat(rules.view("said", all, eve)).contains(all);
  }

  @Test
  void aPlayerOfTheSameNameInTheOtherTeamIsSomeoneElse() {
    Payload moved = valid(rules.handle(ada, "move", json("{\"x\":2,\"y\":1}"))).broadcast();
    assertThat(rules.view("moved", moved, new Player("ada", Player.Team.BLUE))).isPresent();
  }

  @Test
  void broadcastsNotInTheGamesShapeReachNobody() {
    // e.g. POST /api/broadcast with event "moved": the fog of war cannot be kept on what cannot be read
    assertThat(rules.view("moved", json("{\"x\":1,\"y\":1}"), eve)).isEmpty();
    assertThat(rules.view("moved", json("{\"player\":\"ada\",\"team\":\"pink\",\"x\":1}"), eve)).isEmpty();
    assertThat(rules.view("moved", json("not json"), eve)).isEmpty();
    assertThat(rules.view("said", json("{\"player\":\"ada\",\"team\":\"red\",\"text\":\"hi\"}"), bob)).isEmpty();
    assertThat(rules.view("moved", Payload.binary(new byte[] {1}), eve)).isEmpty();
    assertThat(rules.view("other", json("{\"player\":\"ada\",\"team\":\"red\"}"), eve)).isEmpty();
  }

  @Test
  void settingsMustBePositive() {
    assertThatThrownBy(() -> new GameSettings(0, 4, 10, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("game.board.width");
  }

  private static Payload json(String text) {
    return Payload.json(text);
  }

  private static String text(Payload payload) {
    return ((Payload.Json) payload).text();
  }

  private static <T> T valid(GameRules.Checked<T> checked) {
    assertThat(checked).isInstanceOf(GameRules.Checked.Valid.class);
    return ((GameRules.Checked.Valid<T>) checked).value();
  }

  private static GameRules.Checked<GameRules.Accepted> invalid(String reason) {
    return new GameRules.Checked.Invalid<>(reason);
  }
}
