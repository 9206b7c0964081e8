package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every write to a socket is bounded, not only broadcasts: replies and pongs to a client that does not
 * read close it as a slow consumer, and pings take from the frame rate limit like any other frame.
 */
class OutboundBoundTest {
  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static final byte[] PING_PAYLOAD = new byte[125];

  @Test
  void pingsCountAgainstTheFrameRateLimit() throws Exception {
    Map<String, Object> strict =
        Map.of(
            "herald.socket.rate-limit.messages-per-second", 20,
            "herald.socket.rate-limit.burst", 20,
            "herald.socket.rate-limit.max-rejected", 10);
    try (HeraldNode node = TestNode.start(List.of(), strict);
        RawFrameSocket ws = RawFrameSocket.open(node.port(), V2, 0)) {
      int sent = 2_000;
      for (int i = 0; i < sent; i++) {
        ws.send(RawFrameSocket.PING, PING_PAYLOAD);
      }
      ws.setReadTimeout(10_000);
      RawFrameSocket.Ending ending = ws.readToEnd();
      // 20 pongs from the burst (and perhaps a few refilled), then 1008 after 10 refused in a row.
      assertThat(ending.closeCode()).isEqualTo(1008);
      assertThat(ending.framesBefore()).isLessThan(100);
    }
  }

  @Test
  void repliesAndPongsToASocketThatDoesNotReadCloseItAsASlowConsumer() throws Exception {
    Map<String, Object> small =
        TestNode.fastClients(
            Map.of(
                "herald.socket.outbound-high-water-mark", "32 KiB",
                "herald.socket.outbound-low-water-mark", "16 KiB",
                "herald.socket.send-buffer-size", "8 KiB",
                "herald.socket.slow-consumer-close-timeout", "1s"));
    try (HeraldNode node = TestNode.start(List.of(), small);
        RawFrameSocket ws = RawFrameSocket.open(node.port(), V2, 4096)) {
      // About 9 MB of answers, far more than the kernel's buffers and the 32 KiB mark: queued without
      // bound before, the node had to hold them all for a socket that reads nothing.
      int sent = 0;
      try {
        for (int i = 0; i < 30_000; i++) {
          ws.sendText("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
          ws.send(RawFrameSocket.PING, PING_PAYLOAD);
          sent += 2;
        }
      } catch (java.io.IOException cut) {
        // The node closed the connection while we were still writing: what this test expects.
      }
      ws.setReadTimeout(15_000);
      RawFrameSocket.Ending ending = ws.readToEnd();
      assertThat(ending.closeCode() == 3008 || ending.cut()).as("closed as a slow consumer, got %s", ending).isTrue();
      assertThat(ending.framesBefore()).isLessThan(sent);
    }
  }
}
