package io.herald.loadtest.fanout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Figures from /proc that do not depend on how fast the load generator is: CPU seconds
 * (utime + stime of all threads, {@code /proc/PID/stat}) and resident memory ({@code VmRSS}) of the
 * server processes, summed over them (one node, or the nodes of a local cluster); this harness's own
 * CPU; the whole machine's busy time ({@code /proc/stat}) and load average.
 */
final class ProcStats {
  /** One reading of everything, taken at {@code nanos} (System.nanoTime). */
  record Sample(
      long nanos,
      double serverCpu,
      long serverRss,
      int serverThreads,
      double selfCpu,
      double machineBusy,
      double machineTotal,
      double machineSoftirq,
      String loadavg) {}

  private final List<Long> serverPids;
  private final double ticksPerSecond;

  ProcStats(List<Long> serverPids, double ticksPerSecond) {
    this.serverPids = List.copyOf(serverPids);
    this.ticksPerSecond = ticksPerSecond;
    for (long pid : serverPids) {
      if (!Files.exists(Path.of("/proc", Long.toString(pid), "stat"))) {
        throw new IllegalArgumentException("server pid " + pid + ": no such process");
      }
    }
  }

  boolean hasServer() {
    return !serverPids.isEmpty();
  }

  List<Long> serverPids() {
    return serverPids;
  }

  Sample sample() {
    double cpu = 0;
    long rss = 0;
    int threads = 0;
    for (long pid : serverPids) {
      cpu += cpuSeconds(Long.toString(pid));
      String status = read("/proc/" + pid + "/status");
      rss += statusKb(status, "VmRSS") * 1024;
      threads += (int) statusKb(status, "Threads");
    }
    double[] machine = machine(read("/proc/stat"));
    return new Sample(
        System.nanoTime(),
        hasServer() ? cpu : Double.NaN,
        hasServer() ? rss : -1,
        threads,
        cpuSeconds("self"),
        machine[0],
        machine[1],
        machine[2],
        loadavg());
  }

  double selfRss() {
    return statusKb(read("/proc/self/status"), "VmRSS") * 1024d;
  }

  /** utime + stime of all the process's threads, seconds. */
  double cpuSeconds(String pid) {
    return cpuTicks(read("/proc/" + pid + "/stat")) / ticksPerSecond;
  }

  String comm(long pid) {
    try {
      return read("/proc/" + pid + "/comm").trim();
    } catch (UncheckedIOException gone) {
      return "?";
    }
  }

  /** The first three fields of /proc/loadavg. */
  static String loadavg() {
    String[] f = read("/proc/loadavg").trim().split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  /** Soft limit of open files of a process ({@code self} or a pid), -1 for unlimited. */
  static long maxOpenFiles(String pid) {
    for (String line : read("/proc/" + pid + "/limits").split("\n")) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
      }
    }
    return -1;
  }

  /** Fields 14 and 15 (utime, stime), counted after the closing parenthesis of the command name. */
  static long cpuTicks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** A "Key:   123 kB" (or plain number) line of /proc/PID/status; 0 when absent. */
  static long statusKb(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key + ":")) {
        String v = line.substring(key.length() + 1).trim();
        int space = v.indexOf(' ');
        return Long.parseLong(space < 0 ? v : v.substring(0, space));
      }
    }
    return 0;
  }

  /** busy, total and softirq seconds of all cores from the "cpu" line of /proc/stat (ticks here). */
  double[] machine(String stat) {
    String[] f = stat.substring(0, stat.indexOf('\n')).trim().split("\\s+");
    long[] v = new long[f.length - 1];
    for (int i = 1; i < f.length; i++) v[i - 1] = Long.parseLong(f[i]);
    long idle = v[3] + (v.length > 4 ? v[4] : 0);
    long busy = v[0] + v[1] + v[2] + at(v, 5) + at(v, 6) + at(v, 7);
    return new double[] {busy / ticksPerSecond, (busy + idle) / ticksPerSecond, at(v, 6) / ticksPerSecond};
  }

  private static long at(long[] v, int i) {
    return i < v.length ? v[i] : 0;
  }

  /** {@code getconf CLK_TCK}: the unit of the CPU times in /proc (100 on nearly every Linux). */
  static double clockTicksPerSecond() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (p.waitFor() == 0) return Double.parseDouble(out);
    } catch (IOException | NumberFormatException e) {
      // fall through to the Linux default
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
