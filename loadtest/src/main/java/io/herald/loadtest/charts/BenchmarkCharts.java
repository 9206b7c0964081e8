package io.herald.loadtest.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import io.herald.loadtest.charts.Runs.Run;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the charts of docs/benchmarks.md from the CSV files of docs/data (see docs/data/README.md for
 * where each row came from). Every figure comes from those files, so a new run means new CSV rows and
 * one more run of this class, not an edit here:
 *
 * <pre>java -cp loadtest/target/herald-fanout.jar io.herald.loadtest.charts.BenchmarkCharts docs/data docs/img</pre>
 *
 * Files read: {@code setup.csv} (footnote, saturation threshold, the sweep's conditions),
 * {@code conditions.csv} (harness, cold or warm, JVM options, warm-up and build of every row; each chart names
 * them), {@code herald-sweep.csv} (rows of the fan-out harness's {@code --csv}), {@code phoenix.csv}
 * (Phoenix's figures), {@code runs.csv} (single runs by figure and conditions), {@code memory-vs-sockets.csv}
 * and {@code one-vs-three.csv}. Only figures taken under the same harness and the same cold or warm state
 * stand side by side.
 */
public final class BenchmarkCharts {

    static final int WIDTH = 1000;
    static final int HEIGHT = 600;

    static final String LATENCY_VS_LOAD = "latency-vs-load.png";
    static final String CPU_VS_LOAD = "cpu-vs-load.png";
    static final String MEMORY_VS_SOCKETS = "memory-vs-sockets.png";
    static final String ONE_VS_THREE_NODES = "one-vs-three-nodes.png";
    static final String HERALD_VS_PHOENIX = "herald-vs-phoenix.png";

    private static final Color HERALD = new Color(0x1f, 0x77, 0xb4);
    private static final Color HERALD_LIGHT = new Color(0x9e, 0xc9, 0xe8);
    private static final Color PHOENIX = new Color(0xe0, 0x6c, 0x1c);
    private static final Color PHOENIX_LIGHT = new Color(0xf6, 0xc4, 0x9b);
    private static final Color THIRD = new Color(0x2c, 0xa0, 0x2c);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font PANEL_TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font AXIS_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font MARKER_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    /** Pixels under a grid of panels for a one-line legend. */
    private static final int LEGEND_ROOM = 34;
    /** runs.csv gives RSS in GB (10^9 bytes), the memory chart's axis is MiB. */
    private static final double GB_IN_MIB = 1e9 / (1 << 20);

    private final Path dataDir;
    private final Path outDir;
    private final String footnote;
    private final double saturationP99Ms;
    private final String sweepConditions;
    private final CsvTable phoenix;
    private final RunConditions conditions;
    private final Runs runs;

    private BenchmarkCharts(Path dataDir, Path outDir) throws IOException {
        this.dataDir = dataDir;
        this.outDir = outDir;
        CsvTable setup = table("setup.csv");
        this.footnote = setup.text(setup.rowWhere("key", "footnote"), "value");
        this.saturationP99Ms = setup.number(setup.rowWhere("key", "saturation_p99_ms"), "value");
        this.sweepConditions = setup.text(setup.rowWhere("key", "sweep_conditions"), "value");
        this.phoenix = table("phoenix.csv");
        this.conditions = RunConditions.read(dataDir.resolve("conditions.csv"));
        this.runs = Runs.read(dataDir, conditions);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: BenchmarkCharts <data dir> <output dir> [<markdown file>]"
                    + "   (e.g. docs/data docs/img docs/benchmarks.md: also rewrites its generated tables)");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        for (Path written : draw(Path.of(args[0]), Path.of(args[1]))) {
            System.out.println("wrote " + written);
        }
        if (args.length == 3) {
            Path markdown = Path.of(args[2]);
            BenchmarkTables.updateFile(Path.of(args[0]), markdown);
            System.out.println("rewrote the generated tables of " + markdown);
        }
    }

    /** Draws every chart from the CSV files in {@code dataDir} into {@code outDir}; returns the files written. */
    public static List<Path> draw(Path dataDir, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        BenchmarkCharts charts = new BenchmarkCharts(dataDir, outDir);
        List<Path> written = new ArrayList<>();
        written.add(charts.latencyVsLoad());
        written.add(charts.cpuVsLoad());
        written.add(charts.memoryVsSockets());
        written.add(charts.oneVsThreeNodes());
        written.add(charts.heraldVsPhoenix());
        return written;
    }

    // 1. p50 / p99 / p99.9 of the rate sweep against offered deliveries per second
    private Path latencyVsLoad() throws IOException {
        CsvTable sweep = table("herald-sweep.csv");
        XYSeries p50 = new XYSeries("p50");
        XYSeries p99 = new XYSeries("p99");
        XYSeries p999 = new XYSeries("p99.9");
        for (int row = 0; row < sweep.size(); row++) {
            double offered = offeredDeliveriesPerSecond(sweep, row);
            p50.add(offered, sweep.number(row, "p50_ms"));
            p99.add(offered, sweep.number(row, "p99_ms"));
            p999.add(offered, sweep.number(row, "p999_ms"));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(p50);
        data.addSeries(p99);
        data.addSeries(p999);

        NumberAxis load = loadAxis(sweep);
        LogAxis latency = latencyAxis();
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, true);
        lines.setSeriesPaint(0, HERALD_LIGHT);
        lines.setSeriesPaint(1, HERALD);
        lines.setSeriesPaint(2, new Color(0x0b, 0x3c, 0x5d));
        for (int series = 0; series < 3; series++) {
            lines.setSeriesStroke(series, new BasicStroke(2.5f));
        }
        XYPlot plot = new XYPlot(data, load, latency, lines);
        stylePlot(plot);

        // No Phoenix band here: Phoenix's saturation point was found with phx-bench, which takes more of the
        // shared cores than this harness, so the two points are not the same measurement.
        ValueMarker oneSecond = new ValueMarker(saturationP99Ms, Color.RED.darker(), new BasicStroke(1.5f,
                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        oneSecond.setLabel("p99 = " + number(saturationP99Ms) + " ms: saturated");
        oneSecond.setLabelFont(MARKER_FONT);
        oneSecond.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        oneSecond.setLabelPaint(Color.RED.darker());
        oneSecond.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        oneSecond.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        plot.addRangeMarker(oneSecond);

        JFreeChart chart = chart("Delivery latency against offered load: " + roomsLabel(sweep) + ", one Herald node",
                plot, sweepFootnote(sweep));
        return write(chart, LATENCY_VS_LOAD);
    }

    // 2. server CPU per 1M deliveries (and CPU % of a core) against offered load, same sweep
    private Path cpuVsLoad() throws IOException {
        CsvTable sweep = table("herald-sweep.csv");
        XYSeries perMillion = new XYSeries("server CPU per 1M deliveries (s)");
        XYSeries percent = new XYSeries("server CPU (% of one core)");
        for (int row = 0; row < sweep.size(); row++) {
            double offered = offeredDeliveriesPerSecond(sweep, row);
            perMillion.add(offered, sweep.number(row, "server_cpu_s_per_1m"));
            percent.add(offered, sweep.number(row, "server_cpu_pct"));
        }
        NumberAxis seconds = new NumberAxis("server CPU s per 1M deliveries");
        styleAxis(seconds);
        XYLineAndShapeRenderer main = new XYLineAndShapeRenderer(true, true);
        main.setSeriesPaint(0, HERALD);
        main.setSeriesStroke(0, new BasicStroke(2.5f));
        XYPlot plot = new XYPlot(new XYSeriesCollection(perMillion), loadAxis(sweep), seconds, main);
        stylePlot(plot);

        NumberAxis cores = new NumberAxis("server CPU (% of one core; 200 % = both cores)");
        styleAxis(cores);
        plot.setRangeAxis(1, cores);
        plot.setDataset(1, new XYSeriesCollection(percent));
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer second = new XYLineAndShapeRenderer(true, true);
        second.setSeriesPaint(0, Color.GRAY);
        second.setSeriesStroke(0, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        plot.setRenderer(1, second);

        JFreeChart chart = chart("Server CPU per million deliveries against offered load: " + roomsLabel(sweep),
                plot, sweepFootnote(sweep));
        return write(chart, CPU_VS_LOAD);
    }

    // 3. Herald's RSS per idle joined socket and total RSS against the number of sockets, with the production
    //    profile's idle RSS beside the total: the points were taken on JVM defaults, which start far smaller
    private Path memoryVsSockets() throws IOException {
        CsvTable memory = table("memory-vs-sockets.csv");
        XYSeries perSocket = new XYSeries("RSS per socket (KB, left)", true, true);
        XYSeries total = new XYSeries("total RSS after the settle (MiB, right)", true, true);
        String id = null;
        for (int row = 0; row < memory.size(); row++) {
            if (!memory.text(row, "server").equals("Herald")) {
                continue; // Phoenix's rows were taken with phx-bench: its per-socket figure is in herald-vs-phoenix.png
            }
            String rowConditions = memory.text(row, "conditions");
            if (id != null && !id.equals(rowConditions)) {
                throw new IllegalArgumentException("memory-vs-sockets.csv: Herald rows under two conditions, "
                        + id + " and " + rowConditions + "; one line per conditions is not drawn yet");
            }
            id = rowConditions;
            double sockets = memory.number(row, "sockets");
            perSocket.add(sockets, memory.number(row, "bytes_per_socket") / 1000.0);
            total.add(sockets, memory.number(row, "rss_after_settle_mib"));
        }
        if (id == null) {
            throw new IllegalArgumentException("memory-vs-sockets.csv: no Herald rows");
        }
        NumberAxis sockets = new NumberAxis("idle joined sockets (100 topics)");
        sockets.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ENGLISH));
        styleAxis(sockets);
        NumberAxis kb = new NumberAxis("RSS per idle socket (KB = 1,000 bytes)");
        styleAxis(kb);
        XYLineAndShapeRenderer perSocketLines = new XYLineAndShapeRenderer(true, true);
        perSocketLines.setSeriesPaint(0, HERALD);
        perSocketLines.setSeriesStroke(0, new BasicStroke(2.5f));
        XYPlot plot = new XYPlot(new XYSeriesCollection(perSocket), sockets, kb, perSocketLines);
        stylePlot(plot);
        NumberAxis mib = new NumberAxis("total server RSS (MiB = 2^20 bytes)");
        styleAxis(mib);
        plot.setRangeAxis(1, mib);
        plot.setDataset(1, new XYSeriesCollection(total));
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer totalLines = new XYLineAndShapeRenderer(true, true);
        totalLines.setSeriesPaint(0, HERALD_LIGHT);
        totalLines.setSeriesStroke(0, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {6f, 4f}, 0f));
        plot.setRenderer(1, totalLines);

        List<Run> idle = runs.of("idle_rss_gb", null);
        String subtitle = "One fresh node per point; RSS delta per socket 10 s after the last join. Points: "
                + conditions.describe(id) + ".";
        if (!idle.isEmpty()) {
            String idleConditions = idle.get(0).conditions();
            double low = Runs.minimum(idle) * GB_IN_MIB;
            double high = Runs.maximum(idle) * GB_IN_MIB;
            IntervalMarker band = new IntervalMarker(low, high);
            band.setPaint(PHOENIX_LIGHT);
            band.setAlpha(0.7f);
            band.setLabel("a node on the " + conditions.label(idleConditions) + ", idle with no socket: "
                    + number(Runs.minimum(idle)) + "–" + number(Runs.maximum(idle)) + " GB (right axis)");
            band.setLabelFont(MARKER_FONT);
            band.setLabelBackgroundColor(new Color(255, 255, 255, 0));
            band.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT);
            band.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            band.setLabelOffset(new org.jfree.chart.ui.RectangleInsets(4, 60, 4, 4));
            plot.addRangeMarker(1, band, Layer.BACKGROUND);
            mib.setUpperBound(high * 1.1);
            subtitle += "\nNot the production profile: with its fixed 1 GiB young generation, touched by the start-up"
                    + " warm-up, a node idles at " + number(Runs.minimum(idle)) + "–" + number(Runs.maximum(idle))
                    + " GB before its first socket (band). Size memory from that, not from the points. " + footnote;
        } else {
            subtitle += " " + footnote;
        }
        kb.setUpperBound(maximum(perSocket) * 1.4);
        JFreeChart chart = chart("Herald's memory against idle sockets: per socket (left) and in total (right)", plot,
                subtitle);
        return write(chart, MEMORY_VS_SOCKETS);
    }

    // 4. one node against three, one panel per scenario and figure; each scenario under one harness
    private Path oneVsThreeNodes() throws IOException {
        CsvTable pairs = table("one-vs-three.csv");
        Map<String, List<Integer>> byScenario = new LinkedHashMap<>();
        for (int row = 0; row < pairs.size(); row++) {
            byScenario.computeIfAbsent(pairs.text(row, "scenario"), s -> new ArrayList<>()).add(row);
        }
        List<JFreeChart> panels = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> scenario : byScenario.entrySet()) {
            DefaultCategoryDataset latency = new DefaultCategoryDataset();
            DefaultCategoryDataset cpu = new DefaultCategoryDataset();
            List<String> captions = new ArrayList<>();
            String harness = null;
            for (int row : scenario.getValue()) {
                String id = pairs.text(row, "conditions");
                String rowHarness = conditions.field(id, "harness");
                if (harness != null && !harness.equals(rowHarness)) {
                    throw new IllegalArgumentException("one-vs-three.csv: scenario " + scenario.getKey()
                            + " mixes harnesses (" + harness + ", " + rowHarness + ")");
                }
                harness = rowHarness;
                String nodes = nodesLabel(pairs.number(row, "nodes"));
                latency.addValue(pairs.number(row, "p50_ms"), nodes, "p50");
                latency.addValue(pairs.number(row, "p99_ms"), nodes, "p99");
                double perMillion = pairs.number(row, "cpu_s_per_1m");
                if (!Double.isNaN(perMillion)) {
                    cpu.addValue(perMillion, nodes, "server CPU per 1M");
                }
                captions.add(nodes + ": " + conditions.label(id) + ", " + conditions.field(id, "state").split(":")[0]);
            }
            String caption = harness + ". " + String.join("; ", captions);
            panels.add(nodesPanel(scenario.getKey() + ": latency", caption, latency, latencyAxis()));
            if (cpu.getColumnCount() > 0) {
                NumberAxis seconds = new NumberAxis("s per 1M deliveries (3 nodes: summed)");
                styleAxis(seconds);
                seconds.setUpperMargin(0.25);
                panels.add(nodesPanel(scenario.getKey() + ": server CPU", caption, cpu, seconds));
            }
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            prepare(g);
            int top = drawHeading(g, "One node against three at the same load (lower is better)",
                    "All nodes and the harness share the machine, so the 3-node figures include that contention. "
                            + "Each panel: one harness.\n" + footnote);
            drawPanels(g, panels, top, 3, LEGEND_ROOM);
            drawLegend(g, 20, HEIGHT - 22, new Object[][] {{HERALD, "1 node"}, {THIRD, "3 nodes"}}, true);
        } finally {
            g.dispose();
        }
        Path file = outDir.resolve(ONE_VS_THREE_NODES);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static JFreeChart nodesPanel(String title, String caption, DefaultCategoryDataset data, ValueAxis axis) {
        BarRenderer bars = valueLabelledBars();
        bars.setSeriesPaint(0, HERALD);
        bars.setSeriesPaint(1, THIRD);
        CategoryAxis categories = new CategoryAxis();
        categories.setTickLabelFont(AXIS_FONT);
        CategoryPlot plot = new CategoryPlot(data, categories, axis, bars);
        stylePlot(plot);
        if (axis instanceof LogAxis log) {
            log.setLowerBound(Math.max(0.01, minimum(data) / 3));
            log.setUpperBound(maximum(data) * 4);
        }
        JFreeChart chart = new JFreeChart(title, PANEL_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        TextTitle note = new TextTitle(caption, CAPTION_FONT);
        note.setPaint(Color.DARK_GRAY);
        chart.addSubtitle(note);
        return chart;
    }

    // 5. one small panel per figure: Phoenix's range beside Herald's, both under phx-bench on a cold server
    private Path heraldVsPhoenix() throws IOException {
        List<JFreeChart> panels = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (int row = 0; row < phoenix.size(); row++) {
            String key = phoenix.text(row, "key");
            String phoenixConditions = phoenix.text(row, "conditions");
            List<Run> herald = runs.likeFor(key, phoenixConditions);
            if (herald.isEmpty()) {
                left.add(phoenix.text(row, "figure"));
                continue;
            }
            String heraldConditions = herald.get(0).conditions();
            String caption = "Herald: " + conditions.label(heraldConditions) + ", " + herald.size()
                    + (herald.size() == 1 ? " run" : " runs")
                    + (herald.size() > 2 ? ", median " + BenchmarkTables.exact(Runs.median(herald)) : "");
            panels.add(comparisonPanel(phoenix.text(row, "figure"), caption, phoenix.text(row, "unit"),
                    phoenix.number(row, "low"), phoenix.number(row, "high"), Runs.minimum(herald), Runs.maximum(herald)));
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            prepare(g);
            String phoenixState = phoenix.size() > 0 ? conditions.field(phoenix.text(0, "conditions"), "state") : "";
            int top = drawHeading(g, "Herald beside Phoenix 1.7.24 (lower is better)",
                    "Both: " + (phoenix.size() > 0 ? conditions.field(phoenix.text(0, "conditions"), "harness") : "")
                            + ", " + phoenixState + "; bars span the lowest to the highest run. " + footnote
                            + (left.isEmpty() ? "" : "\nNot drawn (no Herald run under the same harness and state): "
                                    + String.join(", ", left) + "."));
            int columns = 3;
            drawPanels(g, panels, top, columns, 4);
            int rows = (panels.size() + columns - 1) / columns;
            if (panels.size() % columns != 0) {
                double cellWidth = (double) WIDTH / columns;
                double cellHeight = (double) (HEIGHT - top - 4) / rows;
                drawLegend(g, ((panels.size() % columns) * cellWidth) + 20, top + (rows - 1) * cellHeight + 30,
                        new Object[][] {
                            {PHOENIX, "Phoenix 1.7.24, low end of its range"},
                            {PHOENIX_LIGHT, "Phoenix 1.7.24, up to the high end"},
                            {HERALD, "Herald, lowest run"},
                            {HERALD_LIGHT, "Herald, up to the highest run"},
                        }, false);
            }
        } finally {
            g.dispose();
        }
        Path file = outDir.resolve(HERALD_VS_PHOENIX);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static JFreeChart comparisonPanel(String figure, String caption, String unit, double phoenixLow,
            double phoenixHigh, double heraldLow, double heraldHigh) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        String phoenixBar = "Phoenix";
        String heraldBar = "Herald";
        data.addValue(phoenixLow, "low", phoenixBar);
        data.addValue(phoenixHigh - phoenixLow, "range", phoenixBar);
        data.addValue(heraldLow, "low", heraldBar);
        data.addValue(heraldHigh - heraldLow, "range", heraldBar);
        StackedBarRenderer bars = new StackedBarRenderer() {
            @Override
            public Paint getItemPaint(int series, int column) {
                boolean isPhoenix = column == 0;
                if (series == 0) {
                    return isPhoenix ? PHOENIX : HERALD;
                }
                return isPhoenix ? PHOENIX_LIGHT : HERALD_LIGHT;
            }
        };
        bars.setShadowVisible(false);
        bars.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        bars.setMaximumBarWidth(0.35);
        bars.setDefaultItemLabelsVisible(false);
        CategoryAxis sides = new CategoryAxis();
        sides.setTickLabelFont(AXIS_FONT);
        NumberAxis values = new NumberAxis(unit);
        styleAxis(values);
        values.setUpperBound(Math.max(phoenixHigh, heraldHigh) * 1.3);
        CategoryPlot plot = new CategoryPlot(data, sides, values, bars);
        stylePlot(plot);
        plot.setOrientation(PlotOrientation.VERTICAL);
        addBarLabel(plot, phoenixBar, phoenixHigh, rangeText(phoenixLow, phoenixHigh));
        addBarLabel(plot, heraldBar, heraldHigh, rangeText(heraldLow, heraldHigh));
        JFreeChart chart = new JFreeChart(figure, PANEL_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        TextTitle note = new TextTitle(caption, CAPTION_FONT);
        note.setPaint(Color.DARK_GRAY);
        chart.addSubtitle(note);
        return chart;
    }

    private static String rangeText(double low, double high) {
        return low == high ? BenchmarkTables.exact(low) : BenchmarkTables.exact(low) + "–" + BenchmarkTables.exact(high);
    }

    private static void prepare(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setPaint(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
    }

    /** Panels in a grid of {@code columns} between {@code top} and {@code bottomRoom} above the bottom edge. */
    private static void drawPanels(Graphics2D g, List<JFreeChart> panels, int top, int columns, int bottomRoom) {
        int rows = Math.max(1, (panels.size() + columns - 1) / columns);
        double cellWidth = (double) WIDTH / columns;
        double cellHeight = (double) (HEIGHT - top - bottomRoom) / rows;
        for (int i = 0; i < panels.size(); i++) {
            Rectangle2D cell = new Rectangle2D.Double((i % columns) * cellWidth + 4, top + (i / columns) * cellHeight,
                    cellWidth - 8, cellHeight - 6);
            panels.get(i).draw(g, cell);
        }
    }

    private static void addBarLabel(CategoryPlot plot, String bar, double value, String text) {
        org.jfree.chart.annotations.CategoryTextAnnotation label =
                new org.jfree.chart.annotations.CategoryTextAnnotation(text, bar, value);
        label.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        label.setTextAnchor(TextAnchor.BOTTOM_CENTER);
        plot.addAnnotation(label);
    }

    /** Colour swatches with their labels, one under the other or (horizontal) on one line. */
    private static void drawLegend(Graphics2D g, double x, double y, Object[][] entries, boolean horizontal) {
        g.setFont(SUBTITLE_FONT);
        FontMetrics metrics = g.getFontMetrics();
        double at = x;
        int line = 0;
        for (Object[] entry : entries) {
            String text = (String) entry[1];
            int top = horizontal ? (int) y : (int) y + line * 24;
            g.setPaint((Color) entry[0]);
            g.fillRect((int) at, top, 18, 14);
            g.setPaint(Color.DARK_GRAY);
            g.drawString(text, (int) at + 26, top + 12);
            if (horizontal) {
                at += 26 + metrics.stringWidth(text) + 30;
            }
            line++;
        }
    }

    /** The title, then each line of the subtitle, centred; returns where the panels may start. */
    private static int drawHeading(Graphics2D g, String title, String subtitle) {
        g.setPaint(Color.BLACK);
        g.setFont(TITLE_FONT);
        FontMetrics titleMetrics = g.getFontMetrics();
        int y = 8 + titleMetrics.getAscent();
        g.drawString(title, (WIDTH - titleMetrics.stringWidth(title)) / 2, y);
        g.setFont(SUBTITLE_FONT);
        g.setPaint(Color.DARK_GRAY);
        FontMetrics subtitleMetrics = g.getFontMetrics();
        y += 4;
        for (String paragraph : subtitle.split("\n")) {
            for (String line : wrap(paragraph, subtitleMetrics, WIDTH - 20)) {
                y += 2 + subtitleMetrics.getAscent();
                g.drawString(line, (WIDTH - subtitleMetrics.stringWidth(line)) / 2, y);
            }
        }
        return y + 12;
    }

    /** The words of {@code text} in lines no wider than {@code width}. */
    private static List<String> wrap(String text, FontMetrics metrics, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && metrics.stringWidth(line + " " + word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /** Milliseconds on a log scale, one tick per decade. */
    private static LogAxis latencyAxis() {
        LogAxis axis = new LogAxis("latency (ms, log scale)");
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
        axis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0), false, true);
        axis.setMinorTickCount(9);
        axis.setMinorTickMarksVisible(true);
        styleAxis(axis);
        return axis;
    }

    private static BarRenderer valueLabelledBars() {
        BarRenderer bars = new BarRenderer();
        bars.setShadowVisible(false);
        bars.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        bars.setItemMargin(0.05);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("#,##0.##")));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        return bars;
    }

    private JFreeChart chart(String title, org.jfree.chart.plot.Plot plot, String subtitle) {
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        TextTitle note = new TextTitle(subtitle, SUBTITLE_FONT);
        note.setPaint(Color.DARK_GRAY);
        note.setPosition(RectangleEdge.TOP);
        chart.addSubtitle(note);
        chart.getLegend().setItemFont(AXIS_FONT);
        return chart;
    }

    private Path write(JFreeChart chart, String name) throws IOException {
        Path file = outDir.resolve(name);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }

    private CsvTable table(String name) throws IOException {
        return CsvTable.read(dataDir.resolve(name));
    }

    /** Offered deliveries per second of a harness row: msg/s × subscribers per room. */
    private static double offeredDeliveriesPerSecond(CsvTable harness, int row) {
        return harness.number(row, "rate") * harness.number(row, "conns") / harness.number(row, "topics");
    }

    private static NumberAxis loadAxis(CsvTable sweep) {
        double perRoom = sweep.number(0, "conns") / sweep.number(0, "topics");
        NumberAxis load = new NumberAxis("offered load (deliveries/s = msg/s × " + number(perRoom) + " subscribers per room)");
        load.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ENGLISH));
        load.setAutoRangeIncludesZero(true);
        styleAxis(load);
        return load;
    }

    private static String roomsLabel(CsvTable sweep) {
        return number(sweep.number(0, "topics")) + " rooms × " + number(sweep.number(0, "conns") / sweep.number(0, "topics"))
                + " subscribers";
    }

    private String sweepFootnote(CsvTable sweep) {
        return conditions.describe(sweepConditions) + ".\n" + number(sweep.number(0, "seconds")) + " s per step, "
                + number(sweep.number(0, "size")) + "-byte payload; lowest delivery ratio of a step "
                + number(100 * minimum(sweep, "delivery_ratio")) + " %. Not the production profile. " + footnote;
    }

    private static String nodesLabel(double nodes) {
        return nodes == 1 ? "1 node" : number(nodes) + " nodes";
    }

    private static String range(CsvTable table, int row) {
        String unit = table.text(row, "unit");
        return number(table.number(row, "low")) + "–" + number(table.number(row, "high")) + " " + unit;
    }

    private static String number(double value) {
        DecimalFormat format = (DecimalFormat) NumberFormat.getNumberInstance(Locale.ENGLISH);
        format.setMaximumFractionDigits(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
        return format.format(value);
    }

    private static double minimum(CsvTable table, String column) {
        double min = Double.MAX_VALUE;
        for (int row = 0; row < table.size(); row++) {
            min = Math.min(min, table.number(row, column));
        }
        return min;
    }

    private static double maximum(XYSeries series) {
        return series.getMaxY();
    }

    private static double minimum(DefaultCategoryDataset data) {
        double min = Double.MAX_VALUE;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number value = data.getValue(r, c);
                if (value != null && value.doubleValue() > 0) {
                    min = Math.min(min, value.doubleValue());
                }
            }
        }
        return min;
    }

    private static double maximum(DefaultCategoryDataset data) {
        double max = 0;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number value = data.getValue(r, c);
                if (value != null) {
                    max = Math.max(max, value.doubleValue());
                }
            }
        }
        return max;
    }

    private static void styleAxis(ValueAxis axis) {
        axis.setLabelFont(AXIS_FONT);
        axis.setTickLabelFont(TICK_FONT);
    }

    private static void stylePlot(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    }

    private static void stylePlot(CategoryPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    }
}
