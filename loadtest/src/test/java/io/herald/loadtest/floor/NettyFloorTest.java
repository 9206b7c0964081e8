package io.herald.loadtest.floor;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The floor server answers what the benchmark clients send: joins, heartbeats, and broadcasts to the room. */
class NettyFloorTest {
  /** A JDK WebSocket client that queues each text frame it receives. */
  private static final class Client implements WebSocket.Listener {
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static Client connect(int port) {
      Client c = new Client();
      c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/socket/websocket?vsn=2.0.0"), c).join();
      return c;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }

    String next() throws InterruptedException {
      String f = frames.poll(5, TimeUnit.SECONDS);
      assertThat(f).as("a frame within 5 s").isNotNull();
      return f;
    }
  }

  @Test
  void joinsHeartbeatsAndBroadcastsToTheRoomSenderIncluded() throws Exception {
    try (NettyFloor floor = NettyFloor.start("127.0.0.1", 0, 2)) {
      Client a = Client.connect(floor.port());
      Client b = Client.connect(floor.port());
      Client other = Client.connect(floor.port());
      a.send("[\"1\",\"1\",\"room:a\",\"phx_join\",{}]");
      assertThat(a.next()).isEqualTo("[\"1\",\"1\",\"room:a\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      b.send("[\"5\",\"5\",\"room:a\",\"phx_join\",{}]");
      assertThat(b.next()).contains("phx_reply");
      other.send("[\"1\",\"1\",\"room:b\",\"phx_join\",{}]");
      assertThat(other.next()).contains("phx_reply");

      a.send("[\"1\",\"2\",\"room:a\",\"shout\",{\"t\":12,\"body\":\"hi\"}]");
      String first = a.next();
      String second = a.next();
      assertThat(java.util.List.of(first, second))
          .containsExactlyInAnyOrder(
              "[\"1\",\"2\",\"room:a\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]",
              "[null,null,\"room:a\",\"shout\",{\"t\":12,\"body\":\"hi\"}]");
      assertThat(b.next()).isEqualTo("[null,null,\"room:a\",\"shout\",{\"t\":12,\"body\":\"hi\"}]");

      other.send("[null,\"9\",\"phoenix\",\"heartbeat\",{}]");
      assertThat(other.next()).isEqualTo("[null,\"9\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      assertThat(other.frames).as("room:b heard nothing of room:a").isEmpty();
    }
  }
}
