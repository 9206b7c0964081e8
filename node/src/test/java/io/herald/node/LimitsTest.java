package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-node and per-socket limits through real sockets: connections per node and per second
 * (HTTP 503 with Retry-After), the upgrade deadline, the inbound rate limit, topic length and payload
 * size. Each limit is set low in its own node so one test's traffic cannot trip another's.
 */
class LimitsTest {
  private static final String V2 = "/socket/websocket?vsn=2.0.0";

  @Test
  void connectionsPastTheNodeLimitAreRefusedWith503AndRetryAfter() throws Exception {
    try (HeraldNode node = TestNode.start(List.of(), Map.of("herald.http.max-connections", 3))) {
      List<RawWebSocket> open = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          RawWebSocket ws = RawWebSocket.connect(node.port(), V2);
          assertThat(ws.status).isEqualTo(101);
          open.add(ws);
        }
        try (RawWebSocket refused = RawWebSocket.connect(node.port(), V2)) {
          assertThat(refused.status).isEqualTo(503);
          assertThat(refused.headers).containsKey("retry-after");
        }
        for (RawWebSocket ws : open) { // the sockets already open are untouched
          ws.sendText("[null,\"1\",\"phoenix\",\"heartbeat\",{}]");
          assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
        }
        open.remove(0).close();
        awaitAccepted(node);
      } finally {
        for (RawWebSocket ws : open) {
          ws.close();
        }
      }
    }
  }

  /** Once a socket closed, a new connect is admitted again (the count follows closes). */
  private static void awaitAccepted(HeraldNode node) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
        if (ws.status == 101) {
          return;
        }
        assertThat(System.nanoTime()).as("a connect is admitted after a close").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  @Test
  void newConnectionsPastTheRateAreRefusedWith503AndRetryAfter() throws Exception {
    try (HeraldNode node = TestNode.start(List.of(), Map.of("herald.http.new-connections-per-second", 1))) {
      int refused = 0;
      String retryAfter = null;
      for (int i = 0; i < 3; i++) { // a bucket of one per second: three connects in a row cannot all pass
        try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
          if (ws.status == 503) {
            refused++;
            retryAfter = ws.headers.get("retry-after");
          }
        }
      }
      assertThat(refused).isGreaterThan(0);
      assertThat(retryAfter).isEqualTo("1");
    }
  }

  @Test
  void aConnectionThatNeverUpgradesIsCut() throws Exception {
    try (HeraldNode node = TestNode.start(List.of(), Map.of("herald.http.handshake-timeout", "300ms"));
        Socket idle = new Socket()) {
      idle.connect(new InetSocketAddress("127.0.0.1", node.port()));
      idle.setSoTimeout(10_000);
      InputStream in = idle.getInputStream();
      assertThat(in.read()).as("end of stream: the server closed the silent connection").isEqualTo(-1);
    }
  }

  @Test
  void aFloodingSocketIsAnsweredRateLimitedThenClosedWith1008() throws Exception {
    try (HeraldNode node =
            TestNode.start(
                List.of(),
                Map.of(
                    "herald.socket.rate-limit.messages-per-second", 0.1, // no refill within the test
                    "herald.socket.rate-limit.burst", 5,
                    "herald.socket.rate-limit.max-rejected", 3));
        RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
      for (int i = 1; i <= 5; i++) { // the burst is admitted
        ws.sendText("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
      }
      for (int i = 1; i <= 5; i++) {
        assertThat(ws.readTextOrClose().text()).isEqualTo("[null,\"" + i + "\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      }
      for (int i = 6; i <= 9; i++) { // 3 are answered "rate limited", the 4th in a row closes
        ws.sendText("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
      }
      for (int i = 6; i <= 8; i++) {
        assertThat(ws.readTextOrClose().text())
            .isEqualTo("[null,\"" + i + "\",\"phoenix\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"rate limited\"}}]");
      }
      RawWebSocket.Frame close = ws.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(close.closeReason()).isEqualTo("rate limit exceeded");
    }
  }

  @Test
  void longTopicsAndLargePayloadsAreRefusedWithAReason() throws Exception {
    try (HeraldNode node =
            TestNode.start(List.of(), Map.of("herald.socket.max-topic-length", 20, "herald.socket.max-payload-size", "1 KiB"));
        RawWebSocket ws = RawWebSocket.connect(node.port(), V2)) {
      String longTopic = "room:" + "x".repeat(16);
      String echoed = longTopic.substring(0, 20); // a reply echoes at most max-topic-length bytes
      ws.sendText("[\"1\",\"1\",\"" + longTopic + "\",\"phx_join\",{}]");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[\"1\",\"1\",\"" + echoed + "\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"topic too long\"}}]");
      // Any other event on such a topic too, without repeating the client's topic in full.
      String hugeTopic = "room:" + "z".repeat(100_000);
      ws.sendText("[null,\"9\",\"" + hugeTopic + "\",\"shout\",{}]");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[null,\"9\",\"" + hugeTopic.substring(0, 20) + "\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"topic too long\"}}]");
      String big = "{\"body\":\"" + "y".repeat(1100) + "\"}";
      ws.sendText("[\"2\",\"2\",\"room:a\",\"phx_join\"," + big + "]");
      assertThat(ws.readTextOrClose().text()).contains("\"reason\":\"payload too large\"");
      ws.sendText("[\"3\",\"3\",\"room:a\",\"phx_join\",{}]");
      assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
      ws.sendText("[\"3\",\"4\",\"room:a\",\"shout\"," + big + "]");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[\"3\",\"4\",\"room:a\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"payload too large\"}}]");
    }
  }
}
