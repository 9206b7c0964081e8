package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node that shuts down closes its sockets with 1012, in batches spread over time. */
class DrainTest {

  @Test
  void shutdownClosesSocketsWith1012InBatchesSpreadOverTime() throws Exception {
    HeraldNode node =
        TestNode.start(
            List.of(),
            Map.of("herald.drain.batch-size", 2, "herald.drain.batch-interval", "400ms", "herald.drain.timeout", "10s"));
    List<RawWebSocket> sockets = new ArrayList<>();
    List<CompletableFuture<long[]>> closes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RawWebSocket ws = RawWebSocket.connect(node.port(), "/socket/websocket?vsn=2.0.0");
      ws.sendText("[\"1\",\"1\",\"room:drain\",\"phx_join\",{}]");
      assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
      sockets.add(ws);
      closes.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  RawWebSocket.Frame frame = ws.readTextOrClose();
                  return new long[] {frame.isClose() ? frame.closeCode() : -1, System.nanoTime()};
                } catch (Exception e) {
                  return new long[] {-2, System.nanoTime()};
                }
              }));
    }
    node.close();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (CompletableFuture<long[]> close : closes) {
      long[] result = close.get(30, TimeUnit.SECONDS);
      assertThat(result[0]).as("close code").isEqualTo(1012);
      first = Math.min(first, result[1]);
      last = Math.max(last, result[1]);
    }
    // Three batches 400 ms apart: the closes cannot all fall within one batch interval.
    assertThat(TimeUnit.NANOSECONDS.toMillis(last - first)).isGreaterThan(400);
    for (RawWebSocket ws : sockets) {
      ws.close();
    }
  }
}
