package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.Map;

/**
 * Small chat rooms: {@code users} clients in rooms of {@code roomSize}, each posting a {@code shout}
 * every {@code postSeconds} for {@code durationSeconds}. Herald's default {@code room:*} handler
 * broadcasts each post to the whole room, sender included, and replies ok once the topic's owner has
 * numbered it; so every post costs one reply and {@code roomSize} deliveries.
 *
 * <p>Measured: {@code shout reply}, the time from a post to its ok (matched by ref; the broadcasts
 * around it are ignored), and the join.
 */
public final class ChatRoomSimulation extends Simulation {
  static final String SHOUT = "shout";
  static final String SHOUT_REPLY = "shout reply";

  public ChatRoomSimulation() {
    LoadParameters p = LoadParameters.fromSystemProperties();
    Target target = Target.from(p);
    int users = p.count("users", 1000);
    int roomSize = p.count("roomSize", 10);
    String topicPrefix = p.string("topicPrefix", "room:chat-");
    Duration ramp = p.ramp("rampSeconds", 60);
    Duration duration = p.seconds("durationSeconds", 120);
    Duration postEvery = p.seconds("postSeconds", 5);

    ScenarioBuilder chatters =
        scenario("chat rooms of " + roomSize)
            // user ids start at 1: users 1..roomSize share the first room, and so on
            .exec(Phoenix.connectAndJoin(
                target.socketUrl(), session -> topicPrefix + (session.userId() - 1) / roomSize, target.timeout()))
            .exec(during(duration).on(
                pace(postEvery)
                    .exec(Phoenix.nextRef())
                    .exec(ws(SHOUT)
                        .sendText(session -> Phoenix.pushFrame(
                            Phoenix.ref(session),
                            Phoenix.topic(session),
                            SHOUT,
                            Map.of("body", "message " + Phoenix.ref(session) + " from user " + session.userId())))
                        .await(target.timeout())
                        .on(Phoenix.okReply(SHOUT_REPLY)))))
            .exec(Phoenix.close());

    setUp(chatters.injectOpen(rampUsers(users).during(ramp)))
        .protocols(target.protocol())
        .maxDuration(ramp.plus(duration).plus(postEvery).plus(target.timeout()).plus(Duration.ofSeconds(30)))
        .assertions(target.assertions(Phoenix.JOIN_REPLY, SHOUT_REPLY));
  }
}
