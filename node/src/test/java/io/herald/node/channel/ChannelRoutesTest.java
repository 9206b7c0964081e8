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
}
