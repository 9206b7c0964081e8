package io.herald.examples.game;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The example as a user runs it: the node's shaded jar and this module's jar on one class path, in a
 * JVM of their own, configured by game.conf, and the unmodified phoenix.js client (src/test/js) playing
 * against it. Paths come from the pom (failsafe's system properties).
 */
class GameNodeIT {
  private static final Logger log = LoggerFactory.getLogger(GameNodeIT.class);
  /** game.test.js's test count: a file that silently runs fewer fails here. */
  private static final int JS_TESTS = 4;

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  /** A healthy run takes a few seconds; a hung one is killed after this. */
  private static final Duration JS_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern SUMMARY = Pattern.compile("(?m)^# (pass|fail) (\\d+)$");

  private Process node;
  private Path nodeLog;

  @AfterEach
  void stopNode() throws InterruptedException {
    if (node != null) {
      node.destroy(); // SIGTERM, as an operator stops it
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void phoenixJsPlaysTheGameOnANodeWithTheExampleOnItsClassPath() throws Exception {
    Path nodeJar = existing("herald.node.jar");
    Path examplesJar = existing("herald.examples.jar");
    Path config = existing("herald.examples.config");
    Path js = existing("herald.examples.js");
    assertThat(js.resolve("node_modules/phoenix"))
        .as("the phoenix npm client (the build runs `npm ci` in %s in generate-test-resources)", js)
        .isDirectory();

    int httpPort = freePort();
    int managementPort = freePort();
    nodeLog = Files.createTempFile("herald-game-node", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dconfig.file=" + config,
                "-Dpekko.management.http.bind-hostname=127.0.0.1",
                "-cp",
                nodeJar + File.pathSeparator + examplesJar,
                "io.herald.node.HeraldNode")
            .redirectErrorStream(true)
            .redirectOutput(nodeLog.toFile());
    Map<String, String> env = builder.environment();
    // only the settings below: a HERALD_API_KEY or HERALD_AUTH_MODE of the caller's shell must not leak in
    env.keySet().removeIf(name -> name.startsWith("HERALD_"));
    env.put("HERALD_HTTP_HOST", "127.0.0.1");
    env.put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    env.put("HERALD_API_HOST", "127.0.0.1");
    env.put("HERALD_API_PORT", Integer.toString(freePort()));
    env.put("HERALD_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("HERALD_CLUSTER_HOST", "127.0.0.1");
    env.put("HERALD_CLUSTER_PORT", Integer.toString(freePort()));
    env.put("HERALD_LINK_PORT", Integer.toString(freePort())); // chosen with the others, not left to 0
    env.put("HERALD_WARM_UP", "false"); // this test checks behaviour, not the first user's latency
    long start = System.nanoTime();
    node = builder.start();
    awaitReady(managementPort);
    long ready = System.nanoTime();
    JsRun run = runJs(js, "ws://127.0.0.1:" + httpPort + "/socket/websocket");
    log.info(
        "node ready after {} ms, phoenix.js run took {} ms",
        TimeUnit.NANOSECONDS.toMillis(ready - start),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ready));
    String report = "node --test output:\n" + run.output + "\nnode log:\n" + Files.readString(nodeLog);
    assertThat(run.exitCode).as(report).isEqualTo(0);
    Matcher summary = SUMMARY.matcher(run.output);
    int pass = -1;
    int fail = -1;
    while (summary.find()) {
      int count = Integer.parseInt(summary.group(2));
      if (summary.group(1).equals("pass")) {
        pass = count;
      } else {
        fail = count;
      }
    }
    assertThat(pass).as(report).isEqualTo(JS_TESTS);
    assertThat(fail).as(report).isZero();
    // the handler's refusals are replies, not crashes
    assertThat(Files.readString(nodeLog)).as(report).doesNotContain("crashed").doesNotContain("ERROR");
  }

  private void awaitReady(int managementPort) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      assertThat(node.isAlive()).as("node exited early; log:\n%s", Files.readString(nodeLog)).isTrue();
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // the management port binds a few seconds into start-up
      }
      assertThat(System.nanoTime())
          .as("node not ready within %s; log:\n%s", READY_TIMEOUT, Files.readString(nodeLog))
          .isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private record JsRun(Integer exitCode, String output) {}

  private static JsRun runJs(Path dir, String wsUrl) throws InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(List.of("node", "--test", "--test-reporter=tap", "game.test.js"))
            .directory(dir.toFile())
            .redirectErrorStream(true);
    builder.environment().put("HERALD_WS_URL", wsUrl);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start `node` (Node 20+ must be on the PATH)", e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // drained on its own thread so a chatty run never blocks on a full pipe
    Thread reader = new Thread(() -> copy(process.getInputStream(), out), "node-test-output");
    reader.setDaemon(true);
    reader.start();
    boolean exited = process.waitFor(JS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (!exited) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    return new JsRun(exited ? process.exitValue() : null, out.toString(StandardCharsets.UTF_8));
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try (in) {
      in.transferTo(out);
    } catch (IOException e) {
      // the process was killed; what was read is reported
    }
  }

  private static Path existing(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property %s (set by examples/pom.xml's failsafe configuration)", property).isNotBlank();
    Path path = Path.of(value).toAbsolutePath();
    assertThat(path).as("%s; build the node first (mvn -B package -DskipTests -pl node -am)", property).exists();
    return path;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
