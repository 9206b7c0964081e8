package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar as users run it: starts, serves Phoenix V2, logs JSON lines when asked, and on
 * SIGTERM closes its sockets with 1012. A wrongly merged Pekko reference.conf starts and then fails at run time, which this catches.
 */
class JarSmokeIT {

  @Test
  void shadedJarServesPhoenixAndClosesSocketsWith1012OnSigterm() throws Exception {
    Path jar = Path.of("target", "herald-node.jar");
    assertThat(jar).exists();
    int httpPort = freePort();
    int clusterPort = freePort();
    Path log = Files.createTempFile("herald-jar", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    pb.environment().put("HERALD_HTTP_HOST", "127.0.0.1");
    pb.environment().put("HERALD_CLUSTER_PORT", Integer.toString(clusterPort));
    pb.environment().put("HERALD_API_PORT", Integer.toString(freePort()));
    pb.environment().put("HERALD_API_HOST", "127.0.0.1");
    pb.environment().put("HERALD_LOG_FORMAT", "json");
    pb.environment().put("HERALD_MANAGEMENT_PORT", Integer.toString(freePort()));
    // Chosen with the others: left at 0, the link could take a port chosen above but not yet bound.
    pb.environment().put("HERALD_LINK_PORT", Integer.toString(freePort()));
    Process node = pb.start();
    try {
      WebSocket ws = null;
      Frames frames = new Frames();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ws == null) {
        try {
          ws =
              HttpClient.newHttpClient()
                  .newWebSocketBuilder()
                  .buildAsync(URI.create("ws://127.0.0.1:" + httpPort + "/socket/websocket?vsn=2.0.0"), frames)
                  .get(5, TimeUnit.SECONDS);
        } catch (Exception notYet) {
          assertThat(node.isAlive()).as("node exited early; log: %s", Files.readString(log)).isTrue();
          assertThat(System.nanoTime()).as("node did not listen in 60 s").isLessThan(deadline);
          Thread.sleep(250);
        }
      }
      ws.sendText("[\"1\",\"1\",\"room:smoke\",\"phx_join\",{}]", true).join();
      // room:* keeps history by default: the ok reply says where the topic's stream stands
      assertThat(frames.next()).matches("\\[\"1\",\"1\",\"room:smoke\",\"phx_reply\",\\{\"status\":\"ok\",\"response\":\\{\"epoch\":\"\\d+\",\"seq\":0,\"recovered\":false}}]");
      // room:* has presence on by default: who is there follows the ok reply (nobody: no user_id)
      assertThat(frames.next()).isEqualTo("[\"1\",null,\"room:smoke\",\"presence_state\",{}]");
      ws.sendText("[\"1\",\"2\",\"room:smoke\",\"shout\",{\"body\":\"hi\"}]", true).join();
      // and its broadcasts carry their seq in the ref slot
      assertThat(java.util.List.of(frames.next(), frames.next()))
          .containsExactlyInAnyOrder(
              "[null,\"1\",\"room:smoke\",\"shout\",{\"body\":\"hi\"}]",
              "[\"1\",\"2\",\"room:smoke\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");

      node.destroy(); // SIGTERM
      assertThat(frames.closeCode.get(30, TimeUnit.SECONDS)).isEqualTo(1012);
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("node stops after SIGTERM").isTrue();
      assertThat(Files.readString(log)).doesNotContain("ERROR");
      // the default start warms the JIT up before the public port opens
      assertThat(Files.readString(log)).contains("warm-up: ").contains("deliveries; JIT compiled");
      // HERALD_LOG_FORMAT=json: one JSON object per line, nothing else (log collectors parse each line)
      assertThat(Files.readAllLines(log)).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
    } finally {
      node.destroyForcibly();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static final class Frames implements WebSocket.Listener {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    String next() throws InterruptedException {
      String s = texts.poll(10, TimeUnit.SECONDS);
      assertThat(s).as("a frame within 10 s").isNotNull();
      return s;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        texts.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closeCode.completeExceptionally(error);
    }
  }
}
