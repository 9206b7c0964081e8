package io.herald.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class TargetTest {

  private static Target target(String wsUrl, String apiUrl) {
    Properties properties = new Properties();
    properties.setProperty("wsUrl", wsUrl);
    properties.setProperty("apiUrl", apiUrl);
    return Target.from(new LoadParameters(properties));
  }

  @Test
  void oneNodeByDefault() {
    Target target = Target.from(new LoadParameters(new Properties()));
    assertThat(target.socketUrl(1)).isEqualTo("ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0");
    assertThat(target.apiUrl(7)).isEqualTo("http://127.0.0.1:4001");
  }

  @Test
  void usersAndPublishesGoRoundRobinOverTheListedNodes() {
    Target target = target("ws://127.0.0.1:4000, ws://127.0.0.1:4010/", "http://127.0.0.1:4001,http://127.0.0.1:4011");
    assertThat(target.socketUrl(1)).isEqualTo("ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0");
    assertThat(target.socketUrl(2)).isEqualTo("ws://127.0.0.1:4010/socket/websocket?vsn=2.0.0");
    assertThat(target.socketUrl(3)).isEqualTo("ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0");
    assertThat(target.apiUrl(1)).isEqualTo("http://127.0.0.1:4011");
    assertThat(target.apiUrl(2)).isEqualTo("http://127.0.0.1:4001");
  }

  @Test
  void aUrlWithoutItsSchemeOrAnEmptyEntryIsRefused() {
    assertThatThrownBy(() -> target("127.0.0.1:4000", "http://127.0.0.1:4001"))
        .hasMessageContaining("-DwsUrl=127.0.0.1:4000")
        .hasMessageContaining("ws:// or wss://");
    assertThatThrownBy(() -> target("ws://127.0.0.1:4000,", "http://127.0.0.1:4001"))
        .hasMessageContaining("got ''");
    assertThatThrownBy(() -> target("ws://127.0.0.1:4000", "ws://127.0.0.1:4001"))
        .hasMessageContaining("-DapiUrl");
  }
}
