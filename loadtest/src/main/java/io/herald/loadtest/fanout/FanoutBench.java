package io.herald.loadtest.fanout;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Herald's fan-out latency harness: {@code idle} and {@code fanout}, the scenarios of
 * {@code shared/bench/phx-bench.js} with the same flags and figures, on a Netty client with few
 * threads so that the harness takes less of a shared machine than the Node one.
 *
 * <p>Human-readable lines go to stdout, progress to stderr, and the last stdout line is one JSON object
 * with every figure; {@code --csv FILE} appends one row per measurement. Exit code 0 when the run
 * worked (idle: every socket joined and stayed; fanout: every step received deliveries), 1 when not,
 * 2 for a bad command line, 3 when {@code --max-run} passed.
 */
public final class FanoutBench {
  private FanoutBench() {}

  public static void main(String[] args) {
    if (args.length > 0 && List.of("-h", "--help", "help").contains(args[0])) {
      System.out.print(Options.usage());
      return;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("herald-fanout: " + e.getMessage() + "\n\n" + Options.usage());
      System.exit(2);
      return;
    }
    Thread guard = new Thread(() -> {
      try {
        Thread.sleep(Math.round(o.number("max-run") * 1000));
        System.err.println("herald-fanout: --max-run " + o.str("max-run") + " s exceeded, exiting");
        System.exit(3);
      } catch (InterruptedException done) {
        // the run ended first
      }
    }, "max-run");
    guard.setDaemon(true);
    guard.start();
    int code;
    try {
      Map<String, Object> result = run(o, System.out, System.err);
      code = Boolean.TRUE.equals(result.get("ok")) ? 0 : 1;
    } catch (IllegalArgumentException e) {
      System.err.println("herald-fanout: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command; prints the report and the JSON line to {@code out}, and returns the JSON's map. */
  static Map<String, Object> run(Options o, PrintStream out, PrintStream progress) throws InterruptedException {
    ProcStats stats = new ProcStats(o.serverPids(), ProcStats.clockTicksPerSecond());
    if (!stats.hasServer()) progress.println("WARNING: no --pid: server CPU/RSS figures will be n/a");
    Map<String, Object> head = new LinkedHashMap<>();
    head.put("cmd", o.command());
    head.put("harness", "herald-fanout");
    head.put("label", o.str("label"));
    head.put("server_build", o.str("server-build"));
    head.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    head.put("urls", o.str("url"));
    head.put("server_pids", stats.serverPids().stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse(""));
    head.put("server_comm", stats.serverPids().stream().map(stats::comm).toList());
    head.put("concurrency", o.integer("concurrency"));
    head.put("heartbeat_s", o.number("heartbeat"));
    head.put("ncpu", Runtime.getRuntime().availableProcessors());

    Map<String, Object> body = o.command().equals("idle")
        ? new IdleRun(o, stats, out, progress).run()
        : new FanoutRun(o, stats, out, progress).run();
    Map<String, Object> result = new LinkedHashMap<>(head);
    result.putAll(body);
    out.println(Json.write(result));
    if (o.isSet("csv")) {
      Map<String, Object> common = new LinkedHashMap<>(result);
      common.put("conns", result.getOrDefault("conns", result.get("subs")));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> rows = result.containsKey("steps")
          ? (List<Map<String, Object>>) result.get("steps")
          : List.of(result);
      Report.appendCsv(Path.of(o.str("csv")), common, rows);
    }
    return result;
  }

  /** Refuses to start when this process may not open the sockets it needs (one descriptor each). */
  static void checkFdLimits(int sockets, PrintStream progress, ProcStats stats) {
    long mine = ProcStats.maxOpenFiles("self");
    if (mine >= 0 && mine < sockets + 100L) {
      throw new IllegalArgumentException("this run needs ~" + (sockets + 100) + " file descriptors but the limit is "
          + mine + ": raise 'ulimit -n' (scripts/fanout.sh raises it to the hard limit) or open fewer sockets");
    }
    for (long pid : stats.serverPids()) {
      long server = ProcStats.maxOpenFiles(Long.toString(pid));
      if (server >= 0 && server < sockets / Math.max(1, stats.serverPids().size()) + 100L) {
        progress.printf("WARNING: server pid %d may open %d files, fewer than its share of %d sockets%n", pid, server, sockets);
      }
    }
  }

  /** Waits for {@code done}, printing how far the opening got every 2 s. */
  static void awaitWithProgress(CompletableFuture<?> done, List<SocketGroup> groups, int total, String what)
      throws InterruptedException {
    long start = System.nanoTime();
    while (true) {
      try {
        done.get(2, TimeUnit.SECONDS);
        return;
      } catch (TimeoutException stillOpening) {
        List<Counters> cs = new ArrayList<>();
        for (SocketGroup g : groups) cs.add(g.counters());
        Counters c = Counters.sum(cs);
        System.err.printf("[%s] %s: %d/%d established, %d joined, %d failed (%d s)%n",
            LocalTime.now().truncatedTo(ChronoUnit.SECONDS), what, c.established(), total, c.connsJoined(),
            c.connectFailed() + c.joinTimeout(), (System.nanoTime() - start) / 1_000_000_000L);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
  }
}
