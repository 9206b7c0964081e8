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
    void aRunNamingUnknownConditionsFailsWithTheirId() throws IOException {
        Path data = tinyDataSet();
        write(data, "runs.csv", "conditions,key,run,value,source", "no-such-conditions,p99_ms,1,5,test");

        assertThatThrownBy(() -> BenchmarkCharts.draw(data, dir.resolve("img")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-conditions");
    }

    @Test
    void onlyHeraldRunsOfPhoenixsHarnessAndStateStandBesideIt() throws IOException {
        Path data = tinyDataSet();
        Runs runs = Runs.read(data, RunConditions.read(data.resolve("conditions.csv")));

        assertThat(runs.likeFor("p99_ms", "phoenix-cold")).extracting(Runs.Run::value).containsExactly(9.0, 5.0, 7.0);
        assertThat(Runs.median(runs.likeFor("p99_ms", "phoenix-cold"))).isEqualTo(7.0);
        assertThat(runs.likeFor("rss_per_idle_socket_kb", "phoenix-cold")).isEmpty(); // only a warm Java-harness run
    }

    @Test
    void aScenarioMixingHarnessesIsRefused() throws IOException {
        Path data = tinyDataSet();
        write(data, "one-vs-three.csv", "scenario,nodes,p50_ms,p99_ms,cpu_s_per_1m,conditions",
                "load,1,0.3,3.1,21.3,herald-cold", "load,3,0.8,13.8,73.6,herald-warm-java");

        assertThatThrownBy(() -> BenchmarkCharts.draw(data, dir.resolve("img")))
                .hasMessageContaining("mixes harnesses");
    }

    @Test
    void generatedBlocksAreRewrittenFromTheDataAndTheRestIsKept() throws IOException {
        Path data = tinyDataSet();
        String doc = "# Title\nbefore\n<!-- generated: headline -->\nstale 99 ms\n<!-- end generated: headline -->\nafter\n";

        String rendered = BenchmarkTables.render(data, doc);

        assertThat(rendered).startsWith("# Title\nbefore\n<!-- generated: headline -->\n| figure |")
                .endsWith("<!-- end generated: headline -->\nafter\n")
                .doesNotContain("stale")
                .contains("| p99 | 7–11 ms | 5–9 ms (median 7, mean 7, 3 runs) | `herald-cold` | ≤ 6 ms |");
        assertThat(BenchmarkTables.render(data, rendered)).isEqualTo(rendered);
        assertThatThrownBy(() -> BenchmarkTables.render(data, "<!-- generated: nope -->\nx\n<!-- end generated: nope -->"))
                .hasMessageContaining("unknown generated block: nope");
    }

    /** docs/benchmarks.md's tables are generated from docs/data: a CSV edited without a run of the tool fails here. */
    @Test
    void theBenchmarksDocIsGeneratedFromTheCurrentData() throws IOException {
        Path docs = Path.of("..", "docs");
        Path doc = docs.resolve("benchmarks.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(doc), "docs/ is not next to the module");
        String text = Files.readString(doc, StandardCharsets.UTF_8);

        assertThat(BenchmarkTables.render(docs.resolve("data"), text))
                .as("docs/benchmarks.md is out of date: run BenchmarkCharts docs/data docs/img docs/benchmarks.md")
                .isEqualTo(text);
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

    /** The smallest files that exercise every chart: a two-step sweep, a few runs, one Phoenix figure each. */
    private Path tinyDataSet() throws IOException {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        write(data, "setup.csv", "key,value", "footnote,\"test machine, today\"", "saturation_p99_ms,1000",
                "sweep_conditions,herald-warm-java");
        String conditionsHeader = "id,label,server,harness,state,jvm_options,warm_up,build,date";
        write(data, "conditions.csv", conditionsHeader,
                "phoenix-cold,Phoenix,Phoenix,bench,cold: fresh,BEAM,n/a,1.7,today",
                "herald-cold,\"profile, abc\",Herald,bench,cold: fresh node,-XX:+UseParallelGC,on,abc,today",
                "herald-warm-java,G1 def,Herald,java,warm: 10 s,G1,none,def,today",
                "herald-idle,profile,Herald,none,idle,-Xmn1g,on,abc,today");
        write(data, "phoenix.csv", "key,figure,unit,low,high,conditions,source",
                "rss_per_idle_socket_kb,RSS per socket,KB,30,35,phoenix-cold,test",
                "p99_ms,p99,ms,7,11,phoenix-cold,test");
        write(data, "goals.csv", "key,goal,goal_state", "rss_per_idle_socket_kb,≤ 10 KB,any", "p99_ms,≤ 6 ms,any");
        write(data, "runs.csv", "conditions,key,run,value,source",
                "herald-cold,p99_ms,1,9,test", "herald-cold,p99_ms,2,5,test", "herald-cold,p99_ms,3,7,test",
                "herald-warm-java,p99_ms,1,1,test", "herald-warm-java,rss_per_idle_socket_kb,1,3,test",
                "herald-idle,idle_rss_gb,1,1.2,test");
        String harnessHeader = "label,cmd,conns,topics,rate,seconds,size,delivery_ratio,deliveries_per_s,p50_ms,p99_ms,"
                + "p999_ms,server_cpu_s_per_1m,server_cpu_pct,server_cpu_us_per_conn,bytes_per_conn";
        write(data, "herald-sweep.csv", harnessHeader,
                "sweep,fanout,100,10,20,20,100,1,200,0.3,2.2,13,19.7,39,,",
                "sweep,fanout,100,10,80,20,100,1,800,0.8,27,45,12.2,98,,");
        write(data, "herald-final.csv", harnessHeader, "run,fanout,100,10,20,60,100,1,200,0.3,3.1,16,21.3,43,,",
                "idle,idle,100,10,,,,,,,,,,,198,2975");
        write(data, "memory-vs-sockets.csv", "server,sockets,bytes_per_socket,rss_before_mib,rss_after_settle_mib,conditions",
                "Herald,100,9000,240,250,herald-cold", "Herald,200,8500,240,252,herald-cold",
                "Phoenix,100,34600,225,555,phoenix-cold");
        write(data, "one-vs-three.csv", "scenario,nodes,p50_ms,p99_ms,cpu_s_per_1m,conditions",
                "load,1,0.3,3.1,21.3,herald-warm-java", "load,3,0.8,13.8,73.6,herald-warm-java",
                "other,1,0.4,2.9,,herald-cold", "other,3,1.1,12.4,,herald-cold");
        return data;
    }

    private static void write(Path directory, String name, String... lines) throws IOException {
        Files.write(directory.resolve(name), List.of(lines), StandardCharsets.UTF_8);
    }
}
