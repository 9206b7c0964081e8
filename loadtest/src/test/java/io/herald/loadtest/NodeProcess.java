package io.herald.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Herald node as operators run it: the shaded jar in its own JVM, a one-node cluster on loopback
 * with free ports. Its own JVM keeps the node's Netty and Jackson apart from Gatling's.
 */
public final class NodeProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path log;
  private final int httpPort;
  private final int apiPort;

  private NodeProcess(Process process, Path log, int httpPort, int apiPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.apiPort = apiPort;
  }

  /**
   * Starts {@code jar} (run from a copy in {@code workDir}, so a rebuild of the node meanwhile cannot
   * pull it from under the JVM) and waits until its {@code /ready} answers 200.
   */
  public static NodeProcess start(Path jar, Path workDir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath() + " not found: build the node first (mvn -B -q package -DskipTests -pl protocol,node -am)");
    }
    Files.createDirectories(workDir);
    Path copy = Files.copy(jar, workDir.resolve("herald-node.jar"), StandardCopyOption.REPLACE_EXISTING);
    Path log = workDir.resolve("herald-node.log");
    int httpPort = freePort();
    int apiPort = freePort();
    int managementPort = freePort();
    ProcessBuilder builder =
        new ProcessBuilder(
                java(),
                "-Xmx384m",
                "-Dpekko.management.http.bind-hostname=127.0.0.1",
                "-jar",
                copy.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    // only the settings below: a HERALD_API_KEY or HERALD_AUTH_MODE of the caller's shell must not leak in
    env.keySet().removeIf(name -> name.startsWith("HERALD_"));
    env.put("HERALD_HTTP_HOST", "127.0.0.1");
    env.put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    env.put("HERALD_API_HOST", "127.0.0.1");
    env.put("HERALD_API_PORT", Integer.toString(apiPort));
    env.put("HERALD_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("HERALD_CLUSTER_HOST", "127.0.0.1");
    env.put("HERALD_CLUSTER_PORT", Integer.toString(freePort()));
    env.put("HERALD_LINK_PORT", Integer.toString(freePort())); // chosen with the others, not left to 0
    env.put("HERALD_WARM_UP", System.getProperty("herald.warm-up", "false")); // smoke runs check function, not speed
    NodeProcess node = new NodeProcess(builder.start(), log, httpPort, apiPort);
    try {
      node.awaitReady(managementPort);
      return node;
    } catch (IOException | InterruptedException | RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /** The node's process id, for /proc figures. */
  public long pid() {
    return process.pid();
  }

  public String wsUrl() {
    return "ws://127.0.0.1:" + httpPort;
  }

  String apiUrl() {
    return "http://127.0.0.1:" + apiPort;
  }

  String logTail() {
    try {
      var lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void awaitReady(int managementPort) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + "; log:\n" + logTail());
      }
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // the management port binds a few seconds into start-up
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node not ready within " + READY_TIMEOUT + "; log:\n" + logTail());
      }
      Thread.sleep(200);
    }
  }

  /** SIGTERM, as an orchestrator stops a node; killed if it has not stopped within 30 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
