package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.herald.node.channel.ChannelRoutes;
import io.herald.node.compat.CompatHandler;
import io.herald.node.compat.PresenceTestHandler;
import io.herald.protocol.TopicPattern;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the unmodified {@code phoenix} npm client (node/src/test/js, Node's built-in test runner)
 * against a real node in this JVM, over real WebSockets on loopback. Each JavaScript file is one
 * {@code node --test} run; each of its tests becomes a JUnit test, so a report names the failing
 * JavaScript test. Topics: {@code compat:*} is {@link CompatHandler}, {@code presence:*}
 * {@link PresenceTestHandler}, {@code room:*} the default broadcast handler (presence on).
 */
final class PhoenixJsCompatibilityTest {
  private static final Logger log = LoggerFactory.getLogger(PhoenixJsCompatibilityTest.class);

  /**
   * The JavaScript files and how many tests each must report: a file that silently runs fewer
   * (a test dropped, a describe that never ran) fails here. Update when adding a test.
   */
  private static final Map<String, Integer> FILES = new LinkedHashMap<>();

  static {
    FILES.put("channels.test.js", 11);
    FILES.put("reconnect.test.js", 3);
    FILES.put("v1.test.js", 4);
    FILES.put("binary.test.js", 3);
    FILES.put("malformed.test.js", 3);
    FILES.put("pipelining.test.js", 3);
    FILES.put("auth.test.js", 4);
    FILES.put("reserved.test.js", 4);
    FILES.put("presence.test.js", 8);
    FILES.put("longpoll.test.js", 5);
  }

  /** A hung file is killed after this; a healthy one takes under 10 seconds. */
  private static final Duration FILE_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern RESULT = Pattern.compile("^(not ok|ok) (\\d+) - (.*?)(?: # (SKIP|TODO)\\b.*)?$");
  private static final Pattern SUMMARY = Pattern.compile("^# (tests|pass|fail|cancelled|skipped|todo) (\\d+)$");

  private static final String AUTH_SECRET = "phoenix-js-compat-secret-0123456789abcdef";

  private static HeraldNode node;
  /** A second node with auth required, for auth.test.js. */
  private static HeraldNode authNode;

  @BeforeAll
  static void startNode() throws Exception {
    node =
        TestNode.start(
            List.of(
                new ChannelRoutes.Route(TopicPattern.parse("compat:*"), new CompatHandler()),
                new ChannelRoutes.Route(TopicPattern.parse("presence:*"), new PresenceTestHandler())),
            TestNode.fastClients(TestNode.PRESENCE_ROOMS));
    Map<String, Object> auth = new HashMap<>(TestNode.PRESENCE_ROOMS);
    auth.putAll(Map.of("herald.auth.mode", "required", "herald.auth.jwt.hmac-secret", AUTH_SECRET));
    authNode = TestNode.start(List.of(), auth);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
    if (authNode != null) {
      authNode.close();
    }
  }

  @TestFactory
  Stream<DynamicNode> phoenixJsClient() {
    Path dir = jsDir();
    return FILES.entrySet().stream()
        .map(e -> DynamicContainer.dynamicContainer(
            e.getKey(),
            // lazy: the file runs when JUnit reaches its container
            Stream.of(e.getKey()).flatMap(file -> run(dir, file, env()).tests(e.getValue()))));
  }

  private static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HERALD_WS_URL", TestNode.endpoint(node));
    env.put("HERALD_API_URL", "http://127.0.0.1:" + node.apiPort());
    env.put("HERALD_AUTH_WS_URL", TestNode.endpoint(authNode));
    env.put("HERALD_AUTH_API_URL", "http://127.0.0.1:" + authNode.apiPort());
    env.put("HERALD_AUTH_SECRET", AUTH_SECRET);
    return env;
  }

  /** node/src/test/js: from the pom's HERALD_JS_TESTS, else relative to the module or the repository. */
  static Path jsDir() {
    String configured = System.getenv("HERALD_JS_TESTS");
    Path dir =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Stream.of(Path.of("src/test/js"), Path.of("node/src/test/js"))
                .filter(Files::isDirectory)
                .findFirst()
                .orElse(Path.of("src/test/js"));
    assertThat(dir.resolve("node_modules/phoenix"))
        .as("the phoenix npm client in %s (the build runs `npm ci` there in generate-test-resources)", dir.toAbsolutePath())
        .isDirectory();
    return dir.toAbsolutePath();
  }

  /** Runs {@code node --test} on {@code file} with {@code env} (the nodes' URLs) and parses its TAP output. */
  static FileRun run(Path dir, String file, Map<String, String> env) {
    List<String> command = List.of("node", "--test", "--test-reporter=tap", file);
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    long start = System.nanoTime();
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start `node` (Node 20+ must be on the PATH)", e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // drained on its own thread so a chatty run never blocks on a full pipe
    Thread reader = new Thread(() -> copy(process.getInputStream(), out), "node-output-" + file);
    reader.setDaemon(true);
    reader.start();
    boolean exited;
    try {
      exited = process.waitFor(FILE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + file, e);
    }
    String output = out.toString(StandardCharsets.UTF_8);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    FileRun result = new FileRun(file, exited ? process.exitValue() : null, output, millis);
    // t.diagnostic() lines: observations a passing test still wants seen (e.g. divergences from Phoenix)
    output.lines()
        .filter(l -> l.startsWith("# ") && !l.startsWith("# Subtest:") && !SUMMARY.matcher(l).matches()
            && !l.startsWith("# duration_ms") && !l.startsWith("# suites"))
        .forEach(l -> log.warn("{}: {}", file, l.substring(2)));
    if (result.exitCode() == null || result.exitCode() != 0) {
      log.error("{} failed (exit {}, {} ms):\n{}", file, result.exitCode(), millis, output);
    } else {
      log.info("{}: exit 0 in {} ms", file, millis);
      log.debug("{} output:\n{}", file, output);
    }
    return result;
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n); // ByteArrayOutputStream is synchronized
      }
    } catch (IOException e) {
      // the process was killed; what was read so far is reported
    }
  }

  /** One {@code node --test} run and its TAP output. */
  record FileRun(String file, Integer exitCode, String output, long millis) {

    /** A test for the run as a whole, then one per JavaScript test it reported. */
    Stream<DynamicTest> tests(int expected) {
      List<DynamicTest> tests = new ArrayList<>();
      Map<String, Integer> summary = new HashMap<>();
      List<String> lines = output.lines().toList();
      List<DynamicTest> perTest = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        Matcher summaryLine = SUMMARY.matcher(line);
        if (summaryLine.matches()) {
          summary.put(summaryLine.group(1), Integer.parseInt(summaryLine.group(2)));
          continue;
        }
        Matcher result = RESULT.matcher(line);
        if (!result.matches()) {
          continue;
        }
        boolean ok = result.group(1).equals("ok") && result.group(4) == null;
        String name = result.group(3).replace("\\#", "#");
        String details = details(lines, i + 1);
        perTest.add(DynamicTest.dynamicTest(name, () -> {
          if (!ok) {
            fail("%s: %s%n%s", file, line, details);
          }
        }));
      }
      tests.add(DynamicTest.dynamicTest(
          "node exits 0 with " + expected + " passing tests",
          () -> {
            String context = file + " (exit " + exitCode + ", " + millis + " ms), output:\n" + output;
            assertThat(exitCode).as("exit code of node --test %s", context).isNotNull().isZero();
            assertThat(summary)
                .as("TAP summary of %s", context)
                .containsEntry("tests", expected)
                .containsEntry("pass", expected)
                .containsEntry("fail", 0)
                .containsEntry("cancelled", 0)
                .containsEntry("skipped", 0)
                .containsEntry("todo", 0);
          }));
      tests.addAll(perTest);
      return tests.stream();
    }

    /** The indented YAML block (error, expected, actual, stack) that follows a TAP result line. */
    private static String details(List<String> lines, int from) {
      StringBuilder sb = new StringBuilder();
      for (int i = from; i < lines.size() && lines.get(i).startsWith(" "); i++) {
        sb.append(lines.get(i)).append('\n');
      }
      return sb.toString();
    }
  }
}
