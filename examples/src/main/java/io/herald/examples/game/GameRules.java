package io.herald.examples.game;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.protocol.Payload;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The game room's rules, apart from Herald: who may join, which client events are valid, and what each
 * player may see of a broadcast. Pure functions of their arguments, so the same rules hold on every node.
 *
 * <p>The game: two teams move their players on a board and chat. A move is validated here (integers on
 * the board) and broadcast as {@code moved}; the other team learns that a player moved, never where
 * (fog of war). A {@code say} goes to everyone or, with {@code "to": "team"}, to the sender's team only.
 * Nobody receives the echo of their own event: its reply already confirms it.
 */
public final class GameRules {
  /** Topics are {@code game:<room>}. */
  public static final String TOPIC_PREFIX = "game:";
  /** Client events. */
  public static final String MOVE = "move";
  public static final String SAY = "say";
  /** Broadcast events, one per accepted client event. */
  public static final String MOVED = "moved";
  public static final String SAID = "said";
  /** Connect params that name the player when auth is off. */
  public static final String PLAYER_PARAM = "player";
  public static final String TEAM_PARAM = "team";

  private static final String TO_TEAM = "team";
  private static final String TO_ALL = "all";
  private static final Pattern ROOM = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GameSettings settings;

  public GameRules(GameSettings settings) {
    this.settings = settings;
  }

  /** Either a value or the reason it was refused (sent to the client as {@code {"reason": ...}}). */
  public sealed interface Checked<T> {
    record Valid<T>(T value) implements Checked<T> {}

    record Invalid<T>(String reason) implements Checked<T> {}
  }

  /** An accepted client event: what to broadcast to the room and what to reply to the sender. */
  public record Accepted(String event, Payload broadcast, Payload reply) {}

  /**
   * Who joins {@code topic}. The name is the verified token's subject when auth is on ({@code socketId}),
   * else the {@code player} connect param; the team is the {@code team} connect param. They come from the
   * socket, not the join payload, because handleIn and handleOut see only the socket's connect params.
   */
  public Checked<Player> join(String topic, String socketId, Map<String, String> connectParams) {
    if (!topic.startsWith(TOPIC_PREFIX) || !ROOM.matcher(topic.substring(TOPIC_PREFIX.length())).matches()) {
      return new Checked.Invalid<>("invalid room");
    }
    return player(socketId, connectParams);
  }

  /** The player behind a socket, validated as at join. */
  public Checked<Player> player(String socketId, Map<String, String> connectParams) {
    String name = socketId != null ? socketId : connectParams.get(PLAYER_PARAM);
    if (name == null || name.length() > settings.maxNameLength() || !NAME.matcher(name).matches()) {
      return new Checked.Invalid<>("invalid player name");
    }
    Optional<Player.Team> team = Player.Team.fromWire(connectParams.get(TEAM_PARAM));
    if (team.isEmpty()) {
      return new Checked.Invalid<>("invalid team");
    }
    return new Checked.Valid<>(new Player(name, team.get()));
  }

  /** The join reply: who the server took the player for, and the board. */
  public Payload welcome(Player player) {
    ObjectNode reply = JSON.createObjectNode();
    reply.put("player", player.name());
    reply.put("team", player.team().wireName());
    reply.putObject("board").put("width", settings.boardWidth()).put("height", settings.boardHeight());
    return encode(reply);
  }

  /**
   * Validates a client event. What is broadcast is built from the validated fields, never the client's
   * bytes, so a client cannot smuggle fields (or another player's name) to the others.
   */
  public Checked<Accepted> handle(Player player, String event, Payload payload) {
    Optional<JsonNode> body = object(payload);
    if (body.isEmpty()) {
      return new Checked.Invalid<>("expected a JSON object");
    }
    return switch (event) {
      case MOVE -> move(player, body.get());
      case SAY -> say(player, body.get());
      default -> new Checked.Invalid<>("unknown event");
    };
  }

  private Checked<Accepted> move(Player player, JsonNode body) {
    JsonNode x = body.get("x");
    JsonNode y = body.get("y");
    if (!isInt(x) || !isInt(y)) {
      return new Checked.Invalid<>("x and y must be integers");
    }
    if (x.intValue() < 0 || x.intValue() >= settings.boardWidth() || y.intValue() < 0 || y.intValue() >= settings.boardHeight()) {
      return new Checked.Invalid<>("off the board");
    }
    ObjectNode moved = from(player);
    moved.put("x", x.intValue());
    moved.put("y", y.intValue());
    ObjectNode reply = JSON.createObjectNode().put("x", x.intValue()).put("y", y.intValue());
    return new Checked.Valid<>(new Accepted(MOVED, encode(moved), encode(reply)));
  }

  private Checked<Accepted> say(Player player, JsonNode body) {
    JsonNode text = body.get("text");
    if (text == null || !text.isTextual() || text.textValue().isBlank()) {
      return new Checked.Invalid<>("text must be a non-empty string");
    }
    if (text.textValue().codePointCount(0, text.textValue().length()) > settings.maxTextLength()) {
      return new Checked.Invalid<>("text too long");
    }
    JsonNode to = body.get("to");
    String audience = to == null ? TO_ALL : to.asText(null);
    if (!to(audience)) {
      return new Checked.Invalid<>("to must be \"team\" or \"all\"");
    }
    ObjectNode said = from(player);
    said.put("to", audience);
    said.put("text", text.textValue());
    return new Checked.Valid<>(new Accepted(SAID, encode(said), Payload.EMPTY_OBJECT));
  }

  /**
   * What {@code viewer} receives of a broadcast {@code event}, or empty when it must not reach them: their
   * own event, the other team's team chat, and anything not in this game's shape (a broadcast through
   * the HTTP API, say), since the fog of war cannot be kept on what cannot be read.
   */
  public Optional<Payload> view(String event, Payload broadcast, Player viewer) {
    Optional<JsonNode> body = object(broadcast);
    if (body.isEmpty() || !body.get().path("player").isTextual()) {
      return Optional.empty();
    }
    String sender = body.get().get("player").textValue();
    Optional<Player.Team> team = Player.Team.fromWire(body.get().path("team").asText(null));
    if (team.isEmpty() || viewer.is(sender, team.get())) {
      return Optional.empty();
    }
    boolean teammate = team.get() == viewer.team();
    return switch (event) {
      case MOVED -> Optional.of(teammate ? broadcast : encode(from(new Player(sender, team.get()))));
      case SAID -> {
        String audience = body.get().path("to").asText(null);
        if (!to(audience)) {
          yield Optional.empty();
        }
        yield teammate || TO_ALL.equals(audience) ? Optional.of(broadcast) : Optional.empty();
      }
      default -> Optional.empty();
    };
  }

  /** An error reply's response, as Herald's own: {@code {"reason": ...}}. */
  public static Payload reason(String reason) {
    return encode(JSON.createObjectNode().put("reason", reason));
  }

  private static boolean isInt(JsonNode value) {
    return value != null && value.isIntegralNumber() && value.canConvertToInt();
  }

  private static boolean to(String audience) {
    return TO_ALL.equals(audience) || TO_TEAM.equals(audience);
  }

  private static ObjectNode from(Player player) {
    return JSON.createObjectNode().put("player", player.name()).put("team", player.team().wireName());
  }

  private static Optional<JsonNode> object(Payload payload) {
    if (!(payload instanceof Payload.Json json)) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(json.bytes());
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (IOException notJson) {
      return Optional.empty();
    }
  }

  private static Payload encode(JsonNode node) {
    try {
      return new Payload.Json(JSON.writeValueAsBytes(node));
    } catch (JacksonException e) {
      throw new IllegalStateException("a tree built here always encodes", e);
    }
  }
}
