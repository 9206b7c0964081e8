package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.doIf;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
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
 * at {@code publishRate} per second for {@code durationSeconds}, round-robin over the {@code apiUrl}s.
 * Each broadcast carries its number and the time it was sent.
 *
 * <p>Every delivery is checked ({@link Deliveries}): receivers heartbeat every {@code heartbeatSeconds}
 * and hand Gatling's buffered frames to their check every second; they stay until {@code maxDeliveryMs}
 * after publishing ends, and each must then have received every broadcast the API accepted since it
 * joined, once, each within {@code maxDeliveryMs} of its send. The latency of every delivery is logged
 * at the end.
 *
 * <p>Measured: {@code publish} (the API answering with its seq), the join, the heartbeat, and
 * {@code all broadcasts received}, one per receiver (its time is a heartbeat's round trip; what matters
 * is ok or not).
 */
public final class BroadcastSimulation extends Simulation {
  static final String PUBLISH = "publish";

  private static final Logger log = LoggerFactory.getLogger(BroadcastSimulation.class);
  /**
   * How often a receiver hands Gatling's buffered frames to its check (unless it heartbeats more
   * often): often enough that the buffer holds few frames, rarely enough to cost Gatling little.
   */
  private static final Duration DRAIN_INTERVAL = Duration.ofSeconds(1);
  /** Session keys. */
  private static final String NEXT_HEARTBEAT_AT = "heartbeat.nextAt";
  private static final String PUBLISH_NUMBER = "publish.n";
  private static final String PUBLISH_SENT_AT = "publish.sentAt";
  private static final String PUBLISH_STATUS = "publish.status";

  private final Duration ramp;
  private final Duration settle;
  private final Duration duration;
  private final long maxDeliveryMs;
  private final Deliveries deliveries;
  // wall-clock start of the injection: when the first receiver starts (before() runs seconds earlier)
  private final AtomicLong startedAt = new AtomicLong();

  public BroadcastSimulation() {
    LoadParameters p = LoadParameters.fromSystemProperties();
    Target target = Target.from(p);
    int users = p.count("users", 1000);
    String topic = p.string("topic", "room:broadcast");
    String event = p.string("event", "news");
    double rate = p.positive("publishRate", 10);
    maxDeliveryMs = Math.round(p.positive("maxDeliveryMs", 1000));
    Duration heartbeat = p.seconds("heartbeatSeconds", 30);
    ramp = p.ramp("rampSeconds", 60);
    settle = p.seconds("settleSeconds", 2);
    duration = p.seconds("durationSeconds", 120);
    p.refuseUnknown(getClass().getSimpleName());
    if (heartbeat.compareTo(settle.plus(duration)) >= 0) {
      throw new IllegalArgumentException("-DheartbeatSeconds must be below settleSeconds + durationSeconds ("
          + settle.plus(duration).toMillis() / 1000.0 + " s), or the last receiver to join never heartbeats");
    }
    Duration drainEvery = heartbeat.compareTo(DRAIN_INTERVAL) < 0 ? heartbeat : DRAIN_INTERVAL;
    deliveries = new Deliveries(event, maxDeliveryMs, rate * drainEvery.toMillis() / 1000.0);
    long heartbeatMs = heartbeat.toMillis();

    ScenarioBuilder receivers =
        scenario("receivers")
            .exec(session -> {
              startedAt.compareAndSet(0, System.currentTimeMillis());
              return session;
            })
            .exec(Phoenix.connectAndJoin(target::socketUrl, session -> topic, target.timeout()))
            .exec(deliveries.startReceiving())
            .exec(session -> session.set(NEXT_HEARTBEAT_AT, System.currentTimeMillis() + heartbeatMs))
            // every receiver stays until the last broadcast is due, whenever it joined
            .exec(asLongAs(session -> System.currentTimeMillis() < receiveUntil()).on(
                pause(drainEvery)
                    .exec(deliveries.drain())
                    // phoenix.js schedules the next heartbeat once the previous one is answered
                    .exec(doIf(session -> System.currentTimeMillis() >= session.getLong(NEXT_HEARTBEAT_AT)).then(
                        Phoenix.heartbeat(target.timeout())
                            .exec(session -> session.set(NEXT_HEARTBEAT_AT, System.currentTimeMillis() + heartbeatMs))))))
            .exec(deliveries.checkAllReceived(target.timeout()))
            .exec(Phoenix.close());

    ScenarioBuilder publisher =
        scenario("publisher")
            .exec(session -> session
                .set(PUBLISH_NUMBER, deliveries.number(topic))
                .set(PUBLISH_SENT_AT, System.currentTimeMillis()))
            .exec(http(PUBLISH)
                .post(session -> target.apiUrl(session.getLong(PUBLISH_NUMBER)) + "/api/broadcast")
                .body(StringBody(session -> Phoenix.json(Map.of(
                    "topic", topic,
                    "event", event,
                    "payload", Deliveries.stamp(session.getLong(PUBLISH_NUMBER), session.getLong(PUBLISH_SENT_AT))))))
                .asJson()
                .check(status().is(200).saveAs(PUBLISH_STATUS), jsonPath("$.seq").exists()))
            .exec(session -> {
              // accepted: every receiver must get it
              if (session.contains(PUBLISH_STATUS)) {
                deliveries.acknowledged(topic, session.getLong(PUBLISH_NUMBER), session.getLong(PUBLISH_SENT_AT));
              }
              return session;
            });

    List<Assertion> assertions = target.assertions(Phoenix.JOIN_REPLY, Phoenix.HEARTBEAT_REPLY, PUBLISH);
    assertions.addAll(Deliveries.assertions(target.maxFailedPercent()));

    setUp(
            receivers.injectOpen(rampUsers(users).during(ramp)),
            publisher.injectOpen(nothingFor(ramp.plus(settle)), constantUsersPerSec(rate).during(duration)))
        .protocols(target.protocol().wsUnmatchedInboundMessageBufferSize(deliveries.bufferSize()))
        .maxDuration(ramp.plus(settle).plus(duration).plus(Duration.ofMillis(maxDeliveryMs)).plus(drainEvery)
            .plus(target.timeout().multipliedBy(2)).plus(Duration.ofSeconds(30)))
        .assertions(assertions);
  }

  @Override
  public void after() {
    log.info("broadcast deliveries: {}", deliveries.summary());
  }

  /** When the last broadcast is due at the receivers: {@code maxDeliveryMs} after publishing ends. */
  private long receiveUntil() {
    return startedAt.get() + ramp.plus(settle).plus(duration).toMillis() + maxDeliveryMs;
  }
}
