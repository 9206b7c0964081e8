package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The arithmetic behind the reported figures, and their output formats. */
class FanoutFiguresTest {
  @Test
  void expectedDeliveriesCountSubscribersOfEachMessagesTopic() {
    long[] perTopic = {10, 10, 5, 0};
    boolean[] all = {true, true, true, true};
    // 10 messages round-robin: topics 0,1,2,3,0,1,2,3,0,1
    assertThat(FanoutRun.expectedDeliveries(10, all, perTopic)).isEqualTo(3 * 10 + 3 * 10 + 2 * 5);
    boolean[] notTopic1 = {true, false, true, true};
    assertThat(FanoutRun.expectedDeliveries(10, notTopic1, perTopic)).isEqualTo(3 * 10 + 2 * 5);
    assertThat(FanoutRun.expectedDeliveries(4000, new boolean[] {true}, new long[] {10_000})).isEqualTo(40_000_000L);
  }

  @Test
  void recordingsMergeCountsHistogramsAndTimes() {
    Histogram a = Recording.newHistogram();
    a.recordValue(1000);
    Histogram b = Recording.newHistogram();
    b.recordValue(3000);
    b.recordValue(5000);
    Recording m = Recording.merge(List.of(
        new Recording(1, 0, 1, 0, 100, 200, a), new Recording(2, 4, 0, 1, 50, 150, b)));
    assertThat(m.received()).isEqualTo(3);
    assertThat(m.stale()).isEqualTo(4);
    assertThat(m.orderViolations()).isEqualTo(1);
    assertThat(m.firstRecvNanos()).isEqualTo(50);
    assertThat(m.lastRecvNanos()).isEqualTo(200);
    Map<String, Object> ms = Report.latencyMs(m.latencyUs(), m.negative());
    assertThat(ms.get("n")).isEqualTo(3L);
    assertThat((Double) ms.get("p50")).isCloseTo(3.0, org.assertj.core.data.Offset.offset(0.01));
    assertThat((Double) ms.get("max")).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void jsonQuotesAndWritesNumbersAsJsonDoes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "a\"b\\c\n");
    m.put("whole", 20000.0);
    m.put("frac", 0.4567891);
    m.put("nan", Double.NaN);
    m.put("list", List.of(1L, true));
    m.put("none", null);
    assertThat(Json.write(m)).isEqualTo(
        "{\"s\":\"a\\\"b\\\\c\\n\",\"whole\":20000,\"frac\":0.456789,\"nan\":null,\"list\":[1,true],\"none\":null}");
  }

  @Test
  void csvHasOneHeaderThenARowPerMeasurement(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("runs.csv");
    Map<String, Object> common = Map.of("label", "a,b", "cmd", "fanout", "conns", 100);
    Report.appendCsv(csv, common, List.of(Map.of("rate", 50.0, "p99_ms", 4.5), Map.of("rate", 100.0)));
    Report.appendCsv(csv, common, List.of(Map.of("rate", 200.0)));
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("time,label,cmd,");
    int rate = List.of(lines.get(0).split(",")).indexOf("rate");
    assertThat(lines.get(1)).contains("\"a,b\",fanout");
    assertThat(lines.get(3).split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)[rate]).isEqualTo("200");
  }
}
