package io.herald.loadtest.fanout;

import static io.herald.loadtest.fanout.Report.fmt;
import static io.herald.loadtest.fanout.Report.mib;
import static io.herald.loadtest.fanout.Report.round;

import io.herald.loadtest.fanout.ProcStats.Sample;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code idle --conns N --topics T}: N sockets, socket i joins {@code <prefix>(i mod T)}; then the
 * server's CPU per connect+join, its RSS per idle joined socket after {@code --settle} s, and its idle
 * CPU with heartbeats only over {@code --hold} s. As phx-bench's idle, plus an optional warm-up.
 */
final class IdleRun {
  private final Options o;
  private final ProcStats stats;
  private final PrintStream out;
  private final PrintStream progress;

  IdleRun(Options o, ProcStats stats, PrintStream out, PrintStream progress) {
    this.o = o;
    this.stats = stats;
    this.out = out;
    this.progress = progress;
  }

  Map<String, Object> run() throws InterruptedException {
    int n = o.integer("conns");
    int topics = o.integer("topics");
    int warmup = o.integer("warmup-conns");
    try (Clients clients = new Clients(o, false, progress)) {
      List<InetSocketAddress> sources = Target.sourceAddresses(o.str("src-addrs"), clients.targets, n);
      FanoutBench.checkFdLimits(n, progress, stats);
      out.printf("idle: urls=%s server pids=%s conns=%d topics=%d loops=%d concurrency=%d src-addrs=%d transport=%s loadavg %s%n",
          o.str("url"), stats.serverPids(), n, topics, o.integer("loops"), o.integer("concurrency"),
          Math.max(1, sources.size()), clients.transport(), ProcStats.loadavg());

      if (warmup > 0) {
        progress.printf("warm-up: %d connections opened, joined and closed%n", warmup);
        List<SocketGroup> w = clients.subscriberGroups(sources, 0);
        openAll(w, warmup, topics, "warm-up");
        Counters wc = Counters.sum(w.stream().map(SocketGroup::counters).toList());
        w.forEach(SocketGroup::closeAll);
        out.printf("warm-up: %d/%d joined; %d errors%n", wc.connsJoined(), warmup, errorCount(wc));
        Thread.sleep(Math.round(o.number("settle") * 1000));
      }

      List<SocketGroup> groups = clients.subscriberGroups(sources, o.number("heartbeat"));
      Sample s0 = stats.sample();
      openAll(groups, n, topics, "idle connect+join");
      Sample s1 = stats.sample();
      Counters connect = counters(groups);
      double wall = seconds(s0, s1);
      double cpuConnect = s1.serverCpu() - s0.serverCpu();
      long joined = connect.connsJoined();
      out.printf("connect+join: %d/%d established, %d joined ok (%d join errors, %d connect failures, %d timeouts) in %s s (%s joins/s)%n",
          connect.established(), n, joined, connect.joinErr(), connect.connectFailed(), connect.joinTimeout(),
          fmt(wall, 2), fmt(joined / wall, 0));
      if (!connect.errors().isEmpty()) out.println("  errors: " + Json.write(connect.errors()));
      out.printf("  server CPU during connect+join: %s s = %s us per joined connection; machine busy %s %%; loadavg %s%n",
          fmt(cpuConnect, 2), fmt(cpuConnect * 1e6 / joined, 0), fmt(busyPct(s0, s1), 0), s1.loadavg());

      progress.printf("settling %s s%n", o.str("settle"));
      Thread.sleep(Math.round(o.number("settle") * 1000));
      Sample s2 = stats.sample();
      Counters settled = counters(groups);
      long liveJoined = settled.openJoined();
      long rssDelta = stats.hasServer() ? s2.serverRss() - s0.serverRss() : -1;
      double bytesPerConn = stats.hasServer() && liveJoined > 0 ? (double) rssDelta / liveJoined : Double.NaN;
      out.printf("  server RSS: before %s, after settle %s, delta %s = %s bytes per joined idle connection (%d open and joined); threads %d%n",
          mib(s0.serverRss()), mib(s2.serverRss()), mib(rssDelta), fmt(bytesPerConn, 0), liveJoined, s2.serverThreads());
      if (settled.closedAfterOpen() > 0) {
        out.printf("  WARNING: %d connections were closed by the server after opening%n", settled.closedAfterOpen());
      }

      progress.printf("holding %s s (heartbeats every %s s)%n", o.str("hold"), o.str("heartbeat"));
      Thread.sleep(Math.round(o.number("hold") * 1000));
      Sample s3 = stats.sample();
      Counters held = counters(groups);
      double holdWall = seconds(s2, s3);
      double idleCpu = s3.serverCpu() - s2.serverCpu();
      double idlePct = 100 * idleCpu / holdWall;
      out.printf("idle hold %s s: server CPU %s s = %s %% of one core; heartbeats sent %d, ok %d; still open %d/%d; server RSS %s; loadavg %s%n",
          fmt(holdWall, 1), fmt(idleCpu, 2), fmt(idlePct, 2), held.hbSent() - settled.hbSent(),
          held.hbOk() - settled.hbOk(), held.open(), n, mib(s3.serverRss()), s3.loadavg());
      double clientCpu = s3.selfCpu() - s0.selfCpu();
      out.printf("  client: CPU %s s in total (%s us per connect+join), RSS %s; machine busy during hold %s %%%n",
          fmt(clientCpu, 1), fmt((s1.selfCpu() - s0.selfCpu()) * 1e6 / Math.max(1, joined), 0),
          mib((long) stats.selfRss()), fmt(busyPct(s2, s3), 0));
      groups.forEach(SocketGroup::closeAll);

      Map<String, Object> r = new LinkedHashMap<>();
      r.put("cmd", "idle");
      r.put("conns", n);
      r.put("topics", topics);
      r.put("warmup_conns", warmup);
      r.put("src_addrs", Math.max(1, sources.size()));
      r.put("loops", o.integer("loops"));
      r.put("transport", clients.transport());
      r.put("established", connect.established());
      r.put("joined", joined);
      r.put("open_joined_after_settle", liveJoined);
      r.put("join_errors", connect.joinErr());
      r.put("connect_failures", connect.connectFailed());
      r.put("timeouts", connect.joinTimeout());
      r.put("errors", connect.errors());
      r.put("error_count", errorCount(connect));
      r.put("connect_join_s", round(wall, 3));
      r.put("joins_per_s", round(joined / wall, 1));
      r.put("server_cpu_connect_s", round(cpuConnect, 3));
      r.put("server_cpu_us_per_conn", joined > 0 ? round(cpuConnect * 1e6 / joined, 1) : null);
      r.put("server_rss_before", s0.serverRss());
      r.put("server_rss_after_settle", s2.serverRss());
      r.put("server_rss_after_hold", s3.serverRss());
      r.put("server_rss_delta", rssDelta);
      r.put("bytes_per_conn", Double.isNaN(bytesPerConn) ? null : Math.round(bytesPerConn));
      r.put("server_threads", s2.serverThreads());
      r.put("hold_s", round(holdWall, 3));
      r.put("idle_server_cpu_s", round(idleCpu, 3));
      r.put("idle_server_cpu_pct", round(idlePct, 3));
      r.put("hb_sent", held.hbSent() - settled.hbSent());
      r.put("hb_ok", held.hbOk() - settled.hbOk());
      r.put("open_after_hold", held.open());
      r.put("closed_during_run", held.closedAfterOpen());
      r.put("client_cpu_s", round(clientCpu, 2));
      r.put("client_cpu_connect_s", round(s1.selfCpu() - s0.selfCpu(), 2));
      r.put("machine_busy_pct_connect", round(busyPct(s0, s1), 1));
      r.put("machine_busy_pct_hold", round(busyPct(s2, s3), 1));
      r.put("loadavg", s1.loadavg());
      r.put("loadavg_end", s3.loadavg());
      r.put("ok", joined == n && held.closedAfterOpen() == 0);
      return r;
    }
  }

  static void openAll(List<SocketGroup> groups, int n, int topics, String what) throws InterruptedException {
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) fs.add(groups.get(g).open(Clients.spread(n, topics, g, groups.size())));
    FanoutBench.awaitWithProgress(CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)), groups, n, what);
  }

  static Counters counters(List<SocketGroup> groups) {
    return Counters.sum(groups.stream().map(SocketGroup::counters).toList());
  }

  static long errorCount(Counters c) {
    return c.errors().values().stream().mapToLong(Long::longValue).sum();
  }

  static double seconds(Sample a, Sample b) {
    return (b.nanos() - a.nanos()) / 1e9;
  }

  static double busyPct(Sample a, Sample b) {
    double total = b.machineTotal() - a.machineTotal();
    return total > 0 ? 100 * (b.machineBusy() - a.machineBusy()) / total : Double.NaN;
  }
}
