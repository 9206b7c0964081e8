package io.herald.examples.game;

import com.typesafe.config.ConfigFactory;
import io.herald.node.channel.ChannelContext;
import io.herald.node.channel.ChannelHandler;
import io.herald.protocol.Payload;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The game room of {@link GameRules} as a Herald channel handler, registered for {@code game:*}:
 *
 * <pre>{@code herald.channels = [ { pattern = "game:*", handler = "io.herald.examples.game.GameChannel" } ]}</pre>
 *
 * <p>Stateless on purpose: every node makes its own instance, and each callback runs on the node of the
 * socket concerned (the sender's for join and handleIn, each receiver's for handleOut), so a field that
 * remembered positions would hold different things on different nodes. Everything a callback needs
 * comes with its arguments. Without auth, player names are whatever clients claim; with
 * {@code herald.auth.mode = required} the name is the token's subject.
 */
public final class GameChannel implements ChannelHandler {
  private static final Logger log = LoggerFactory.getLogger(GameChannel.class);

  private final GameRules rules;

  /** The constructor Herald calls: the limits come from the node's configuration ({@code game}). */
  public GameChannel() {
    this(new GameRules(GameSettings.fromConfig(ConfigFactory.load().getConfig("game"))));
  }

  GameChannel(GameRules rules) {
    this.rules = rules;
  }

  @Override
  public JoinResult join(String topic, Payload params, ChannelContext context) {
    GameRules.Checked<Player> player = rules.join(topic, context.socketId(), context.connectParams());
    if (player instanceof GameRules.Checked.Invalid<Player> invalid) {
      return new JoinResult.Error(GameRules.reason(invalid.reason()));
    }
    return new JoinResult.Ok(rules.welcome(((GameRules.Checked.Valid<Player>) player).value()));
  }

  @Override
  public InResult handleIn(String event, Payload payload, ChannelContext context) {
    if (!(rules.player(context.socketId(), context.connectParams()) instanceof GameRules.Checked.Valid<Player> player)) {
      return new InResult.Reply("error", GameRules.reason("invalid player")); // unreachable after a successful join
    }
    GameRules.Checked<GameRules.Accepted> checked = rules.handle(player.value(), event, payload);
    if (checked instanceof GameRules.Checked.Invalid<GameRules.Accepted> invalid) {
      return new InResult.Reply("error", GameRules.reason(invalid.reason()));
    }
    GameRules.Accepted accepted = ((GameRules.Checked.Valid<GameRules.Accepted>) checked).value();
    context.broadcast(accepted.event(), accepted.broadcast());
    return new InResult.Reply("ok", accepted.reply());
  }

  @Override
  public Set<String> intercepts() {
    return Set.of(GameRules.MOVED, GameRules.SAID);
  }

  /** Runs once per receiver: strips or drops what this player must not see. */
  @Override
  public OutResult handleOut(String event, Payload payload, ChannelContext context) {
    if (!(rules.player(context.socketId(), context.connectParams()) instanceof GameRules.Checked.Valid<Player> viewer)) {
      return new OutResult.Skip();
    }
    return rules.view(event, payload, viewer.value())
        .<OutResult>map(OutResult.Push::new)
        .orElseGet(() -> {
          log.debug("{} on {} withheld from {}", event, context.topic(), viewer.value().name());
          return new OutResult.Skip();
        });
  }
}
