package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Idle sockets, the bulk of any real deployment: {@code users} clients connect and join over
 * {@code rampSeconds}, then each stays for {@code durationSeconds}, heartbeating every
 * {@code heartbeatSeconds} as phoenix.js does, and leaves. Users spread over {@code rooms} topics
 * ({@code topicPrefix} and a number; the default {@code room:*} handler accepts {@code room:idle-7}).
 *
 * <p>Measured: the WebSocket upgrade ({@code connect}), the join round trip and the heartbeat round
 * trip.
 */
public final class ConnectJoinSimulation extends Simulation {

  public ConnectJoinSimulation() {
    LoadParameters p = LoadParameters.fromSystemProperties();
    Target target = Target.from(p);
    int users = p.count("users", 1000);
    int rooms = p.count("rooms", 100);
    String topicPrefix = p.string("topicPrefix", "room:idle-");
    Duration ramp = p.ramp("rampSeconds", 60);
    Duration hold = p.seconds("durationSeconds", 120);
    Duration heartbeat = p.seconds("heartbeatSeconds", 30);
    p.refuseUnknown(getClass().getSimpleName());

    ScenarioBuilder idleClients =
        scenario("connect, join, heartbeat")
            .exec(Phoenix.connectAndJoin(
                target::socketUrl, session -> topicPrefix + session.userId() % rooms, target.timeout()))
            // phoenix.js schedules the next heartbeat once the previous one is answered
            .exec(during(hold).on(pause(heartbeat).exec(Phoenix.heartbeat(target.timeout()))))
            .exec(Phoenix.close());

    setUp(idleClients.injectOpen(rampUsers(users).during(ramp)))
        .protocols(target.protocol())
        // the last user starts at the end of the ramp, holds, and may be mid-pause when its hold ends
        .maxDuration(ramp.plus(hold).plus(heartbeat).plus(target.timeout()).plus(Duration.ofSeconds(30)))
        .assertions(target.assertions(Phoenix.CONNECT, Phoenix.JOIN_REPLY, Phoenix.HEARTBEAT_REPLY));
  }
}
