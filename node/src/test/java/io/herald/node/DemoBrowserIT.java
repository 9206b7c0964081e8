package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo page and herald-recovery.js as users get them: a cluster of two shaded-jar processes (node
 * A on embedded defaults, node B with auth required and another socket path), driven by
 * node/src/test/js/recovery.e2e.js (phoenix.js under Node) and demo.e2e.js (two pages in headless
 * Chromium, from Debian's chromium package, with playwright-core).
 *
 * <p>Without a Chromium the browser part is skipped with a message, unless {@code
 * HERALD_BROWSER_TESTS=required} (.ci/run sets it, after installing Chromium). The node keeps history
 * on room:* (issue 18), so a join reply without an epoch fails the recovery assertions
 * ({@code HERALD_REQUIRE_RECOVERY=0} skips them instead, for a server without history).
 */
class DemoBrowserIT {
  private static final Logger log = LoggerFactory.getLogger(DemoBrowserIT.class);

  /** Ports of this test's cluster (node i: WebSocket BASE+10i, API +1; management, remoting below). */
  private static final int HTTP_BASE = 15100;
  private static final int MANAGEMENT_BASE = 15190;
  private static final int REMOTING_BASE = 15180;
  private static final String SOCKET_PATH_B = "/rt";
  private static final String JWT_SECRET_B = "demo-browser-it-secret-0123456789abcdef";
  /** The quick start's JVM options (scripts/java-defaults.sh): two nodes start in seconds on 2 cores. */
  private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms32m", "-Xmx512m");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern SUMMARY = Pattern.compile("^# (tests|pass|fail|cancelled|skipped|todo) (\\d+)$", Pattern.MULTILINE);

  private static final List<Process> nodes = new ArrayList<>();
  private static final List<Path> logs = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    Path jar = Path.of("target", "herald-node.jar");
    assertThat(jar).exists();
    String seed = "127.0.0.1:" + REMOTING_BASE;
    Map<String, String> b = new HashMap<>();
    b.put("HERALD_AUTH_MODE", "required");
    b.put("HERALD_JWT_SECRET", JWT_SECRET_B);
    start(jar, 0, seed, Map.of(), List.of());
    start(jar, 1, seed, b, List.of("-Dherald.http.socket-path=" + SOCKET_PATH_B));
    for (int i = 0; i < nodes.size(); i++) {
      awaitReady(i);
    }
  }

  /** Killed, not stopped: a graceful leave costs seconds, and JarSmokeIT is the test of SIGTERM. */
  @AfterAll
  static void stopCluster() throws InterruptedException {
    for (Process node : nodes) {
      node.destroyForcibly();
    }
    for (Process node : nodes) {
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void recoveryModuleWithPhoenixJs() {
    Map<String, String> env = env();
    env.put("HERALD_WS_URL", "ws://127.0.0.1:" + HTTP_BASE + "/socket");
    check(PhoenixJsCompatibilityTest.run(jsDir(), "recovery.e2e.js", env), 4);
  }

  @Test
  void demoPagesInChromiumOnTwoNodes() {
    Path chromium = chromium();
    Map<String, String> env = env();
    env.put("HERALD_CHROMIUM", chromium.toString());
    env.put("HERALD_DEMO_URL_A", "http://127.0.0.1:" + HTTP_BASE + "/");
    env.put("HERALD_DEMO_URL_B", "http://127.0.0.1:" + (HTTP_BASE + 10) + "/");
    env.put("HERALD_DEMO_JWT_SECRET_B", JWT_SECRET_B);
    env.put("HERALD_SCREENSHOTS", Path.of("target", "demo-screenshots").toAbsolutePath().toString());
    check(PhoenixJsCompatibilityTest.run(jsDir(), "demo.e2e.js", env), 3);
  }

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    String require = System.getenv("HERALD_REQUIRE_RECOVERY");
    env.put("HERALD_REQUIRE_RECOVERY", require == null ? "1" : require);
    return env;
  }

  /** Exit 0, no failure, every test run; a skipped one (recovery without server support) is logged. */
  private static void check(PhoenixJsCompatibilityTest.FileRun run, int expected) {
    String context = run.file() + " (exit " + run.exitCode() + ", " + run.millis() + " ms), output:\n" + run.output();
    Map<String, Integer> summary = new HashMap<>();
    Matcher m = SUMMARY.matcher(run.output());
    while (m.find()) {
      summary.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    assertThat(run.exitCode()).as("exit code of node --test %s", context).isNotNull().isZero();
    assertThat(summary).as("TAP summary of %s", context).containsEntry("tests", expected).containsEntry("fail", 0).containsEntry("cancelled", 0);
    run.output().lines().filter(l -> l.contains("# SKIP")).forEach(l -> log.warn("{}: {}", run.file(), l.trim()));
    log.info("{}: {} passed, {} skipped in {} ms", run.file(), summary.get("pass"), summary.get("skipped"), run.millis());
  }

  private static Path jsDir() {
    Path dir = PhoenixJsCompatibilityTest.jsDir();
    assertThat(dir.resolve("node_modules/playwright-core")).as("playwright-core in %s (npm ci)", dir).isDirectory();
    return dir;
  }

  /** HERALD_CHROMIUM, else Debian's /usr/bin/chromium; none: skipped, or failed where required. */
  private static Path chromium() {
    String configured = System.getenv("HERALD_CHROMIUM");
    Path path = Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
    boolean required = "required".equals(System.getenv("HERALD_BROWSER_TESTS"));
    String missing = "no Chromium at " + path + " (apt-get install chromium, or set HERALD_CHROMIUM): the demo's browser test did not run";
    if (required) {
      assertThat(Files.isExecutable(path)).as(missing).isTrue();
    } else {
      Assumptions.assumeTrue(Files.isExecutable(path), missing);
    }
    return path;
  }

  private static void start(Path jar, int i, String seed, Map<String, String> settings, List<String> systemProperties) throws IOException {
    Path logFile = Path.of("target", "demo-node-" + i + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(systemProperties);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
    Map<String, String> env = pb.environment();
    env.put("HERALD_HTTP_HOST", "127.0.0.1");
    env.put("HERALD_HTTP_PORT", Integer.toString(HTTP_BASE + 10 * i));
    env.put("HERALD_API_HOST", "127.0.0.1");
    env.put("HERALD_API_PORT", Integer.toString(HTTP_BASE + 10 * i + 1));
    env.put("HERALD_MANAGEMENT_PORT", Integer.toString(MANAGEMENT_BASE + i));
    env.put("HERALD_CLUSTER_HOST", "127.0.0.1");
    env.put("HERALD_CLUSTER_PORT", Integer.toString(REMOTING_BASE + i));
    env.put("HERALD_SEED_NODES", seed);
    env.put("HERALD_WARM_UP", "false");
    env.putAll(settings);
    nodes.add(pb.start());
    logs.add(logFile);
  }

  /** GET /ready answers 200 once the node is an Up member with its public port bound. */
  private static void awaitReady(int i) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI ready = URI.create("http://127.0.0.1:" + (MANAGEMENT_BASE + i) + "/ready");
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      assertThat(nodes.get(i).isAlive()).as("node %d exited; log: %s", i, Files.readString(logs.get(i))).isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("node %d not ready in %s; log: %s", i, READY_TIMEOUT, Files.readString(logs.get(i))).isLessThan(deadline);
      Thread.sleep(200);
    }
  }
}
