package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client may write its first frames in the same TCP segment as the upgrade request (nothing in RFC
 * 6455 forbids it once it has sent the request); they must reach the socket, in order, after the 101.
 */
class PipelinedUpgradeTest {
  private static final String V2 = "/socket/websocket?vsn=2.0.0";

  private static HeraldNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(List.of(), Map.of());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static byte[] text(String frame) {
    return RawWebSocket.maskedFrame(0x1, frame.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aJoinSentWithTheUpgradeRequestIsAnswered() throws Exception {
    byte[] join = text("[\"1\",\"1\",\"room:pipelined\",\"phx_join\",{}]");
    try (RawWebSocket ws = RawWebSocket.connect(null, node.port(), V2, 0, "", join)) {
      assertThat(ws.status).isEqualTo(101);
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[\"1\",\"1\",\"room:pipelined\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
    }
  }

  @Test
  void severalPipelinedFramesArriveInOrder() throws Exception {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    frames.writeBytes(text("[\"1\",\"1\",\"room:order\",\"phx_join\",{}]"));
    for (int i = 2; i <= 4; i++) {
      frames.writeBytes(text("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]"));
    }
    try (RawWebSocket ws = RawWebSocket.connect(null, node.port(), V2, 0, "", frames.toByteArray())) {
      assertThat(ws.status).isEqualTo(101);
      assertThat(ws.readTextOrClose().text()).contains("\"room:order\",\"phx_reply\",{\"status\":\"ok\"");
      for (int i = 2; i <= 4; i++) {
        assertThat(ws.readTextOrClose().text())
            .isEqualTo("[null,\"" + i + "\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      }
    }
  }

  @Test
  void aPipelinedFrameAfterARefusalDoesNotUpgrade() throws Exception {
    byte[] join = text("[\"1\",\"1\",\"room:x\",\"phx_join\",{}]");
    try (RawWebSocket ws = RawWebSocket.connect(null, node.port(), "/socket/websocket?vsn=9.9.9", 0, "", join)) {
      assertThat(ws.status).isEqualTo(403);
    }
  }
}
