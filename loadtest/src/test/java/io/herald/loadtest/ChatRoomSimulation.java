package io.herald.loadtest;

import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small chat rooms: {@code users} clients in rooms of {@code roomSize}, each posting a {@code shout}
 * every {@code postSeconds} for {@code durationSeconds}. Herald's default {@code room:*} handler
 * broadcasts each post to the whole room, sender included, and replies ok once the topic's owner has
 * numbered it; so every post costs one reply and {@code roomSize} deliveries.
 *
 * <p>Every delivery is checked ({@link Deliveries}): each post carries its number in the room and its
 * send time; at the end, {@code maxDeliveryMs} after its last post, each user must have received every
 * post acknowledged in its room since it joined (its own included), once, each within
 * {@code maxDeliveryMs}.
 *
 * <p>Measured: {@code shout reply}, the time from a post to its ok (matched by ref), the join, and
 * {@code all broadcasts received}, one per user (its time is a heartbeat's round trip; what matters is
 * ok or not).
 */
public final class ChatRoomSimulation extends Simulation {
  static final String SHOUT = "shout";
  static final String SHOUT_REPLY = "shout reply";

  private static final Logger log = LoggerFactory.getLogger(ChatRoomSimulation.class);
  /** Session keys of the post in flight. */
  private static final String POST_NUMBER = "post.n";
  private static final String POST_SENT_AT = "post.sentAt";
  private static final String POST_STATUS = "post.status";

  private final Deliveries deliveries;

  public ChatRoomSimulation() {
    LoadParameters p = LoadParameters.fromSystemProperties();
    Target target = Target.from(p);
    int users = p.count("users", 1000);
    int roomSize = p.count("roomSize", 10);
    String topicPrefix = p.string("topicPrefix", "room:chat-");
    Duration ramp = p.ramp("rampSeconds", 60);
    Duration duration = p.seconds("durationSeconds", 120);
    Duration postEvery = p.seconds("postSeconds", 5);
    long maxDeliveryMs = Math.round(p.positive("maxDeliveryMs", 1000));
    p.refuseUnknown(getClass().getSimpleName());

    // a user drains before each post: in between, each member of its room posts about once
    deliveries = new Deliveries(SHOUT, maxDeliveryMs, roomSize);

    ScenarioBuilder chatters =
        scenario("chat rooms of " + roomSize)
            // user ids start at 1: users 1..roomSize share the first room, and so on
            .exec(Phoenix.connectAndJoin(
                target::socketUrl, session -> topicPrefix + (session.userId() - 1) / roomSize, target.timeout()))
            .exec(deliveries.startReceiving())
            .exec(during(duration).on(
                pace(postEvery)
                    .exec(deliveries.drain())
                    .exec(Phoenix.nextRef())
                    .exec(session -> session
                        .set(POST_NUMBER, deliveries.number(Phoenix.topic(session)))
                        .set(POST_SENT_AT, System.currentTimeMillis())
                        .remove(POST_STATUS))
                    .exec(ws(SHOUT)
                        .sendText(session -> Phoenix.pushFrame(
                            Phoenix.ref(session), Phoenix.topic(session), SHOUT, post(session)))
                        .await(target.timeout())
                        .on(Phoenix.okReply(SHOUT_REPLY, POST_STATUS)))
                    .exec(session -> {
                      if (session.contains(POST_STATUS)) {
                        deliveries.acknowledged(
                            Phoenix.topic(session), session.getLong(POST_NUMBER), session.getLong(POST_SENT_AT));
                      }
                      return session;
                    })))
            // the room's last posts may still be on their way
            .exec(pause(Duration.ofMillis(maxDeliveryMs)))
            .exec(deliveries.checkAllReceived(target.timeout()))
            .exec(Phoenix.close());

    List<Assertion> assertions = target.assertions(Phoenix.JOIN_REPLY, SHOUT_REPLY);
    assertions.addAll(Deliveries.assertions(target.maxFailedPercent()));

    setUp(chatters.injectOpen(rampUsers(users).during(ramp)))
        .protocols(target.protocol().wsUnmatchedInboundMessageBufferSize(deliveries.bufferSize()))
        .maxDuration(ramp.plus(duration).plus(postEvery).plus(Duration.ofMillis(maxDeliveryMs))
            .plus(target.timeout().multipliedBy(2)).plus(Duration.ofSeconds(30)))
        .assertions(assertions);
  }

  private static Map<String, Object> post(Session session) {
    Map<String, Object> post = new HashMap<>(
        Deliveries.stamp(session.getLong(POST_NUMBER), session.getLong(POST_SENT_AT)));
    post.put("body", "message " + Phoenix.ref(session) + " from user " + session.userId());
    return post;
  }

  @Override
  public void after() {
    log.info("chat room deliveries: {}", deliveries.summary());
  }
}
