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
 * Files read: {@code setup.csv} (footnote, saturation threshold), {@code herald-sweep.csv} and
 * {@code herald-final.csv} (rows of the fan-out harness's {@code --csv}), {@code phoenix.csv} (Phoenix's
 * figures), {@code comparison.csv} (which Herald cell stands beside which Phoenix figure),
 * {@code memory-vs-sockets.csv} and {@code one-vs-three.csv}.
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

    private final Path dataDir;
    private final Path outDir;
    private final String footnote;
    private final double saturationP99Ms;
    private final CsvTable phoenix;

    private BenchmarkCharts(Path dataDir, Path outDir) throws IOException {
        this.dataDir = dataDir;
        this.outDir = outDir;
        CsvTable setup = table("setup.csv");
        this.footnote = setup.text(setup.rowWhere("key", "footnote"), "value");
        this.saturationP99Ms = setup.number(setup.rowWhere("key", "saturation_p99_ms"), "value");
        this.phoenix = table("phoenix.csv");
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: BenchmarkCharts <data dir> <output dir>   (e.g. docs/data docs/img)");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        for (Path written : draw(Path.of(args[0]), Path.of(args[1]))) {
            System.out.println("wrote " + written);
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

        int saturation = phoenix.rowWhere("key", "saturation_deliveries_per_s");
        IntervalMarker phoenixBand = new IntervalMarker(phoenix.number(saturation, "low"), phoenix.number(saturation, "high"));
        phoenixBand.setPaint(PHOENIX_LIGHT);
        phoenixBand.setAlpha(0.6f);
        phoenixBand.setLabel("Phoenix 1.7.24: p99 passes 1 s here (" + range(phoenix, saturation) + ")");
        phoenixBand.setLabelFont(MARKER_FONT);
        phoenixBand.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        phoenixBand.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        phoenixBand.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        phoenixBand.setLabelOffset(new org.jfree.chart.ui.RectangleInsets(6, 6, 6, 6));
        plot.addDomainMarker(phoenixBand, Layer.BACKGROUND);

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

    // 3. RSS per idle joined socket and total RSS against the number of sockets, Herald and Phoenix
    private Path memoryVsSockets() throws IOException {
        CsvTable memory = table("memory-vs-sockets.csv");
        Map<String, XYSeries> perSocket = new LinkedHashMap<>();
        Map<String, XYSeries> total = new LinkedHashMap<>();
        for (int row = 0; row < memory.size(); row++) {
            String server = memory.text(row, "server");
            double sockets = memory.number(row, "sockets");
            perSocket.computeIfAbsent(server, s -> new XYSeries(s + ": RSS per socket (KB)", true, true))
                    .add(sockets, memory.number(row, "bytes_per_socket") / 1000.0);
            total.computeIfAbsent(server, s -> new XYSeries(s + ": total RSS after settle (MiB)", true, true))
                    .add(sockets, memory.number(row, "rss_after_settle_mib"));
        }
        XYSeriesCollection perSocketData = new XYSeriesCollection();
        perSocket.values().forEach(perSocketData::addSeries);
        XYSeriesCollection totalData = new XYSeriesCollection();
        total.values().forEach(totalData::addSeries);

        NumberAxis sockets = new NumberAxis("idle joined sockets (100 topics)");
        sockets.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ENGLISH));
        styleAxis(sockets);
        NumberAxis kb = new NumberAxis("RSS per idle socket (KB = 1,000 bytes)");
        styleAxis(kb);
        XYLineAndShapeRenderer perSocketLines = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(perSocketData, sockets, kb, perSocketLines);
        stylePlot(plot);
        NumberAxis mib = new NumberAxis("total server RSS (MiB)");
        styleAxis(mib);
        plot.setRangeAxis(1, mib);
        plot.setDataset(1, totalData);
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer totalLines = new XYLineAndShapeRenderer(true, true);
        plot.setRenderer(1, totalLines);
        int series = 0;
        for (String server : perSocket.keySet()) {
            boolean isHerald = series == 0;
            perSocketLines.setSeriesPaint(series, isHerald ? HERALD : PHOENIX);
            perSocketLines.setSeriesStroke(series, new BasicStroke(2.5f));
            totalLines.setSeriesPaint(series, isHerald ? HERALD_LIGHT : PHOENIX_LIGHT);
            totalLines.setSeriesStroke(series, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    10f, new float[] {6f, 4f}, 0f));
            series++;
        }
        int reference = phoenix.rowWhere("key", "rss_per_idle_socket_kb");
        IntervalMarker band = new IntervalMarker(phoenix.number(reference, "low"), phoenix.number(reference, "high"));
        band.setPaint(PHOENIX_LIGHT);
        band.setAlpha(0.7f);
        band.setLabel("Phoenix 1.7.24: " + range(phoenix, reference) + " per socket");
        band.setLabelFont(MARKER_FONT);
        band.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        band.setLabelAnchor(RectangleAnchor.BOTTOM_RIGHT);
        band.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
        plot.addRangeMarker(band, Layer.BACKGROUND);
        kb.setUpperBound(Math.max(kb.getUpperBound(), phoenix.number(reference, "high") * 1.15));

        JFreeChart chart = chart("Server memory against idle sockets: per socket (left) and in total (right)", plot,
                "One fresh server per point; RSS delta per socket 10 s after the last join. " + footnote);
        return write(chart, MEMORY_VS_SOCKETS);
    }

    // 4. one node against three: p50 / p99 and CPU per 1M deliveries per scenario
    private Path oneVsThreeNodes() throws IOException {
        CsvTable runs = table("one-vs-three.csv");
        DefaultCategoryDataset latency = new DefaultCategoryDataset();
        DefaultCategoryDataset cpu = new DefaultCategoryDataset();
        for (int row = 0; row < runs.size(); row++) {
            String scenario = runs.text(row, "scenario");
            String nodes = nodesLabel(runs.number(row, "nodes"));
            latency.addValue(runs.number(row, "p50_ms"), "p50, " + nodes, scenario);
            latency.addValue(runs.number(row, "p99_ms"), "p99, " + nodes, scenario);
            double perMillion = runs.number(row, "cpu_s_per_1m");
            cpu.addValue(Double.isNaN(perMillion) ? null : perMillion, nodes, scenario);
        }
        LogAxis ms = latencyAxis();
        BarRenderer latencyBars = valueLabelledBars();
        // series in the order added: p50 and p99 of one node, then of three; one hue per node count
        latencyBars.setSeriesPaint(0, HERALD_LIGHT);
        latencyBars.setSeriesPaint(1, HERALD);
        latencyBars.setSeriesPaint(2, new Color(0xa6, 0xdb, 0xa0));
        latencyBars.setSeriesPaint(3, THIRD);
        CategoryPlot latencyPlot = new CategoryPlot(latency, null, ms, latencyBars);
        latencyPlot.setRangeAxis(ms);
        stylePlot(latencyPlot);
        ms.setLowerBound(Math.max(0.01, minimum(latency) / 3));
        ms.setUpperBound(maximum(latency) * 4);

        NumberAxis seconds = new NumberAxis("server CPU s per 1M deliveries");
        styleAxis(seconds);
        seconds.setUpperMargin(0.25);
        BarRenderer cpuBars = valueLabelledBars();
        cpuBars.setSeriesPaint(0, HERALD);
        cpuBars.setSeriesPaint(1, THIRD);
        CategoryPlot cpuPlot = new CategoryPlot(cpu, null, seconds, cpuBars);
        stylePlot(cpuPlot);

        CategoryAxis scenarios = new CategoryAxis();
        scenarios.setTickLabelFont(TICK_FONT);
        scenarios.setMaximumCategoryLabelLines(3);
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(scenarios);
        plot.add(latencyPlot, 3);
        plot.add(cpuPlot, 2);
        plot.setGap(12);
        JFreeChart chart = chart("One node against three: latency and server CPU at the same load", plot,
                "All nodes and the harness share the machine; 3-node CPU summed over the nodes. " + footnote);
        return write(chart, ONE_VS_THREE_NODES);
    }

    // 5. one small panel per figure: Phoenix's range beside Herald's measured value
    private Path heraldVsPhoenix() throws IOException {
        CsvTable comparison = table("comparison.csv");
        CsvTable herald = table("herald-final.csv");
        List<JFreeChart> panels = new ArrayList<>();
        for (int row = 0; row < comparison.size(); row++) {
            int reference = phoenix.rowWhere("key", comparison.text(row, "key"));
            int measured = herald.rowWhere("label", comparison.text(row, "herald_label"));
            double heraldValue = herald.number(measured, comparison.text(row, "herald_column"))
                    * comparison.number(row, "herald_scale");
            panels.add(comparisonPanel(phoenix.text(reference, "figure"), phoenix.text(reference, "unit"),
                    phoenix.number(reference, "low"), phoenix.number(reference, "high"), heraldValue));
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setPaint(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int top = drawHeading(g, "Herald beside Phoenix 1.7.24, same machine and harness scenarios (lower is better)",
                    "Phoenix: phx-bench, its measured range. Herald: Java fan-out harness, one run (node warmed up at start). " + footnote);
            int columns = 3;
            int rows = (panels.size() + columns - 1) / columns;
            double cellWidth = (double) WIDTH / columns;
            double cellHeight = (double) (HEIGHT - top - 4) / rows;
            for (int i = 0; i < panels.size(); i++) {
                Rectangle2D cell = new Rectangle2D.Double((i % columns) * cellWidth + 4, top + (i / columns) * cellHeight,
                        cellWidth - 8, cellHeight - 6);
                panels.get(i).draw(g, cell);
            }
            if (panels.size() % columns != 0) {
                drawLegend(g, ((panels.size() % columns) * cellWidth) + 20, top + (rows - 1) * cellHeight + 30);
            }
        } finally {
            g.dispose();
        }
        Path file = outDir.resolve(HERALD_VS_PHOENIX);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static JFreeChart comparisonPanel(String figure, String unit, double low, double high, double heraldValue) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        String phoenixBar = "Phoenix";
        String heraldBar = "Herald";
        data.addValue(low, "low", phoenixBar);
        data.addValue(high - low, "range", phoenixBar);
        data.addValue(heraldValue, "low", heraldBar);
        data.addValue(0.0, "range", heraldBar);
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
        values.setUpperBound(Math.max(high, heraldValue) * 1.3);
        CategoryPlot plot = new CategoryPlot(data, sides, values, bars);
        stylePlot(plot);
        plot.setOrientation(PlotOrientation.VERTICAL);
        String phoenixText = number(low) + "–" + number(high);
        addBarLabel(plot, phoenixBar, high, phoenixText);
        addBarLabel(plot, heraldBar, heraldValue, number(heraldValue));
        JFreeChart chart = new JFreeChart(figure, PANEL_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static void addBarLabel(CategoryPlot plot, String bar, double value, String text) {
        org.jfree.chart.annotations.CategoryTextAnnotation label =
                new org.jfree.chart.annotations.CategoryTextAnnotation(text, bar, value);
        label.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        label.setTextAnchor(TextAnchor.BOTTOM_CENTER);
        plot.addAnnotation(label);
    }

    private void drawLegend(Graphics2D g, double x, double y) {
        g.setFont(SUBTITLE_FONT);
        Object[][] entries = {
            {PHOENIX, "Phoenix 1.7.24, low end of its range"},
            {PHOENIX_LIGHT, "Phoenix 1.7.24, up to the high end"},
            {HERALD, "Herald, measured"},
        };
        int line = 0;
        for (Object[] entry : entries) {
            g.setPaint((Color) entry[0]);
            g.fillRect((int) x, (int) y + line * 24, 18, 14);
            g.setPaint(Color.DARK_GRAY);
            g.drawString((String) entry[1], (int) x + 26, (int) y + line * 24 + 12);
            line++;
        }
    }

    private static int drawHeading(Graphics2D g, String title, String subtitle) {
        g.setPaint(Color.BLACK);
        g.setFont(TITLE_FONT);
        FontMetrics titleMetrics = g.getFontMetrics();
        int y = 8 + titleMetrics.getAscent();
        g.drawString(title, (WIDTH - titleMetrics.stringWidth(title)) / 2, y);
        g.setFont(SUBTITLE_FONT);
        g.setPaint(Color.DARK_GRAY);
        FontMetrics subtitleMetrics = g.getFontMetrics();
        y += 6 + subtitleMetrics.getAscent();
        g.drawString(subtitle, (WIDTH - subtitleMetrics.stringWidth(subtitle)) / 2, y);
        return y + 12;
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
        return "Fan-out harness (Java), " + number(sweep.number(0, "seconds")) + " s per step, "
                + number(sweep.number(0, "size")) + "-byte payload; lowest delivery ratio of a step "
                + number(100 * minimum(sweep, "delivery_ratio")) + " %. " + footnote;
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
