package io.herald.node;

import java.io.IOException;

/** {@link RawWebSocket} for tests in other packages: join, shout, read the next broadcast. */
public final class RawWebSocketAccess implements AutoCloseable {
  private final RawWebSocket ws;
  private int ref;

  private RawWebSocketAccess(RawWebSocket ws) {
    this.ws = ws;
  }

  public static RawWebSocketAccess connect(int port) throws IOException {
    return new RawWebSocketAccess(RawWebSocket.connect(port, "/socket/websocket?vsn=2.0.0"));
  }

  /** The HTTP status a connect gets (101 when it upgrades); the connection is closed again. */
  public static int status(int port) throws IOException {
    try (RawWebSocket ws = RawWebSocket.connect(port, "/socket/websocket?vsn=2.0.0")) {
      return ws.status;
    }
  }

  /** Joins with join_ref "1" and waits for the ok reply. */
  public void join(String topic) throws IOException {
    ws.sendText("[\"1\",\"" + (++ref) + "\",\"" + topic + "\",\"phx_join\",{}]");
    String reply = ws.readTextOrClose().text();
    if (!reply.contains("\"ok\"")) {
      throw new IllegalStateException("join refused: " + reply);
    }
  }

  public void shout(String topic, String payloadJson) throws IOException {
    ws.sendText("[\"1\",\"" + (++ref) + "\",\"" + topic + "\",\"shout\"," + payloadJson + "]");
  }

  /** The next broadcast frame, skipping replies. */
  public String nextBroadcast() throws IOException {
    while (true) {
      String text = ws.readTextOrClose().text();
      if (text.startsWith("[null,null,")) {
        return text;
      }
    }
  }

  @Override
  public void close() throws IOException {
    ws.close();
  }
}
