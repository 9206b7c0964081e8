package io.herald.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The frames the simulations send are the Phoenix V2 frames phoenix.js sends. */
class PhoenixTest {

  @Test
  void joinUsesRefOneAsItsJoinRef() {
    assertThat(Phoenix.joinFrame("room:lobby")).isEqualTo("[\"1\",\"1\",\"room:lobby\",\"phx_join\",{}]");
  }

  @Test
  void heartbeatGoesToThePhoenixTopicWithoutJoinRef() {
    assertThat(Phoenix.heartbeatFrame("7")).isEqualTo("[null,\"7\",\"phoenix\",\"heartbeat\",{}]");
  }

  @Test
  void pushEscapesItsPayload() {
    assertThat(Phoenix.pushFrame("3", "room:lobby", "shout", Map.of("body", "say \"hi\"\n")))
        .isEqualTo("[\"1\",\"3\",\"room:lobby\",\"shout\",{\"body\":\"say \\\"hi\\\"\\n\"}]");
  }
}
