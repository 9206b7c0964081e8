package io.herald.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Every simulation, run for a few seconds with a handful of users against a real node, must pass its
 * own assertions: a change to Herald's protocol, or to a simulation, that breaks a load test breaks
 * the build instead of the next load test.
 *
 * <p>The node is the shaded jar in its own JVM ({@link NodeProcess}); each simulation runs in another
 * JVM through Gatling's command line, as {@code mvn gatling:test} runs it, with the same
 * {@code -D} parameters a user would pass. Exit code 0 means every assertion held, 2 that one failed.
 *
 * <p>The time bounds here are liveness bounds (a reply or a broadcast arrived at all), far above what
 * loopback needs: measuring performance is what the full runs are for. The runs use distinct topics
 * and go in parallel: each is mostly waiting, and a Gatling JVM takes seconds to start.
 */
@Execution(ExecutionMode.CONCURRENT)
class SimulationSmokeIT {
  private static final int ASSERTIONS_FAILED = 2;
  private static final Path WORK = Path.of(System.getProperty("herald.smoke.dir", "target/gatling-smoke"));

  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    Path jar = Path.of(System.getProperty("herald.node.jar", "../node/target/herald-node.jar"));
    node = NodeProcess.start(jar, WORK);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void connectJoinSimulationPassesItsAssertions() throws Exception {
    GatlingRun run =
        gatling("connect-join", ConnectJoinSimulation.class, Map.of(
            "users", "5", "rampSeconds", "1", "durationSeconds", "2", "heartbeatSeconds", "0.5"));
    assertThat(run.exitCode).as(run.describe()).isZero();
    assertThat(run.output).contains("heartbeat reply: 99th percentile");
  }

  @Test
  void chatRoomSimulationPassesItsAssertions() throws Exception {
    GatlingRun run =
        gatling("chat-room", ChatRoomSimulation.class, Map.of(
            "users", "12", "roomSize", "4", "rampSeconds", "1", "durationSeconds", "2", "postSeconds", "0.5",
            "maxDeliveryMs", "4000"));
    assertThat(run.exitCode).as(run.describe()).isZero();
    assertThat(run.output).contains("shout reply: 99th percentile");
    // every user checked every post of its room, its own included, and they all arrived
    assertThat(run.output).contains("all broadcasts received: count of successful events is greater than or equal to 1.0 : true");
    assertThat(run.output).containsPattern("chat room deliveries: receivers checked=12 failed=0; deliveries expected=[1-9][0-9]{2,} missing=0 late=0 duplicate=0");
  }

  @Test
  void broadcastSimulationPassesItsAssertions() throws Exception {
    GatlingRun run =
        gatling("broadcast", BroadcastSimulation.class, Map.of(
            "users", "10",
            "rampSeconds", "1",
            "settleSeconds", "0.5",
            "durationSeconds", "5",
            "publishRate", "10",
            "heartbeatSeconds", "0.25",
            "maxDeliveryMs", "4000"));
    assertThat(run.exitCode).as(run.describe()).isZero();
    // about 50 broadcasts, each reached all 10 receivers
    assertThat(run.output).contains("all broadcasts received: count of successful events is greater than or equal to 1.0 : true");
    assertThat(run.output).containsPattern(Pattern.compile(
        "broadcast deliveries: receivers checked=10 failed=0; deliveries expected=[1-9][0-9]{2,} missing=0 late=0 duplicate=0"));
  }

  /** A misspelt parameter stops the run before it starts, instead of running the default load. */
  @Test
  void aMisspeltParameterStopsTheRun() throws Exception {
    GatlingRun run = gatling("misspelt", ConnectJoinSimulation.class, Map.of("user", "2", "rampSeconds", "1"));
    assertThat(run.exitCode).as(run.describe()).isNotZero();
    assertThat(run.output).contains("-Duser is not a parameter of ConnectJoinSimulation; did you mean -Dusers?");
  }

  /** The harness itself: a run whose checks fail must fail, or every test above would pass vacuously. */
  @Test
  void refusedJoinsFailTheRun() throws Exception {
    GatlingRun run =
        gatling("refused-joins", ConnectJoinSimulation.class, Map.of(
            // no channel handler matches: every join is answered with an error
            "topicPrefix", "unrouted:",
            "users", "2", "rampSeconds", "1", "durationSeconds", "1", "heartbeatSeconds", "0.25"));
    assertThat(run.exitCode).as(run.describe()).isEqualTo(ASSERTIONS_FAILED);
    assertThat(run.output).contains("join reply");
  }

  private static GatlingRun gatling(String label, Class<?> simulation, Map<String, String> parameters)
      throws IOException, InterruptedException {
    Map<String, String> all = new TreeMap<>(parameters);
    all.put("wsUrl", node.wsUrl());
    all.put("apiUrl", node.apiUrl());
    all.put("maxFailedPercent", "0");
    all.put("timeoutSeconds", "10");
    all.put("p95Ms", "10000");
    all.put("p99Ms", "10000");

    List<String> command = new ArrayList<>();
    command.add(NodeProcess.java());
    command.add("-Xmx256m");
    // a few seconds of load: compiling for peak speed would cost more than it saves
    command.add("-XX:TieredStopAtLevel=1");
    // what Gatling needs on Java 17 (the Maven plugin passes the same)
    command.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    command.add("--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED");
    command.add("-cp");
    command.add(testClasspath());
    all.forEach((name, value) -> command.add("-D" + name + "=" + value));
    command.add("io.gatling.app.Gatling");
    command.addAll(List.of("-s", simulation.getName(), "-rf", WORK.toAbsolutePath().toString(), "-nr"));

    Path output = WORK.resolve(label + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError(label + " still running after 90 s; output in " + output);
      }
    } finally {
      process.destroyForcibly();
    }
    return new GatlingRun(process.exitValue(), Files.readString(output), node.logTail());
  }

  /** The classpath this test runs with: Gatling, its dependencies and the compiled simulations. */
  private static String testClasspath() {
    // Surefire and Failsafe put it here even when they start the JVM from a manifest-only jar
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    assertThat(classpath).as("test classpath").contains("gatling-app");
    return classpath;
  }

  private record GatlingRun(int exitCode, String output, String nodeLog) {
    String describe() {
      return "Gatling exited with " + exitCode + "\n---- Gatling output ----\n" + output
          + "\n---- node log (tail) ----\n" + nodeLog;
    }
  }
}
