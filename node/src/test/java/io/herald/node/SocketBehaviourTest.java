package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The socket's protocol behaviour frame by frame, with a raw WebSocket client: exact frames, limits,
 * malformed input, slow consumers, idle sockets.
 */
class SocketBehaviourTest {
  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static final String OK_EMPTY = "{\"status\":\"ok\",\"response\":{}}";

  private static HeraldNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node =
        TestNode.start(
            List.of(),
            Map.of(
                "herald.socket.max-channels", 3,
                "herald.http.max-frame-size", "64 KiB",
                "herald.socket.outbound-high-water-mark", "64 KiB",
                "herald.socket.outbound-low-water-mark", "32 KiB",
                "herald.socket.idle-timeout", "5s",
                // the slow-consumer test reads the stalled socket's backlog only after the flood; on a
                // busy machine that can take longer than the default 5 s before the cut
                "herald.socket.slow-consumer-close-timeout", "30s",
                // floods here test other limits
                "herald.socket.rate-limit.messages-per-second", 1_000_000,
                "herald.socket.rate-limit.burst", 1_000_000));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static RawWebSocket connect() throws IOException {
    RawWebSocket ws = RawWebSocket.connect(node.port(), V2);
    assertThat(ws.status).isEqualTo(101);
    return ws;
  }

  private static String join(RawWebSocket ws, String ref, String topic) throws IOException {
    ws.sendText("[\"" + ref + "\",\"" + ref + "\",\"" + topic + "\",\"phx_join\",{}]");
    return ws.readTextOrClose().text();
  }

  @Test
  void unsupportedVersionIsRefusedWith403BeforeTheUpgrade() throws IOException {
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), "/socket/websocket?vsn=3.0.0")) {
      assertThat(ws.status).isEqualTo(403);
    }
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), "/elsewhere")) {
      assertThat(ws.status).isEqualTo(404);
    }
  }

  @Test
  void missingVersionSpeaksV1Objects() throws IOException {
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), "/socket/websocket")) {
      ws.sendText("{\"topic\":\"room:v1\",\"event\":\"phx_join\",\"payload\":{},\"ref\":\"1\"}");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("{\"topic\":\"room:v1\",\"event\":\"phx_reply\",\"payload\":" + OK_EMPTY + ",\"ref\":\"1\"}");
    }
  }

  @Test
  void phoenixSubprotocolIsAnsweredWhenOffered() throws IOException {
    try (RawWebSocket ws =
        RawWebSocket.connect(node.port(), V2, 0, "Sec-WebSocket-Protocol: phoenix, base64url.bearer.phx.dG9r\r\n")) {
      assertThat(ws.status).isEqualTo(101);
      assertThat(ws.headers).containsEntry("sec-websocket-protocol", "phoenix");
    }
  }

  @Test
  void heartbeatIsRepliedOnThePhoenixTopic() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.sendText("[null,\"7\",\"phoenix\",\"heartbeat\",{}]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[null,\"7\",\"phoenix\",\"phx_reply\"," + OK_EMPTY + "]");
    }
  }

  @Test
  void unmatchedTopicIsRefusedWithANullJoinRef() throws IOException {
    try (RawWebSocket ws = connect()) {
      assertThat(join(ws, "1", "lobby"))
          .isEqualTo("[null,\"1\",\"lobby\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"unmatched topic\"}}]");
    }
  }

  @Test
  void joinsBeyondTheChannelLimitAreRefused() throws IOException {
    try (RawWebSocket ws = connect()) {
      for (int i = 1; i <= 3; i++) {
        assertThat(join(ws, "" + i, "room:limit-" + i)).contains("\"ok\"");
      }
      assertThat(join(ws, "4", "room:limit-4"))
          .isEqualTo("[\"4\",\"4\",\"room:limit-4\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"too many channels joined\"}}]");
    }
  }

  @Test
  void duplicateJoinClosesTheOldChannelThenJoins() throws IOException {
    try (RawWebSocket ws = connect()) {
      assertThat(join(ws, "1", "room:dup")).isEqualTo("[\"1\",\"1\",\"room:dup\",\"phx_reply\"," + OK_EMPTY + "]");
      ws.sendText("[\"2\",\"2\",\"room:dup\",\"phx_join\",{}]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[\"1\",\"1\",\"room:dup\",\"phx_close\",{}]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[\"2\",\"2\",\"room:dup\",\"phx_reply\"," + OK_EMPTY + "]");
      // the new channel receives broadcasts once, the old join_ref is stale
      ws.sendText("[\"1\",\"3\",\"room:dup\",\"shout\",{\"stale\":true}]");
      ws.sendText("[\"2\",\"4\",\"room:dup\",\"shout\",{\"n\":1}]");
      List<String> next = List.of(ws.readTextOrClose().text(), ws.readTextOrClose().text());
      assertThat(next)
          .containsExactlyInAnyOrder(
              "[null,null,\"room:dup\",\"shout\",{\"n\":1}]",
              "[\"2\",\"4\",\"room:dup\",\"phx_reply\"," + OK_EMPTY + "]");
    }
  }

  @Test
  void leaveIsRepliedThenClosed() throws IOException {
    try (RawWebSocket ws = connect()) {
      join(ws, "1", "room:leave-raw");
      ws.sendText("[\"1\",\"2\",\"room:leave-raw\",\"phx_leave\",{}]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[\"1\",\"2\",\"room:leave-raw\",\"phx_reply\"," + OK_EMPTY + "]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[\"1\",\"1\",\"room:leave-raw\",\"phx_close\",{}]");
      ws.sendText("[\"1\",\"3\",\"room:leave-raw\",\"shout\",{}]");
      assertThat(ws.readTextOrClose().text())
          .isEqualTo("[null,\"3\",\"room:leave-raw\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"unmatched topic\"}}]");
    }
  }

  @Test
  void malformedFrameWithTopicAndRefGetsAnErrorReplyAndTheSocketStays() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.sendText("[\"1\",\"2\",\"room:x\",42,{}]");
      String reply = ws.readTextOrClose().text();
      assertThat(reply).startsWith("[\"1\",\"2\",\"room:x\",\"phx_reply\",{\"status\":\"error\",\"response\":{\"reason\":\"malformed message: ");
      ws.sendText("[null,\"3\",\"phoenix\",\"heartbeat\",{}]");
      assertThat(ws.readTextOrClose().text()).isEqualTo("[null,\"3\",\"phoenix\",\"phx_reply\"," + OK_EMPTY + "]");
    }
  }

  @Test
  void undecodableFrameClosesOnlyThatSocketWith1007() throws IOException {
    try (RawWebSocket bystander = connect(); RawWebSocket hostile = connect()) {
      join(bystander, "1", "room:bystander");
      hostile.sendText("not json at all");
      RawWebSocket.Frame close = hostile.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1007);
      assertThat(close.closeReason()).startsWith("malformed message: ");
      hostile.send(0x8, close.payload()); // complete the closing handshake, as a client does
      assertThatThrownBy(hostile::read).isInstanceOfAny(EOFException.class, SocketException.class);

      bystander.sendText("[\"1\",\"2\",\"room:bystander\",\"shout\",{\"still\":\"here\"}]");
      List<String> next = List.of(bystander.readTextOrClose().text(), bystander.readTextOrClose().text());
      assertThat(next).contains("[null,null,\"room:bystander\",\"shout\",{\"still\":\"here\"}]");
    }
  }

  @Test
  void jsonInABinaryFrameClosesWith1007() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.send(0x2, "[\"1\",\"1\",\"room:x\",\"phx_join\",{}]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      RawWebSocket.Frame close = ws.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1007);
    }
  }

  @Test
  void messageOverTheFrameLimitClosesWith1009() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.sendText("[null,\"1\",\"room:big\",\"shout\",{\"pad\":\"" + "x".repeat(70_000) + "\"}]");
      RawWebSocket.Frame close = ws.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1009);
    }
  }

  @Test
  void silentSocketIsClosedWith1001AfterTheIdleTimeout() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.setReadTimeout(10_000);
      RawWebSocket.Frame close = ws.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1001);
      assertThat(close.closeReason()).isEqualTo("idle timeout");
    }
  }

  /** Each frame restarts the idle timeout: heartbeats every 2 s keep a socket open well past 5 s. */
  @Test
  void socketThatKeepsSendingOutlivesTheIdleTimeoutThenIsClosedOnceSilent() throws IOException {
    try (RawWebSocket ws = connect()) {
      ws.setReadTimeout(10_000);
      long start = System.nanoTime();
      for (int i = 1; i <= 6; i++) {
        ws.sendText("[null,\"" + i + "\",\"phoenix\",\"heartbeat\",{}]");
        RawWebSocket.Frame reply = ws.readTextOrClose();
        assertThat(reply.isClose()).as("closed after %d heartbeats", i).isFalse();
        assertThat(reply.text()).contains("\"ok\"");
        sleepQuietly(2_000);
      }
      assertThat(System.nanoTime() - start).isGreaterThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(11));
      RawWebSocket.Frame close = ws.readTextOrClose();
      assertThat(close.isClose()).isTrue();
      assertThat(close.closeCode()).isEqualTo(1001);
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void socketThatDoesNotReadIsClosedAsASlowConsumerWhileReadersGetEverything() throws Exception {
    String topic = "room:slow";
    try (RawWebSocket reader = connect();
        RawWebSocket publisher = connect();
        RawWebSocket stalled = RawWebSocket.connect(node.port(), V2, 4096, "")) {
      join(reader, "1", topic);
      join(publisher, "1", topic);
      join(stalled, "1", topic);
      String pad = "x".repeat(8_000);
      int messages = 400; // 3.2 MB: far past the 64 KiB mark plus what the kernel buffers
      Thread readerThread =
          new Thread(
              () -> {
                try {
                  int got = 0;
                  while (got < messages) {
                    if (reader.readTextOrClose().text().startsWith("[null,null,")) {
                      got++;
                    }
                  }
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      readerThread.start();
      Thread publisherDrain =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 2 * messages; i++) {
                    publisher.readTextOrClose();
                  }
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      publisherDrain.start();
      for (int i = 0; i < messages; i++) {
        publisher.sendText("[\"1\",\"" + (i + 2) + "\",\"" + topic + "\",\"shout\",{\"n\":" + i + ",\"pad\":\"" + pad + "\"}]");
      }
      readerThread.join(30_000);
      assertThat(readerThread.isAlive()).as("the reading socket got all %d messages", messages).isFalse();
      publisherDrain.join(30_000);

      // Now read what the stalled socket was sent: some broadcasts, then the close.
      RawWebSocket.Frame frame;
      int broadcasts = 0;
      do {
        frame = stalled.readTextOrClose();
        if (!frame.isClose()) {
          broadcasts++;
        }
      } while (!frame.isClose());
      assertThat(frame.closeCode()).isEqualTo(3008);
      assertThat(frame.closeReason()).isEqualTo("slow consumer");
      assertThat(broadcasts).isLessThan(messages);
    }
  }
}
