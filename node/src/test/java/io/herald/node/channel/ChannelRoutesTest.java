package io.herald.node.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.herald.protocol.TopicPattern;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelRoutesTest {

  @Test
  void firstMatchingPatternWins() {
    ChannelRoutes routes =
        ChannelRoutes.fromConfig(
            ConfigFactory.parseString(
                "channels = [{pattern = \"room:*\", handler = broadcast}]"));
    ChannelHandler special = new BroadcastHandler();
    ChannelRoutes withSpecial =
        routes.after(List.of(new ChannelRoutes.Route(TopicPattern.parse("room:special"), special)));
    assertThat(withSpecial.handlerFor("room:special")).containsSame(special);
    assertThat(withSpecial.handlerFor("room:1")).get().isInstanceOf(BroadcastHandler.class).isNotSameAs(special);
    assertThat(withSpecial.handlerFor("lobby")).isEmpty();
  }

  @Test
  void unknownHandlerClassIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                ChannelRoutes.fromConfig(
                    ConfigFactory.parseString("channels = [{pattern = \"a:*\", handler = \"no.such.Handler\"}]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no.such.Handler");
  }

  @Test
  void presenceIsASwitchOfTheBuiltInHandlerOnly() {
    ChannelRoutes routes =
        ChannelRoutes.fromConfig(
            ConfigFactory.parseString(
                "presence.max-meta-size = 1 KiB\nchannels = [{pattern = \"room:*\", handler = broadcast, presence = on},"
                    + " {pattern = \"quiet:*\", handler = broadcast}]"));
    assertThat(routes.handlerFor("room:1")).get().extracting(ChannelHandler::presence).isEqualTo(true);
    assertThat(routes.handlerFor("quiet:1")).get().extracting(ChannelHandler::presence).isEqualTo(false);
    assertThatThrownBy(
            () ->
                ChannelRoutes.fromConfig(
                    ConfigFactory.parseString(
                        "channels = [{pattern = \"a:*\", handler = \"io.herald.node.channel.BroadcastHandler\", presence = on}]")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("presence");
  }
}
