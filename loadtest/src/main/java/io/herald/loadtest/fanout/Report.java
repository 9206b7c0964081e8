package io.herald.loadtest.fanout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Number formatting for the text report, the latency summary, and the CSV file. */
final class Report {
  /** One CSV schema for idle runs and fan-out steps; a figure a row does not have stays empty. */
  static final List<String> CSV_COLUMNS = List.of(
      "time", "label", "cmd", "urls", "server_pids", "loadavg", "conns", "topics", "rate", "seconds", "size",
      "established", "joined", "error_count", "connect_join_s", "server_cpu_connect_s", "server_cpu_us_per_conn",
      "bytes_per_conn", "idle_server_cpu_pct", "sent", "send_rate", "expected", "received", "delivery_ratio",
      "deliveries_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "order_violations", "echoes_to_publisher",
      "server_cpu_s", "server_cpu_pct", "server_cpu_s_per_1m", "server_rss_end", "client_cpu_s",
      "client_cpu_us_per_delivery", "machine_busy_pct", "saturated");

  private Report() {}

  static String fmt(double v, int decimals) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A figure of a result map: a number, or n/a when there is none. */
  static String fmt(Object v, int decimals) {
    return v instanceof Number n ? fmt(n.doubleValue(), decimals) : "n/a";
  }

  static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  static double round(double v, int decimals) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return v;
    double p = Math.pow(10, decimals);
    return Math.round(v * p) / p;
  }

  /** Latency summary in ms (n, mean, min, p50, p90, p99, p99.9, max), as phx-bench's latency_ms. */
  static Map<String, Object> latencyMs(Histogram h, long negative) {
    Map<String, Object> m = new LinkedHashMap<>();
    long n = h.getTotalCount();
    m.put("n", n);
    m.put("mean", n == 0 ? null : round(h.getMean() / 1000, 3));
    m.put("min", n == 0 ? null : round(h.getMinValue() / 1000.0, 3));
    m.put("p50", percentileMs(h, 50));
    m.put("p90", percentileMs(h, 90));
    m.put("p99", percentileMs(h, 99));
    m.put("p999", percentileMs(h, 99.9));
    m.put("max", n == 0 ? null : round(h.getMaxValue() / 1000.0, 3));
    m.put("negative", negative);
    return m;
  }

  private static Double percentileMs(Histogram h, double p) {
    return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(p) / 1000.0, 3);
  }

  static String ms(Object v) {
    return v == null ? "n/a" : fmt(((Number) v).doubleValue(), 2);
  }

  /** Appends one row per map (values looked up by column name, then in {@code common}). */
  static void appendCsv(Path file, Map<String, Object> common, List<Map<String, Object>> rows) {
    StringBuilder b = new StringBuilder();
    try {
      if (!Files.exists(file) || Files.size(file) == 0) b.append(String.join(",", CSV_COLUMNS)).append('\n');
      for (Map<String, Object> row : rows) {
        for (int i = 0; i < CSV_COLUMNS.size(); i++) {
          String col = CSV_COLUMNS.get(i);
          Object v = row.containsKey(col) ? row.get(col) : common.get(col);
          if (i > 0) b.append(',');
          b.append(csvCell(v));
        }
        b.append('\n');
      }
      Files.writeString(file, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String csvCell(Object v) {
    if (v == null) return "";
    String s = v instanceof Double d ? (d.isNaN() ? "" : Json.number(d)) : v.toString();
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) return '"' + s.replace("\"", "\"\"") + '"';
    return s;
  }
}
