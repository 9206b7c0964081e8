package io.herald.examples.game;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler.InResult;
import io.herald.node.channel.ChannelHandler.JoinResult;
import io.herald.node.channel.ChannelHandler.OutResult;
import io.herald.protocol.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The handler's side of the contract with Herald, on a recording context (no node, no actors). */
class GameChannelTest {
  private final GameChannel channel = new GameChannel(new GameRules(new GameSettings(8, 8, 10, 20)));

  @Test
  void theNoArgumentConstructorReadsTheDefaultsFromReferenceConf() {
    assertThat(new GameChannel().join("game:lobby", Payload.EMPTY_OBJECT, socket("ada", "red")))
        .isEqualTo(new JoinResult.Ok(Payload.json("{\"player\":\"ada\",\"team\":\"red\",\"board\":{\"width\":16,\"height\":16}}")));
  }

  @Test
  void aRefusedJoinCarriesTheReason() {
    assertThat(channel.join("game:lobby", Payload.EMPTY_OBJECT, socket("ada", "green")))
        .isEqualTo(new JoinResult.Error(Payload.json("{\"reason\":\"invalid team\"}")));
  }

  @Test
  void aValidMoveIsBroadcastAndRepliedOk() {
    RecordingContext ada = socket("ada", "red");
    assertThat(channel.handleIn("move", Payload.json("{\"x\":1,\"y\":2}"), ada))
        .isEqualTo(new InResult.Reply("ok", Payload.json("{\"x\":1,\"y\":2}")));
    assertThat(ada.broadcasts).containsExactly("moved " + "{\"player\":\"ada\",\"team\":\"red\",\"x\":1,\"y\":2}");
  }

  @Test
  void anInvalidMoveIsRepliedErrorAndBroadcastToNobody() {
    RecordingContext ada = socket("ada", "red");
    assertThat(channel.handleIn("move", Payload.json("{\"x\":100,\"y\":2}"), ada))
        .isEqualTo(new InResult.Reply("error", Payload.json("{\"reason\":\"off the board\"}")));
    assertThat(ada.broadcasts).isEmpty();
  }

  @Test
  void handleOutPushesWhatTheReceiverMaySeeAndSkipsTheRest() {
    assertThat(channel.intercepts()).containsExactlyInAnyOrder("moved", "said");
    Payload moved = Payload.json("{\"player\":\"ada\",\"team\":\"red\",\"x\":1,\"y\":2}");
    assertThat(channel.handleOut("moved", moved, socket("bob", "red"))).isEqualTo(new OutResult.Push(moved));
    assertThat(channel.handleOut("moved", moved, socket("eve", "blue")))
        .isEqualTo(new OutResult.Push(Payload.json("{\"player\":\"ada\",\"team\":\"red\"}")));
    assertThat(channel.handleOut("moved", moved, socket("ada", "red"))).isEqualTo(new OutResult.Skip());
  }

  private static RecordingContext socket(String player, String team) {
    return new RecordingContext(Map.of("player", player, "team", team));
  }

  private static final class RecordingContext implements ChannelContext {
    final Map<String, String> connectParams;
    final List<String> broadcasts = new ArrayList<>();

    RecordingContext(Map<String, String> connectParams) {
      this.connectParams = connectParams;
    }

    @Override
    public String topic() {
      return "game:lobby";
    }

    @Override
    public Map<String, String> connectParams() {
      return connectParams;
    }

    @Override
    public String socketId() {
      return null;
    }

    @Override
    public void broadcast(String event, Payload payload, String idempotencyKey) {
      broadcasts.add(event + " " + ((Payload.Json) payload).text());
    }

    @Override
    public void push(String event, Payload payload) {
      throw new AssertionError("the game never pushes to one socket");
    }

    @Override
    public Payload joinParams() {
      return Payload.EMPTY_OBJECT;
    }

    @Override
    public String track(String key, Payload meta) {
      throw new AssertionError("the game has no presence");
    }

    @Override
    public String update(String key, Payload meta) {
      throw new AssertionError("the game has no presence");
    }

    @Override
    public boolean untrack(String key) {
      throw new AssertionError("the game has no presence");
    }

    @Override
    public Payload list(String topic) {
      throw new AssertionError("the game has no presence");
    }
  }
}
