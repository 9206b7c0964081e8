package io.herald.loadtest.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkChartsTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void drawsEveryChartAsAPngOfTheAgreedSize() throws IOException {
        Path data = tinyDataSet();
        Path out = dir.resolve("img");

        List<Path> written = BenchmarkCharts.draw(data, out);

        assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly(
                BenchmarkCharts.LATENCY_VS_LOAD, BenchmarkCharts.CPU_VS_LOAD, BenchmarkCharts.MEMORY_VS_SOCKETS,
                BenchmarkCharts.ONE_VS_THREE_NODES, BenchmarkCharts.HERALD_VS_PHOENIX);
        for (Path file : written) {
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).as(file.toString()).isNotNull();
            assertThat(image.getWidth()).as(file.toString()).isEqualTo(BenchmarkCharts.WIDTH);
            assertThat(image.getHeight()).as(file.toString()).isEqualTo(BenchmarkCharts.HEIGHT);
        }
    }

    @Test
    void aComparisonRowNamingAMissingRunFailsWithItsLabel() throws IOException {
        Path data = tinyDataSet();
        write(data, "comparison.csv", "key,herald_label,herald_column,herald_scale",
                "p99_ms,no-such-run,p99_ms,1");

        assertThatThrownBy(() -> BenchmarkCharts.draw(data, dir.resolve("img")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-run");
    }

    @Test
    void readsQuotedFieldsAndEmptyCellsOfTheHarnessCsv() throws IOException {
        write(dir, "t.csv", "label,loadavg,p99_ms", "a,\"1.0 2.0, \"\"x\"\"\",", "b,0.5,3.25");

        CsvTable table = CsvTable.read(dir.resolve("t.csv"));

        assertThat(table.size()).isEqualTo(2);
        assertThat(table.text(0, "loadavg")).isEqualTo("1.0 2.0, \"x\"");
        assertThat(table.number(0, "p99_ms")).isNaN();
        assertThat(table.number(table.rowWhere("label", "b"), "p99_ms")).isEqualTo(3.25);
        assertThatThrownBy(() -> table.text(0, "p50_ms")).hasMessageContaining("no column p50_ms");
    }

    /** The smallest files that exercise every chart: a two-step sweep, two runs, one Phoenix figure each. */
    private Path tinyDataSet() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        write(data, "setup.csv", "key,value", "footnote,\"test machine, today\"", "saturation_p99_ms,1000");
        write(data, "phoenix.csv", "key,figure,unit,low,high,source",
                "rss_per_idle_socket_kb,RSS per socket,KB,30,35,test",
                "saturation_deliveries_per_s,saturation,deliveries/s,600,700,test",
                "p99_ms,p99,ms,7,11,test");
        String harnessHeader = "label,conns,topics,rate,seconds,size,delivery_ratio,p50_ms,p99_ms,p999_ms,"
                + "server_cpu_s_per_1m,server_cpu_pct,bytes_per_conn";
        write(data, "herald-sweep.csv", harnessHeader,
                "sweep,100,10,20,20,100,1,0.3,2.2,13,19.7,39,",
                "sweep,100,10,80,20,100,1,0.8,27,45,12.2,98,");
        write(data, "herald-final.csv", harnessHeader, "run,100,10,20,60,100,1,0.3,3.1,16,21.3,43,8765");
        write(data, "comparison.csv", "key,herald_label,herald_column,herald_scale",
                "rss_per_idle_socket_kb,run,bytes_per_conn,0.001", "p99_ms,run,p99_ms,1");
        write(data, "memory-vs-sockets.csv", "server,sockets,bytes_per_socket,rss_after_settle_mib",
                "Herald,100,9000,250", "Herald,200,8500,252", "Phoenix,100,34600,555");
        write(data, "one-vs-three.csv", "scenario,nodes,p50_ms,p99_ms,cpu_s_per_1m",
                "load,1,0.3,3.1,21.3", "load,3,0.8,13.8,73.6", "other,1,0.4,2.9,", "other,3,1.1,12.4,");
        return data;
    }

    private static void write(Path directory, String name, String... lines) throws IOException {
        Files.write(directory.resolve(name), List.of(lines), StandardCharsets.UTF_8);
    }
}
