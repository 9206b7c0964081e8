package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.HeraldNode;
import io.herald.node.RawWebSocketAccess;
import io.herald.node.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * /alive and /ready on the management port through a node's life: starting, up, draining; and the
 * cluster routes it serves only when turned on.
 */
class HealthTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  private int status(int port, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception notListening) {
      return -1;
    }
  }

  /** As {@link #status}, asking again while there is no answer (a busy machine can take seconds). */
  private int answeredStatus(int port, String path) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int status = status(port, path);
    while (status < 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      status = status(port, path);
    }
    return status;
  }

  @Test
  void notReadyWhileTheNodeIsNotAnUpMember() throws Exception {
    int management = TestNode.freePort();
    int nobody = TestNode.freePort();
    // A seed that does not exist: the node never becomes Up, and start-up gives up after 4 s.
    CompletableFuture<HeraldNode> starting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return TestNode.start(
                    List.of(),
                    Map.of(
                        "pekko.management.http.port", management,
                        "herald.cluster.seed-nodes", "127.0.0.1:" + nobody,
                        "herald.cluster.formation-timeout", "4s"));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    List<Integer> answers = new CopyOnWriteArrayList<>();
    while (!starting.isDone()) {
      int s = status(management, "/ready");
      if (s > 0) {
        answers.add(s);
        // -1: the failed start stopped management between the two requests
        assertThat(status(management, "/alive")).isIn(200, -1);
      }
      Thread.sleep(50);
    }
    assertThat(starting).isCompletedExceptionally();
    // Pekko Management answers a failing check with 500; any non-2xx fails a Kubernetes probe.
    assertThat(answers).as("answers while not Up").isNotEmpty().doesNotContain(200);
  }

  @Test
  void theClusterRoutesAreOffByDefaultAndHealthStays() throws Exception {
    int management = TestNode.freePort();
    try (HeraldNode node = TestNode.start(List.of(), Map.of("pekko.management.http.port", management))) {
      assertThat(answeredStatus(management, "/ready")).isEqualTo(200);
      assertThat(answeredStatus(management, "/alive")).isEqualTo(200);
      assertThat(answeredStatus(management, "/cluster/members")).isEqualTo(404);
      assertThat(answeredStatus(management, "/cluster/members/")).isEqualTo(404);
      assertThat(answeredStatus(management, "/cluster/domain-events")).isEqualTo(404);
    }
  }

  @Test
  void theClusterRoutesAnswerWhenTurnedOn() throws Exception {
    int management = TestNode.freePort();
    try (HeraldNode node =
        TestNode.start(
            List.of(), Map.of("pekko.management.http.port", management, "herald.management.cluster-routes", "on"))) {
      assertThat(answeredStatus(management, "/cluster/members")).isEqualTo(200);
      assertThat(answeredStatus(management, "/ready")).isEqualTo(200);
    }
  }

  @Test
  void readyOnceUpAndBoundAndNoLongerOnceTheDrainStarts() throws Exception {
    int management = TestNode.freePort();
    HeraldNode node =
        TestNode.start(
            List.of(),
            Map.of(
                "pekko.management.http.port", management,
                "herald.drain.batch-size", 1,
                "herald.drain.batch-interval", "3s"));
    assertThat(status(management, "/alive")).isEqualTo(200);
    assertThat(status(management, "/ready")).isEqualTo(200);

    // Two sockets make the drain last about one 3 s batch interval.
    try (RawWebSocketAccess a = RawWebSocketAccess.connect(node.port());
        RawWebSocketAccess b = RawWebSocketAccess.connect(node.port())) {
      a.join("room:health");
      b.join("room:health");
      CompletableFuture<Void> closing = CompletableFuture.runAsync(node::close);
      int ready = 200;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (ready == 200 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        ready = status(management, "/ready");
      }
      assertThat(ready).as("not ready once draining").isNotEqualTo(200);
      closing.get(60, TimeUnit.SECONDS);
    }
  }
}
