package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {
  @Test
  void phxBenchFlagsWithTheirDefaults() {
    Options o = Options.parse(new String[] {"fanout", "--subs", "10_000", "--topics=1000", "--rate", "2000,5000"});
    assertThat(o.integer("subs")).isEqualTo(10_000);
    assertThat(o.integer("topics")).isEqualTo(1000);
    assertThat(o.numbers("rate")).containsExactly(2000.0, 5000.0);
    assertThat(o.number("seconds")).isEqualTo(20);
    assertThat(o.integer("size")).isEqualTo(100);
    assertThat(o.integer("pub-topics-per-conn")).isEqualTo(100);
    assertThat(o.number("heartbeat")).isEqualTo(30);
    assertThat(o.strings("url")).containsExactly("ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0");
  }

  @Test
  void mistakesAreRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> Options.parse(new String[] {"fanout", "--subs", "10"}))
        .hasMessageContaining("--rate is required");
    assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--conns", "ten"}))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--conns", "1", "--rate", "1"}))
        .hasMessageContaining("unknown option --rate");
    assertThatThrownBy(() -> Options.parse(new String[] {"probe"})).hasMessageContaining("unknown command");
    assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--conns"})).hasMessageContaining("needs a value");
  }

  @Test
  void serverPidsFromTheListAndFromFiles(@TempDir Path dir) throws IOException {
    Path a = Files.writeString(dir.resolve("node-0.pid"), "123\n");
    Path b = Files.writeString(dir.resolve("node-1.pid"), "456");
    Options o = Options.parse(new String[] {"idle", "--conns", "1", "--pid", "7, 8", "--pid-file", a + "," + b});
    assertThat(o.serverPids()).isEqualTo(List.of(7L, 8L, 123L, 456L));
  }

  @Test
  void sourceAddressesOnePer20kConnectionsOnLoopback() {
    List<Target> local = Target.all(List.of("ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0"));
    assertThat(Target.sourceAddresses("auto", local, 19_000)).isEmpty();
    assertThat(Target.sourceAddresses("auto", local, 50_000)).hasSize(3);
    assertThat(Target.sourceAddresses("2", local, 10).get(1).getHostString()).isEqualTo("127.0.0.2");
    assertThatThrownBy(() -> Target.sourceAddresses("2", Target.all(List.of("ws://10.0.0.1:4000/")), 10))
        .hasMessageContaining("loopback");
  }

  @Test
  void upgradeRequestNamesPathQueryAndHost() {
    Target t = Target.of("ws://127.0.0.1:4002/socket/websocket?vsn=2.0.0");
    assertThat(new String(t.upgradeRequest(), java.nio.charset.StandardCharsets.US_ASCII))
        .startsWith("GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\nHost: 127.0.0.1:4002\r\n")
        .endsWith("\r\n\r\n");
    assertThat(t.address().getPort()).isEqualTo(4002);
  }
}
