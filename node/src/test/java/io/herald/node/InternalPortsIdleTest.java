package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connections that never send a request cannot keep the internal ports (management probes, the API)
 * from answering for longer than herald.internal-http.idle-timeout: a liveness probe must not fail
 * because someone holds the port's connection slots.
 */
class InternalPortsIdleTest {
  private static final int IDLE_CONNECTIONS = 1_100; // above the 1024 each port serves at once

  @Test
  void probesAndApiCallsAreAnsweredOnceIdleConnectionsTimeOut() throws Exception {
    int management;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      management = free.getLocalPort();
    }
    try (HeraldNode node =
        TestNode.start(
            List.of(), Map.of("herald.internal-http.idle-timeout", "2s", "pekko.management.http.port", management))) {
      for (int port : new int[] {management, node.apiPort()}) {
        List<Socket> idle = new ArrayList<>();
        try {
          for (int i = 0; i < IDLE_CONNECTIONS; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            idle.add(s);
          }
          String path = port == management ? "/alive" : "/api/stats";
          // With Pekko HTTP's default (60 s) the port would not answer within this.
          assertThat(answeredWithin(port, path, Duration.ofSeconds(12))).as("status of %s", path).isEqualTo(200);
        } finally {
          for (Socket s : idle) {
            closeQuietly(s);
          }
        }
      }
    }
  }

  private static int answeredWithin(int port, String path, Duration deadline) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(deadline).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(deadline).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
