package io.herald.loadtest.charts;

import io.herald.loadtest.charts.Runs.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the tables of docs/benchmarks.md from the CSV files of docs/data, so that a figure is written once
 * (in the data) and the doc, the charts and every sentence that computes from it agree. A generated block is
 * the text between {@code <!-- generated: NAME -->} and {@code <!-- end generated: NAME -->}; everything else
 * in the file is left as it is.
 */
final class BenchmarkTables {

    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- generated: ([a-z0-9-]+) -->\\n)(.*?)(<!-- end generated: \\2 -->)", Pattern.DOTALL);

    private final Path dataDir;
    private final RunConditions conditions;
    private final Runs runs;

    private BenchmarkTables(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.conditions = RunConditions.read(dataDir.resolve("conditions.csv"));
        this.runs = Runs.read(dataDir, conditions);
    }

    /** Rewrites every generated block of {@code markdown} in place. */
    static void updateFile(Path dataDir, Path markdown) throws IOException {
        String text = Files.readString(markdown, StandardCharsets.UTF_8);
        Files.writeString(markdown, render(dataDir, text), StandardCharsets.UTF_8);
    }

    /** {@code markdown} with every generated block's content replaced by what the data gives now. */
    static String render(Path dataDir, String markdown) throws IOException {
        BenchmarkTables tables = new BenchmarkTables(dataDir);
        Matcher blocks = BLOCK.matcher(markdown);
        StringBuilder out = new StringBuilder();
        while (blocks.find()) {
            String content = tables.block(blocks.group(2));
            blocks.appendReplacement(out, Matcher.quoteReplacement(blocks.group(1) + content + blocks.group(4)));
        }
        blocks.appendTail(out);
        return out.toString();
    }

    private String block(String name) throws IOException {
        return switch (name) {
            case "conditions" -> conditionsTable();
            case "headline" -> headline();
            case "runs-1000-rooms" -> runs1000Rooms();
            case "sweep" -> sweep();
            case "memory" -> memory();
            case "one-vs-three" -> oneVsThree();
            case "final-runs" -> finalRuns();
            default -> throw new IllegalArgumentException("unknown generated block: " + name);
        };
    }

    private String conditionsTable() {
        CsvTable table = conditions.table();
        StringBuilder md = new StringBuilder(
                "| id | server | harness | cold or warm | JVM options | start-up warm-up | build | date (UTC) |\n"
                        + "|---|---|---|---|---|---|---|---|\n");
        for (int row = 0; row < table.size(); row++) {
            md.append("| `").append(table.text(row, "id")).append("` | ");
            for (String column : List.of("server", "harness", "state", "jvm_options", "warm_up", "build", "date")) {
                md.append(table.text(row, column)).append(" | ");
            }
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        return md.toString();
    }

    private String headline() throws IOException {
        CsvTable phoenix = table("phoenix.csv");
        CsvTable goals = table("goals.csv");
        StringBuilder md = new StringBuilder("| figure | Phoenix 1.7.24 | Herald | Herald's conditions | goal (issue 6) |\n"
                + "|---|---|---|---|---|\n");
        for (int row = 0; row < phoenix.size(); row++) {
            String key = phoenix.text(row, "key");
            String unit = phoenix.text(row, "unit");
            List<Run> herald = runs.likeFor(key, phoenix.text(row, "conditions"));
            String heraldCell = herald.isEmpty() ? "not measured under the same harness and state" : summary(herald, unit);
            String heraldConditions = herald.isEmpty() ? "–" : "`" + herald.get(0).conditions() + "`";
            int goal = goals.rowWhere("key", key);
            String goalText = goals.text(goal, "goal");
            if (!goals.text(goal, "goal_state").equals("any")) {
                goalText += " (" + goals.text(goal, "goal_state") + ")";
            }
            md.append("| ").append(phoenix.text(row, "figure")).append(" | ")
                    .append(exact(phoenix.number(row, "low"))).append("–").append(exact(phoenix.number(row, "high")))
                    .append(' ').append(unit).append(" | ").append(heraldCell).append(" | ").append(heraldConditions)
                    .append(" | ").append(goalText).append(" |\n");
        }
        return md.toString();
    }

    /** "a–b unit (median m, n runs)", or the values themselves when there are one or two. */
    private static String summary(List<Run> values, String unit) {
        if (values.size() <= 2) {
            return String.join(", ", values.stream().map(r -> exact(r.value())).toList()) + " " + unit
                    + (values.size() == 1 ? " (1 run)" : " (2 runs)");
        }
        return exact(Runs.minimum(values)) + "–" + exact(Runs.maximum(values)) + " " + unit + " (median "
                + exact(Runs.median(values)) + ", mean " + exact(Runs.mean(values)) + ", " + values.size() + " runs)";
    }

    private String runs1000Rooms() {
        StringBuilder md = new StringBuilder("| conditions | server | harness | p99, each run | median p99 | CPU per 1M, each run | mean CPU |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (String id : runs.conditionsOf("p99_1000_rooms_2k_ms")) {
            List<Run> p99 = runs.of("p99_1000_rooms_2k_ms", id);
            List<Run> cpu = runs.of("cpu_1m_1000_rooms_s", id);
            md.append("| `").append(id).append("` | ").append(conditions.field(id, "server")).append(" | ")
                    .append(conditions.field(id, "harness")).append(", ").append(conditions.field(id, "state").split(":")[0])
                    .append(" | ").append(list(p99)).append(" ms | **").append(exact(Runs.median(p99))).append(" ms** | ")
                    .append(list(cpu)).append(" s | **").append(exact(Runs.mean(cpu))).append(" s** |\n");
        }
        return md.toString();
    }

    private static String list(List<Run> values) {
        return String.join(", ", values.stream().map(r -> exact(r.value())).toList());
    }

    private String sweep() throws IOException {
        CsvTable sweep = table("herald-sweep.csv");
        StringBuilder md = new StringBuilder("| msg/s | deliveries/s | p50 | p99 | p99.9 | CPU per 1M | server CPU | delivered |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (int row = 0; row < sweep.size(); row++) {
            md.append("| ").append(exact(sweep.number(row, "rate"))).append(" | ")
                    .append(exact(Math.round(sweep.number(row, "deliveries_per_s")))).append(" | ")
                    .append(exact(sweep.number(row, "p50_ms"))).append(" ms | ")
                    .append(exact(sweep.number(row, "p99_ms"))).append(" ms | ")
                    .append(exact(sweep.number(row, "p999_ms"))).append(" ms | ")
                    .append(exact(sweep.number(row, "server_cpu_s_per_1m"))).append(" s | ")
                    .append(exact(sweep.number(row, "server_cpu_pct"))).append(" % of a core | ")
                    .append(exact(100 * sweep.number(row, "delivery_ratio"))).append(" % |\n");
        }
        return md.toString();
    }

    private String memory() throws IOException {
        CsvTable memory = table("memory-vs-sockets.csv");
        StringBuilder md = new StringBuilder("| server | sockets | RSS per socket | RSS before | RSS after the settle | conditions |\n"
                + "|---|---|---|---|---|---|\n");
        for (int row = 0; row < memory.size(); row++) {
            md.append("| ").append(memory.text(row, "server")).append(" | ")
                    .append(exact(memory.number(row, "sockets"))).append(" | ")
                    .append(exact(memory.number(row, "bytes_per_socket") / 1000)).append(" KB | ")
                    .append(cell(memory.number(row, "rss_before_mib"), " MiB")).append(" | ")
                    .append(cell(memory.number(row, "rss_after_settle_mib"), " MiB")).append(" | `")
                    .append(memory.text(row, "conditions")).append("` |\n");
        }
        return md.toString();
    }

    private String oneVsThree() throws IOException {
        CsvTable pairs = table("one-vs-three.csv");
        StringBuilder md = new StringBuilder("| scenario | nodes | p50 | p99 | server CPU per 1M | conditions |\n"
                + "|---|---|---|---|---|---|\n");
        List<String> ratios = new ArrayList<>();
        for (int row = 0; row < pairs.size(); row++) {
            md.append("| ").append(pairs.text(row, "scenario")).append(" | ").append(exact(pairs.number(row, "nodes")))
                    .append(" | ").append(exact(pairs.number(row, "p50_ms"))).append(" ms | ")
                    .append(exact(pairs.number(row, "p99_ms"))).append(" ms | ")
                    .append(cell(pairs.number(row, "cpu_s_per_1m"), " s")).append(" | `")
                    .append(pairs.text(row, "conditions")).append("` |\n");
            if (pairs.number(row, "nodes") == 3 && row > 0 && pairs.text(row - 1, "scenario").equals(pairs.text(row, "scenario"))) {
                String ratio = pairs.text(row, "scenario") + ": 3 nodes / 1 node = p50 "
                        + times(pairs.number(row, "p50_ms") / pairs.number(row - 1, "p50_ms")) + ", p99 "
                        + times(pairs.number(row, "p99_ms") / pairs.number(row - 1, "p99_ms"));
                double cpu = pairs.number(row, "cpu_s_per_1m") / pairs.number(row - 1, "cpu_s_per_1m");
                ratios.add(Double.isNaN(cpu) ? ratio : ratio + ", CPU per 1M " + times(cpu));
            }
        }
        md.append('\n');
        for (String ratio : ratios) {
            md.append("- ").append(ratio).append('\n');
        }
        return md.toString();
    }

    private String finalRuns() throws IOException {
        CsvTable runsTable = table("herald-final.csv");
        StringBuilder md = new StringBuilder("| run | command | p50 | p99 | CPU per 1M | connect+join | RSS delta per socket |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (int row = 0; row < runsTable.size(); row++) {
            String command = runsTable.text(row, "cmd") + " " + exact(runsTable.number(row, "conns")) + " sockets, "
                    + exact(runsTable.number(row, "topics")) + " topics"
                    + (Double.isNaN(runsTable.number(row, "rate")) ? "" : ", " + exact(runsTable.number(row, "rate"))
                            + " msg/s for " + exact(runsTable.number(row, "seconds")) + " s");
            md.append("| `").append(runsTable.text(row, "label")).append("` | ").append(command).append(" | ")
                    .append(cell(runsTable.number(row, "p50_ms"), " ms")).append(" | ")
                    .append(cell(runsTable.number(row, "p99_ms"), " ms")).append(" | ")
                    .append(cell(runsTable.number(row, "server_cpu_s_per_1m"), " s")).append(" | ")
                    .append(cell(runsTable.number(row, "server_cpu_us_per_conn"), " µs")).append(" | ")
                    .append(cell(runsTable.number(row, "bytes_per_conn") / 1000, " KB")).append(" |\n");
        }
        return md.toString();
    }

    private static String cell(double value, String unit) {
        return Double.isNaN(value) ? "–" : exact(value) + unit;
    }

    private static String times(double ratio) {
        return new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ENGLISH)).format(ratio) + "×";
    }

    /** Up to three decimals, no trailing zeros, thousands separated: the CSV's value as written, near enough. */
    static String exact(double value) {
        return new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ENGLISH)).format(value);
    }

    private CsvTable table(String name) throws IOException {
        return CsvTable.read(dataDir.resolve(name));
    }
}
