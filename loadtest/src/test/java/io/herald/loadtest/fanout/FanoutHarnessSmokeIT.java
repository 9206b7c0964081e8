package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.loadtest.NodeProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Short runs of the fan-out harness against a real node (the shaded jar in its own JVM, as
 * {@code SimulationSmokeIT} starts it), so that a change to Herald or to the harness that breaks the
 * measurement breaks the build. Asserts what must hold at any speed: every delivery arrives, in order,
 * and the server's /proc figures are read; no timing.
 */
class FanoutHarnessSmokeIT {
  private static final Path WORK = Path.of(System.getProperty("herald.fanout.smoke.dir", "target/fanout-smoke"));
  private static final ObjectMapper JSON = new ObjectMapper();

  private static AutoCloseable node;
  private static String url;
  private static long pid;

  @BeforeAll
  static void startNode() throws Exception {
    Path jar = Path.of(System.getProperty("herald.node.jar", "../node/target/herald-node.jar"));
    Files.createDirectories(WORK);
    NodeProcess started = NodeProcess.start(jar, WORK);
    node = started;
    url = started.wsUrl() + "/socket/websocket?vsn=2.0.0";
    pid = started.pid();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) node.close();
  }

  @Test
  void fanoutDeliversEveryBroadcastInOrderAndMeasuresTheServer() throws Exception {
    Path csv = WORK.resolve("fanout.csv");
    Files.deleteIfExists(csv);
    Run run = run("fanout", "--subs", "100", "--rooms", "10", "--rate", "50", "--seconds", "2",
        "--settle", "0", "--drain-idle", "3", "--heartbeat", "1", "--csv", csv.toString());
    JsonNode step = run.json.get("steps").get(0);
    assertThat(run.json.get("subs_joined").asLong()).as(run.text).isEqualTo(100);
    assertThat(step.get("sent").asLong()).as(run.text).isEqualTo(100);
    // every message reaches the 10 subscribers of its room, and comes back to the publisher
    assertThat(step.get("expected").asLong()).as(run.text).isEqualTo(1000);
    assertThat(step.get("received").asLong()).as(run.text).isEqualTo(1000);
    assertThat(step.get("delivery_ratio").asDouble()).as(run.text).isEqualTo(1.0);
    assertThat(step.get("echoes_to_publisher").asLong()).as(run.text).isEqualTo(100);
    assertThat(step.get("order_violations").asLong()).as(run.text).isZero();
    assertThat(step.get("stale").asLong()).as(run.text).isZero();
    assertThat(step.get("latency_ms").get("n").asLong()).isEqualTo(1000);
    assertThat(step.get("latency_ms").get("negative").asLong()).as("one clock for send and receive").isZero();
    assertThat(step.get("push_replies_ok").asLong()).as(run.text).isEqualTo(100);
    assertThat(step.get("server_cpu_s").asDouble()).as("server CPU from /proc/%d/stat", pid).isPositive();
    assertThat(step.get("error_count").asLong()).as(run.text).isZero();
    assertThat(run.text).contains("deliveries: expected 1000, received 1000 (100.000 %)");
    assertThat(Files.readAllLines(csv)).as("header and one row").hasSize(2);
  }

  @Test
  void idleJoinsEverySocketHeartbeatsAndMeasuresTheServer() throws Exception {
    Run run = run("idle", "--conns", "50", "--topics", "5", "--settle", "0.5", "--hold", "2.2", "--heartbeat", "1");
    JsonNode r = run.json;
    assertThat(r.get("joined").asLong()).as(run.text).isEqualTo(50);
    assertThat(r.get("open_after_hold").asLong()).as(run.text).isEqualTo(50);
    assertThat(r.get("hb_sent").asLong()).as(run.text).isPositive();
    // Both are counted over the hold: replies to heartbeats sent just before it count in hb_ok and not in
    // hb_sent (on a busy machine, up to one per socket), so ok may pass sent by at most the sockets.
    assertThat(r.get("hb_ok").asLong()).as(run.text).isPositive().isLessThanOrEqualTo(r.get("hb_sent").asLong() + 50);
    assertThat(r.get("server_cpu_connect_s").asDouble()).isPositive();
    assertThat(r.get("server_rss_after_settle").asLong()).isPositive();
    assertThat(r.get("ok").asBoolean()).as(run.text).isTrue();
  }

  /** A run whose joins are refused must say so, or the checks above could pass on nothing. */
  @Test
  void refusedJoinsAreCountedByKindAndFailTheRun() throws Exception {
    Run run = run("fanout", "--subs", "4", "--topics", "2", "--prefix", "unrouted:", "--rate", "10",
        "--seconds", "0.3", "--settle", "0", "--drain-idle", "0.5");
    assertThat(run.json.get("subs_joined").asLong()).isZero();
    assertThat(run.json.get("errors").get("join:unmatched topic").asLong()).as(run.text).isEqualTo(4 + 2);
    assertThat(run.json.get("steps").get(0).get("received").asLong()).isZero();
    assertThat(run.json.get("ok").asBoolean()).isFalse();
  }

  private static Run run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url, "--pid", Long.toString(pid)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Map<String, Object> result = FanoutBench.run(Options.parse(all.toArray(String[]::new)), out, System.err);
    String text = bytes.toString(StandardCharsets.UTF_8);
    String[] lines = text.strip().split("\n");
    JsonNode json = JSON.readTree(lines[lines.length - 1]);
    assertThat(json.get("cmd").asText()).isEqualTo(result.get("cmd"));
    return new Run(text, json);
  }

  private record Run(String text, JsonNode json) {}
}
