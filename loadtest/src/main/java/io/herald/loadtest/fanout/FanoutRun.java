package io.herald.loadtest.fanout;

import static io.herald.loadtest.fanout.IdleRun.busyPct;
import static io.herald.loadtest.fanout.IdleRun.counters;
import static io.herald.loadtest.fanout.IdleRun.errorCount;
import static io.herald.loadtest.fanout.IdleRun.seconds;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * {@code fanout --subs S --topics T --rate R[,R2...]} (or {@code --rooms T --room-size S/T}): S
 * subscribers, subscriber i in {@code <prefix>(i mod T)}; a publisher that joined every topic pushes at
 * R messages/s round-robin over the topics for {@code --seconds}; per step: delivery ratio, latency of
 * every delivery, order violations, server CPU per 1M deliveries. The semantics of phx-bench's fanout:
 * a delivery is a broadcast received by a subscriber; the copy the server sends back to the publisher
 * (broadcasts include the sender) is its work too, counted apart as {@code echoes_to_publisher}.
 */
final class FanoutRun {
  private final Options o;
  private final ProcStats stats;
  private final PrintStream out;
  private final PrintStream progress;

  FanoutRun(Options o, ProcStats stats, PrintStream out, PrintStream progress) {
    this.o = o;
    this.stats = stats;
    this.out = out;
    this.progress = progress;
  }

  Map<String, Object> run() throws InterruptedException {
    int topics = o.isSet("rooms") ? o.integer("rooms") : o.isSet("topics") ? o.integer("topics") : 1;
    int subs;
    if (o.isSet("subs")) {
      subs = o.integer("subs");
    } else if (o.isSet("room-size")) {
      subs = topics * o.integer("room-size");
    } else {
      throw new IllegalArgumentException("fanout needs --subs or --room-size");
    }
    if (o.isSet("rooms") && o.isSet("topics")) throw new IllegalArgumentException("--rooms and --topics are the same");
    List<Double> rates = o.numbers("rate");
    int per = Math.max(1, o.integer("pub-topics-per-conn"));
    int pubConns = (topics + per - 1) / per;

    try (Clients clients = new Clients(o, true, progress)) {
      List<InetSocketAddress> sources = Target.sourceAddresses(o.str("src-addrs"), clients.targets, subs + pubConns);
      FanoutBench.checkFdLimits(subs + pubConns, progress, stats);
      out.printf("fanout: urls=%s server pids=%s subs=%d topics=%d (%s per topic) rates=%s msg/s seconds=%s size=%d "
              + "loops=%d+1 publisher conns=%d src-addrs=%d transport=%s loadavg %s%n",
          o.str("url"), stats.serverPids(), subs, topics, fmt((double) subs / topics, 1), o.str("rate"),
          o.str("seconds"), o.integer("size"), o.integer("loops"), pubConns, Math.max(1, sources.size()),
          clients.transport(), ProcStats.loadavg());

      List<SocketGroup> groups = clients.subscriberGroups(sources, o.number("heartbeat"));
      SocketGroup pubGroup = clients.publisherGroup(sources);
      Sample s0 = stats.sample();
      IdleRun.openAll(groups, subs, topics, "subscribers connect+join");
      pubGroup.open(Publisher.specs(topics, per, subs)).join();
      Sample s1 = stats.sample();
      Counters subCounters = counters(groups);
      Counters pubCounters = pubGroup.counters();
      List<long[]> perTopic = groups.stream().map(g -> g.joinedPerTopic(topics)).toList();
      Publisher publisher = new Publisher(pubGroup, topics, per, o.str("prefix"), o.str("event"), o.integer("size"));
      double setupCpu = s1.serverCpu() - s0.serverCpu();
      out.printf("setup: %d/%d subscribers joined, publisher %d/%d connections joined (%d/%d topics) in %s s; "
              + "server CPU %s s (%s us per subscriber), RSS %s -> %s%n",
          subCounters.connsJoined(), subs, pubCounters.connsJoined(), pubConns, pubCounters.joinOk(), topics,
          fmt(seconds(s0, s1), 1), fmt(setupCpu, 2), fmt(setupCpu * 1e6 / Math.max(1, subCounters.connsJoined()), 0),
          mib(s0.serverRss()), mib(s1.serverRss()));
      Map<String, Long> setupErrors = subCounters.plus(pubCounters).errors();
      if (!setupErrors.isEmpty()) out.println("  errors: " + Json.write(setupErrors));
      if (pubCounters.joinOk() < topics) {
        out.printf("  WARNING: the publisher could not join %d topics; their messages are skipped%n", topics - pubCounters.joinOk());
      }

      Thread.sleep(Math.round(o.number("settle") * 1000));
      Step step = new Step(groups, pubGroup, publisher, perTopic, topics);
      if (o.number("warmup") > 0) {
        Map<String, Object> w = step.run(rates.get(0), o.number("warmup"));
        out.printf("warm-up rate=%s x %s s: received %s/%s, p99 %s ms%n", fmt(rates.get(0), 0), o.str("warmup"),
            w.get("received"), w.get("expected"), Report.ms(((Map<?, ?>) w.get("latency_ms")).get("p99")));
        Thread.sleep(Math.round(o.number("pause") * 1000));
      }
      List<Map<String, Object>> steps = new ArrayList<>();
      for (int i = 0; i < rates.size(); i++) {
        if (i > 0) Thread.sleep(Math.round(o.number("pause") * 1000));
        Map<String, Object> r = step.run(rates.get(i), o.number("seconds"));
        steps.add(r);
        print(r);
      }
      Sample end = stats.sample();
      pubGroup.closeAll();
      groups.forEach(SocketGroup::closeAll);

      Map<String, Object> r = new LinkedHashMap<>();
      r.put("cmd", "fanout");
      r.put("subs", subs);
      r.put("topics", topics);
      r.put("subs_per_topic", round((double) subs / topics, 3));
      r.put("seconds", o.number("seconds"));
      r.put("size", o.integer("size"));
      r.put("event", o.str("event"));
      r.put("warmup_s", o.number("warmup"));
      r.put("loops", o.integer("loops"));
      r.put("transport", clients.transport());
      r.put("src_addrs", Math.max(1, sources.size()));
      r.put("publisher_conns", pubConns);
      r.put("subs_joined", subCounters.connsJoined());
      r.put("publisher_topics_joined", pubCounters.joinOk());
      r.put("setup_s", round(seconds(s0, s1), 3));
      r.put("setup_server_cpu_s", round(setupCpu, 3));
      r.put("server_cpu_us_per_conn", round(setupCpu * 1e6 / Math.max(1, subCounters.connsJoined()), 1));
      r.put("server_rss_before", s0.serverRss());
      r.put("server_rss_after_join", s1.serverRss());
      r.put("bytes_per_sub", stats.hasServer() && subCounters.connsJoined() > 0
          ? Math.round((double) (s1.serverRss() - s0.serverRss()) / subCounters.connsJoined()) : null);
      r.put("server_rss_end", end.serverRss());
      r.put("errors", setupErrors);
      r.put("error_count", errorCount(subCounters.plus(pubCounters)));
      r.put("loadavg", s1.loadavg());
      r.put("steps", steps);
      r.put("ok", steps.stream().allMatch(s -> ((Number) s.get("received")).longValue() > 0));
      return r;
    }
  }

  private void print(Map<String, Object> s) {
    Map<?, ?> lat = (Map<?, ?>) s.get("latency_ms");
    out.printf("step rate=%s msg/s x %s s: sent %s (%s/s, publisher max lag %s ms, max pending %s B)%n",
        Json.number(((Number) s.get("rate")).doubleValue()), Json.number(((Number) s.get("seconds")).doubleValue()), s.get("sent"),
        Report.fmt(s.get("send_rate"), 1), Report.fmt(s.get("publisher_max_lag_ms"), 1), s.get("publisher_max_pending"));
    out.printf("  deliveries: expected %s, received %s (%s %%), %s/s over %s s (offered %s/s); echoes to publisher %s/%s; "
            + "order violations %s; stale %s%n",
        s.get("expected"), s.get("received"), Report.fmt(100 * ((Number) s.get("delivery_ratio")).doubleValue(), 3),
        Report.fmt(s.get("deliveries_per_s"), 0), Report.fmt(s.get("delivery_span_s"), 2),
        Report.fmt(s.get("offered_deliveries_per_s"), 0), s.get("echoes_to_publisher"), s.get("sent"),
        s.get("order_violations"), s.get("stale"));
    out.printf("  latency ms: p50 %s p90 %s p99 %s p99.9 %s max %s mean %s (n=%s%s)%n",
        Report.ms(lat.get("p50")), Report.ms(lat.get("p90")), Report.ms(lat.get("p99")), Report.ms(lat.get("p999")),
        Report.ms(lat.get("max")), Report.ms(lat.get("mean")), lat.get("n"),
        ((Number) lat.get("negative")).longValue() > 0 ? ", " + lat.get("negative") + " negative" : "");
    out.printf("  server: CPU %s s over %s s (%s %% of one core) = %s s per 1M deliveries; RSS %s -> %s%n",
        Report.fmt(s.get("server_cpu_s"), 2), Report.fmt(s.get("window_s"), 1), Report.fmt(s.get("server_cpu_pct"), 0),
        Report.fmt(s.get("server_cpu_s_per_1m"), 2), mib((Long) s.get("server_rss_start")), mib((Long) s.get("server_rss_end")));
    out.printf("  client: CPU %s s (%s %% of one core, %s us per delivery); machine busy %s %%, other CPU %s s; loadavg %s -> %s%s%s%n",
        Report.fmt(s.get("client_cpu_s"), 1), Report.fmt(s.get("client_cpu_pct"), 0),
        Report.fmt(s.get("client_cpu_us_per_delivery"), 1), Report.fmt(s.get("machine_busy_pct"), 0),
        Report.fmt(s.get("other_cpu_s"), 1), s.get("loadavg_start"), s.get("loadavg"),
        ((Number) s.get("machine_busy_pct")).doubleValue() > 90 ? "  <-- machine saturated: client and server compete for the cores" : "",
        Boolean.TRUE.equals(s.get("saturated")) ? "  [SATURATED: ratio < 100 % or p99 > 1 s]" : "");
    if (((Number) s.get("not_joined")).longValue() > 0) {
      out.printf("  WARNING: %s messages not sent: the publisher socket of their topic was closed or not joined "
          + "(offered figures assume all were sent)%n", s.get("not_joined"));
    }
    Map<?, ?> errs = (Map<?, ?>) s.get("errors");
    if (!errs.isEmpty()) out.println("  errors so far: " + Json.write(errs));
  }

  /** One publishing step on the open connections, and its figures. */
  private final class Step {
    private final List<SocketGroup> groups;
    private final SocketGroup pubGroup;
    private final Publisher publisher;
    private final List<long[]> perTopic;
    private final int topics;

    Step(List<SocketGroup> groups, SocketGroup pubGroup, Publisher publisher, List<long[]> perTopic, int topics) {
      this.groups = groups;
      this.pubGroup = pubGroup;
      this.publisher = publisher;
      this.perTopic = perTopic;
      this.topics = topics;
    }

    Map<String, Object> run(double rate, double secs) throws InterruptedException {
      long total = Math.max(1, Math.round(rate * secs));
      long seqLo = publisher.nextSeq();
      for (SocketGroup g : groups) g.reset(seqLo, seqLo + total);
      pubGroup.reset(seqLo, seqLo + total);
      boolean[] joined = publisher.joinedTopics();
      // every message to topic t reaches each subscriber that joined t
      List<CompletableFuture<Long>> complete = new ArrayList<>();
      long expected = 0;
      for (int g = 0; g < groups.size(); g++) {
        long e = expectedDeliveries(total, joined, perTopic.get(g));
        expected += e;
        complete.add(groups.get(g).awaitReceived(e));
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(complete.toArray(CompletableFuture[]::new));

      Counters pubBefore = pubGroup.counters();
      Sample a = stats.sample();
      progress.printf("step: publishing %s msg/s for %s s%n", Json.number(rate), Json.number(secs));
      Publisher.Sent sent = publisher.run(rate, secs, Math.round(o.number("tick-ms") * 1e6)).join();
      // broadcasts include the sender: its echoes arrive last as often as not, so they are waited for too
      drain(CompletableFuture.allOf(all, pubGroup.awaitReceived(sent.sent())), () -> {
        Counters c = pubGroup.counters();
        return c.pushOk() + c.pushErr() - pubBefore.pushOk() - pubBefore.pushErr() >= sent.sent();
      });
      Sample b = stats.sample();

      Recording rec = Recording.merge(groups.stream().map(SocketGroup::recording).toList());
      long echoes = pubGroup.recording().received();
      Counters subCounters = counters(groups);
      Counters pubCounters = pubGroup.counters();
      double window = seconds(a, b);
      double sendSpan = (sent.endNanos() - sent.startNanos()) / 1e9;
      double deliverySpan = rec.lastRecvNanos() == 0 ? Double.NaN : (rec.lastRecvNanos() - sent.startNanos()) / 1e9;
      double span = Math.max(secs, Double.isNaN(deliverySpan) ? 0 : deliverySpan);
      double serverCpu = b.serverCpu() - a.serverCpu();
      double clientCpu = b.selfCpu() - a.selfCpu();
      double ratio = expected == 0 ? Double.NaN : (double) rec.received() / expected;
      Map<String, Object> latency = Report.latencyMs(rec.latencyUs(), rec.negative());

      Map<String, Object> s = new LinkedHashMap<>();
      s.put("rate", rate);
      s.put("seconds", secs);
      s.put("offered_deliveries_per_s", round(rate * expected / total, 1));
      s.put("sent", sent.sent());
      s.put("not_joined", sent.notJoined());
      s.put("send_rate", round(sent.sent() / (sendSpan + 1 / rate), 1));
      s.put("publisher_max_lag_ms", round(sent.maxLagNanos() / 1e6, 2));
      s.put("tick_ms", o.number("tick-ms"));
      s.put("publisher_max_pending", sent.maxPendingBytes());
      s.put("expected", expected);
      s.put("received", rec.received());
      s.put("delivery_ratio", round(ratio, 6));
      s.put("deliveries_per_s", round(rec.received() / span, 1));
      s.put("delivery_span_s", round(span, 3));
      s.put("last_delivery_after_s", round(deliverySpan, 3));
      s.put("latency_ms", latency);
      s.put("p50_ms", latency.get("p50"));
      s.put("p90_ms", latency.get("p90"));
      s.put("p99_ms", latency.get("p99"));
      s.put("p999_ms", latency.get("p999"));
      s.put("max_ms", latency.get("max"));
      s.put("echoes_to_publisher", echoes);
      s.put("echo_ratio", round(Report.ratio(echoes, sent.sent()), 6));
      s.put("order_violations", rec.orderViolations());
      s.put("stale", rec.stale());
      s.put("server_cpu_s", round(serverCpu, 3));
      s.put("server_cpu_pct", round(100 * serverCpu / window, 1));
      s.put("server_cpu_s_per_1m", rec.received() > 0 ? round(serverCpu * 1e6 / rec.received(), 3) : null);
      s.put("server_cpu_us_per_delivery_incl_echo", round(serverCpu * 1e6 / (rec.received() + echoes), 3));
      s.put("server_rss_start", a.serverRss());
      s.put("server_rss_end", b.serverRss());
      s.put("window_s", round(window, 3));
      s.put("client_cpu_s", round(clientCpu, 2));
      s.put("client_cpu_pct", round(100 * clientCpu / window, 1));
      s.put("client_cpu_us_per_delivery", round(clientCpu * 1e6 / Math.max(1, rec.received() + echoes), 2));
      s.put("machine_busy_pct", round(busyPct(a, b), 1));
      s.put("machine_softirq_s", round(b.machineSoftirq() - a.machineSoftirq(), 2));
      // host CPU charged neither to the server nor to the harness: softirq threads, other tenants
      s.put("other_cpu_s", round((b.machineBusy() - a.machineBusy()) - serverCpu - clientCpu, 2));
      s.put("loadavg_start", a.loadavg());
      s.put("loadavg", b.loadavg());
      s.put("subs_open_at_end", subCounters.open());
      s.put("subs_closed_so_far", subCounters.closedAfterOpen());
      s.put("push_replies_ok", pubCounters.pushOk());
      s.put("push_replies_error", pubCounters.pushErr());
      Map<String, Long> errors = new TreeMap<>(subCounters.plus(pubCounters).errors());
      s.put("errors", errors);
      s.put("error_count", errors.values().stream().mapToLong(Long::longValue).sum());
      Object p99 = latency.get("p99");
      s.put("saturated", !(ratio >= 1) || (p99 != null && ((Number) p99).doubleValue() > 1000));
      return s;
    }

    /**
     * Waits for the missing deliveries and push replies: until all arrived, none arrived for {@code --drain-idle} s, or
     * {@code --drain-max} s passed since publishing ended.
     */
    private void drain(CompletableFuture<Void> all, BooleanSupplier repliesIn) throws InterruptedException {
      long start = System.nanoTime();
      long lastProgress = start;
      long received = -1;
      while (true) {
        try {
          all.get(100, TimeUnit.MILLISECONDS);
          if (repliesIn.getAsBoolean()) return;
          Thread.sleep(10);
        } catch (TimeoutException notYet) {
          // check progress below
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
        long r = groups.stream().mapToLong(SocketGroup::received).sum() + pubGroup.received();
        long now = System.nanoTime();
        if (r > received) {
          received = r;
          lastProgress = now;
        }
        if (now - lastProgress >= o.number("drain-idle") * 1e9) return;
        if (now - start >= o.number("drain-max") * 1e9) return;
      }
    }
  }

  /** Deliveries of {@code total} messages sent round-robin over the topics (message k to topic k mod T). */
  static long expectedDeliveries(long total, boolean[] publisherJoined, long[] subscribersPerTopic) {
    int topics = subscribersPerTopic.length;
    long perRound = 0;
    long partial = 0;
    long remainder = total % topics;
    for (int t = 0; t < topics; t++) {
      if (!publisherJoined[t]) continue;
      perRound += subscribersPerTopic[t];
      if (t < remainder) partial += subscribersPerTopic[t];
    }
    return (total / topics) * perRound + partial;
  }
}
