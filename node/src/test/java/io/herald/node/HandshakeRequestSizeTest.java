package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code herald.http.max-handshake-request-size} bounds the upgrade's request line (which carries the
 * connect params, a token among them), its header block and its body (an upgrade has none): under it a
 * connect upgrades, over it the request line gets 414, the headers 431 and the body 413.
 */
class HandshakeRequestSizeTest {
  private static final int LIMIT = 12 * 1024;
  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static HeraldNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(List.of(), Map.of("herald.http.max-handshake-request-size", LIMIT));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A token param this long makes a request line of about {@code length} + 50 bytes. */
  private static String withToken(int length) {
    return V2 + "&token=" + "t".repeat(length);
  }

  @Test
  void aRequestLineOverFourKibibytesButUnderTheSettingUpgrades() throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), withToken(8 * 1024))) {
      assertThat(ws.status).isEqualTo(101);
      ws.sendText("[null,\"1\",\"phoenix\",\"heartbeat\",{}]");
      assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
    }
  }

  @Test
  void aRequestLineOverTheSettingIsRefusedWith414() throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), withToken(LIMIT + 1024))) {
      assertThat(ws.status).isEqualTo(414);
    }
  }

  @Test
  void aBodyOverTheSettingIsRefusedWith413() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5_000);
      socket.setSoTimeout(10_000);
      int length = LIMIT + 1024;
      String head = "GET " + V2 + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(new byte[length]);
      socket.getOutputStream().flush();
      String statusLine = RawWebSocket.readLine(new DataInputStream(socket.getInputStream()));
      assertThat(statusLine).startsWith("HTTP/1.1 413");
    }
  }

  @Test
  void headersUnderTheSettingUpgrade() throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(node.port(), V2, 0, "Cookie: " + "c".repeat(8 * 1024) + "\r\n")) {
      assertThat(ws.status).isEqualTo(101);
    }
  }

  @Test
  void headersOverTheSettingAreRefusedWith431() throws Exception {
    try (RawWebSocket ws =
        RawWebSocket.connect(node.port(), V2, 0, "Cookie: " + "c".repeat(LIMIT + 1024) + "\r\n")) {
      assertThat(ws.status).isEqualTo(431);
    }
  }
}
