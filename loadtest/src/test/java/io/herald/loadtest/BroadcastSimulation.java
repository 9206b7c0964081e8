package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fan-out from a backend: {@code users} clients join one big room ({@code topic}) over
 * {@code rampSeconds}; {@code settleSeconds} later a publisher posts to {@code POST /api/broadcast}
 * at {@code publishRate} per second for {@code durationSeconds}. Each broadcast carries the time it
 * was sent.
 *
 * <p>Receivers heartbeat every {@code heartbeatSeconds}; while publishing runs, each heartbeat is
 * followed by a wait for the next broadcast (Gatling checks only frames that arrive while a check
 * waits, so each receiver samples one broadcast per heartbeat; lower {@code heartbeatSeconds} to
 * sample more). A sampled broadcast fails if it took more than {@code maxDeliveryMs} from the
 * publisher's send to the receiver, or if none arrives within three publish intervals plus that.
 *
 * <p>Measured: {@code publish} (the API answering with its seq), the join and the heartbeat. The time
 * recorded for {@code broadcast received} is how long the receiver waited, not the delivery latency;
 * the delivery latencies of the samples are logged at the end.
 */
public final class BroadcastSimulation extends Simulation {
  static final String PUBLISH = "publish";
  static final String BROADCAST_RECEIVED = "broadcast received";

  private static final Logger log = LoggerFactory.getLogger(BroadcastSimulation.class);

  private final Duration ramp;
  private final Duration settle;
  private final Duration duration;
  private final Duration receiveWait;
  private final DeliveryLatencies latencies = new DeliveryLatencies();
  // wall-clock start, set in before(): injection starts right after it
  private final AtomicLong startedAt = new AtomicLong();

  public BroadcastSimulation() {
    LoadParameters p = LoadParameters.fromSystemProperties();
    Target target = Target.from(p);
    int users = p.count("users", 1000);
    String topic = p.string("topic", "room:broadcast");
    String event = p.string("event", "news");
    double rate = p.positive("publishRate", 10);
    long maxDeliveryMs = Math.round(p.positive("maxDeliveryMs", 1000));
    Duration heartbeat = p.seconds("heartbeatSeconds", 30);
    ramp = p.ramp("rampSeconds", 60);
    settle = p.seconds("settleSeconds", 2);
    duration = p.seconds("durationSeconds", 120);
    receiveWait = Duration.ofMillis(Math.round(3000 / rate) + maxDeliveryMs);
    if (duration.compareTo(receiveWait) <= 0) {
      throw new IllegalArgumentException(
          "-DdurationSeconds must exceed the wait for one broadcast (3 / publishRate s + maxDeliveryMs = "
              + receiveWait.toMillis() + " ms), or no receiver can ever check one");
    }

    ChainBuilder heartbeatThenNextBroadcast =
        Phoenix.nextRef()
            .exec(ws(Phoenix.HEARTBEAT)
                .sendText(session -> Phoenix.heartbeatFrame(Phoenix.ref(session)))
                .await(target.timeout())
                .on(Phoenix.okReply(Phoenix.HEARTBEAT_REPLY))
                .await(receiveWait)
                .on(Phoenix.broadcast(BROADCAST_RECEIVED, event)
                    .check(jsonPath("$[4].sent_at").ofLong()
                        .transform(sentAt -> latencies.record(System.currentTimeMillis() - sentAt))
                        .lte(maxDeliveryMs))));

    ScenarioBuilder receivers =
        scenario("receivers")
            .exec(Phoenix.connectAndJoin(target.socketUrl(), session -> topic, target.timeout()))
            // every receiver stays until publishing has ended, whenever it joined
            .exec(during(ramp.plus(settle).plus(duration)).on(
                pause(heartbeat)
                    .exec(doIfOrElse(session -> publishingLongEnoughFromNow())
                        .then(heartbeatThenNextBroadcast)
                        .orElse(Phoenix.heartbeat(target.timeout())))))
            .exec(Phoenix.close());

    AtomicLong published = new AtomicLong();
    ScenarioBuilder publisher =
        scenario("publisher")
            .exec(http(PUBLISH)
                .post("/api/broadcast")
                .body(StringBody(session -> Phoenix.json(Map.of(
                    "topic", topic,
                    "event", event,
                    "payload", Map.of("sent_at", System.currentTimeMillis(), "n", published.incrementAndGet())))))
                .asJson()
                .check(status().is(200), jsonPath("$.seq").exists()));

    List<Assertion> assertions = target.assertions(Phoenix.JOIN_REPLY, Phoenix.HEARTBEAT_REPLY, PUBLISH);
    // a run in which no receiver ever checked a broadcast proves nothing about fan-out
    assertions.add(details(BROADCAST_RECEIVED).successfulRequests().count().gte(1L));

    setUp(
            receivers.injectOpen(rampUsers(users).during(ramp)),
            publisher.injectOpen(nothingFor(ramp.plus(settle)), constantUsersPerSec(rate).during(duration)))
        .protocols(target.protocol())
        .maxDuration(ramp.multipliedBy(2).plus(settle).plus(duration).plus(heartbeat).plus(receiveWait)
            .plus(target.timeout()).plus(Duration.ofSeconds(30)))
        .assertions(assertions);
  }

  @Override
  public void before() {
    startedAt.set(System.currentTimeMillis());
  }

  @Override
  public void after() {
    log.info("broadcast delivery latency (publisher send to receiver), sampled: {}", latencies.summary());
  }

  /**
   * True while publishing runs and will still run for a whole receive wait: a check armed then sees a
   * broadcast unless one is lost or late, never merely because publishing stopped.
   */
  private boolean publishingLongEnoughFromNow() {
    long publishStart = startedAt.get() + ramp.plus(settle).toMillis();
    long publishEnd = publishStart + duration.toMillis();
    long now = System.currentTimeMillis();
    return now >= publishStart && now + receiveWait.toMillis() <= publishEnd;
  }
}
