package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.outlet.BroadcastWriter;
import io.herald.node.outlet.SocketOutlet;
import io.herald.protocol.CloseReason;
import io.herald.protocol.EncodedFrame;
import io.herald.protocol.Payload;
import io.herald.protocol.Serializer;
import io.herald.protocol.Serializers;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The node fan-out as an actor: registration with the topic's owner, read-your-join, the races between
 * joins, leaves and acknowledgements, and what goes to the writer versus to intercepting sockets. The
 * topic's owner is a probe; the writer records what it is asked to write.
 */
class NodeFanoutTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration NOTHING = Duration.ofMillis(200);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** What a subscriber was told, in order. */
  private sealed interface Told {}

  private record WasSubscribed(String topic, String joinRef, long epoch) implements Told {}

  private record WasIntercepted(String topic, String event) implements Told {}

  private record FakeOutlet(String name) implements SocketOutlet {
    @Override
    public Serializer serializer() {
      return Serializers.V2;
    }

    @Override
    public void send(EncodedFrame frame) {}

    @Override
    public void close(CloseReason reason) {}

    @Override
    public String peer() {
      return name;
    }
  }

  private record ProbeSubscriber(SocketOutlet outlet, ActorRef<Told> probe) implements Subscriber {
    @Override
    public void subscribed(String topic, String joinRef, long epoch) {
      probe.tell(new WasSubscribed(topic, joinRef, epoch));
    }

    @Override
    public void intercepted(String topic, String event, Payload payload) {
      probe.tell(new WasIntercepted(topic, event));
    }
  }

  /** One write: the topic, the event and who was in the audience (outlet and intercepts). */
  private record Written(String topic, String event, List<BroadcastWriter.Recipient> audience) {}

  private record RecordingWriter(ActorRef<Written> probe) implements BroadcastWriter {
    private record Listed(List<Recipient> recipients) implements Audience {}

    @Override
    public Audience prepare(Collection<Recipient> recipients) {
      return new Listed(List.copyOf(recipients));
    }

    @Override
    public void write(Audience audience, String topic, String event, Payload payload, long numberedAtMillis) {
      probe.tell(new Written(topic, event, ((Listed) audience).recipients()));
    }
  }

  private final TestProbe<TopicEntity.Command> owner = testKit.createTestProbe();
  private final TestProbe<Written> writes = testKit.createTestProbe();
  private final ActorRef<NodeFanout.Command> fanout =
      testKit.spawn(NodeFanout.create(topic -> owner.ref(), new RecordingWriter(writes.ref())));

  private ProbeSubscriber subscriber(String name, TestProbe<Told> probe) {
    return new ProbeSubscriber(new FakeOutlet(name), probe.ref());
  }

  private static NodeFanout.Deliver deliver(String topic, long seq, String event) {
    return new NodeFanout.Deliver(topic, 7, seq, event, "{}".getBytes(), false, System.currentTimeMillis());
  }

  @Test
  void aJoinIsConfirmedOnlyAfterTheOwnerAcknowledgesThisNode() {
    TestProbe<Told> a = testKit.createTestProbe();
    fanout.tell(new NodeFanout.Subscribe("room:1", "j1", subscriber("a", a), Set.of()));

    TopicEntity.Register register = owner.expectMessageClass(TopicEntity.Register.class);
    assertThat(register.node()).isEqualTo(fanout);
    a.expectNoMessage(NOTHING);

    fanout.tell(new NodeFanout.TopicRegistered("room:1", 42, 0));
    a.expectMessage(new WasSubscribed("room:1", "j1", 42));
  }

  @Test
  void laterSubscribersAreConfirmedAtOnceWithoutRegisteringAgain() {
    TestProbe<Told> a = testKit.createTestProbe();
    TestProbe<Told> b = testKit.createTestProbe();
    TestProbe<Told> c = testKit.createTestProbe();
    fanout.tell(new NodeFanout.Subscribe("room:2", "j1", subscriber("a", a), Set.of()));
    // b joins while the registration is under way: one Register for both
    fanout.tell(new NodeFanout.Subscribe("room:2", "j1", subscriber("b", b), Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);
    fanout.tell(new NodeFanout.TopicRegistered("room:2", 9, 0));
    a.expectMessage(new WasSubscribed("room:2", "j1", 9));
    b.expectMessage(new WasSubscribed("room:2", "j1", 9));

    fanout.tell(new NodeFanout.Subscribe("room:2", "j5", subscriber("c", c), Set.of()));
    c.expectMessage(new WasSubscribed("room:2", "j5", 9));
    owner.expectNoMessage(NOTHING);
  }

  @Test
  void everyoneLeavingWhileRegisteringUnregistersOnceAcknowledged() {
    TestProbe<Told> a = testKit.createTestProbe();
    ProbeSubscriber sub = subscriber("a", a);
    fanout.tell(new NodeFanout.Subscribe("room:3", "j1", sub, Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);
    fanout.tell(new NodeFanout.Unsubscribe("room:3", sub));
    owner.expectNoMessage(NOTHING); // not yet registered: nothing to undo yet

    fanout.tell(new NodeFanout.TopicRegistered("room:3", 1, 0));
    assertThat(owner.expectMessageClass(TopicEntity.Unregister.class).node()).isEqualTo(fanout);
    a.expectNoMessage(NOTHING);
  }

  @Test
  void theLastLeaveUnregistersAndLaterDeliveriesGoNowhere() {
    TestProbe<Told> a = testKit.createTestProbe();
    TestProbe<Told> b = testKit.createTestProbe();
    ProbeSubscriber subA = subscriber("a", a);
    ProbeSubscriber subB = subscriber("b", b);
    fanout.tell(new NodeFanout.Subscribe("room:4", "j1", subA, Set.of()));
    fanout.tell(new NodeFanout.Subscribe("room:4", "j1", subB, Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);
    fanout.tell(new NodeFanout.TopicRegistered("room:4", 1, 0));

    fanout.tell(new NodeFanout.Unsubscribe("room:4", subA));
    owner.expectNoMessage(NOTHING);
    fanout.tell(new NodeFanout.Unsubscribe("room:4", subB));
    owner.expectMessageClass(TopicEntity.Unregister.class);

    fanout.tell(deliver("room:4", 1, "shout"));
    writes.expectNoMessage(NOTHING);
  }

  @Test
  void aDeliveryGoesToTheWriterOnceWithTheWholeAudienceAndInterceptedEventsToTheirSockets() {
    TestProbe<Told> plain = testKit.createTestProbe();
    TestProbe<Told> filtering = testKit.createTestProbe();
    ProbeSubscriber plainSub = subscriber("plain", plain);
    ProbeSubscriber filteringSub = subscriber("filtering", filtering);
    fanout.tell(new NodeFanout.Subscribe("room:5", "j1", plainSub, Set.of()));
    fanout.tell(new NodeFanout.Subscribe("room:5", "j1", filteringSub, Set.of("secret")));
    owner.expectMessageClass(TopicEntity.Register.class);
    fanout.tell(new NodeFanout.TopicRegistered("room:5", 1, 0));
    plain.expectMessageClass(WasSubscribed.class);
    filtering.expectMessageClass(WasSubscribed.class);

    fanout.tell(deliver("room:5", 1, "shout"));
    Written shout = writes.expectMessageClass(Written.class);
    assertThat(shout.event()).isEqualTo("shout");
    assertThat(shout.audience())
        .containsExactlyInAnyOrder(
            new BroadcastWriter.Recipient(plainSub.outlet(), Set.of()),
            new BroadcastWriter.Recipient(filteringSub.outlet(), Set.of("secret")));
    filtering.expectNoMessage(NOTHING);

    fanout.tell(deliver("room:5", 2, "secret"));
    filtering.expectMessage(new WasIntercepted("room:5", "secret"));
    plain.expectNoMessage(NOTHING);
    // The writer still gets it, and skips the intercepting socket itself (its Recipient says so).
    assertThat(writes.expectMessageClass(Written.class).event()).isEqualTo("secret");
  }

  @Test
  void joiningAgainWithoutInterceptsStopsInterception() {
    TestProbe<Told> a = testKit.createTestProbe();
    ProbeSubscriber sub = subscriber("a", a);
    fanout.tell(new NodeFanout.Subscribe("room:6", "j1", sub, Set.of("secret")));
    owner.expectMessageClass(TopicEntity.Register.class);
    fanout.tell(new NodeFanout.TopicRegistered("room:6", 1, 0));
    a.expectMessageClass(WasSubscribed.class);

    fanout.tell(new NodeFanout.Subscribe("room:6", "j2", sub, Set.of()));
    a.expectMessage(new WasSubscribed("room:6", "j2", 1));
    fanout.tell(deliver("room:6", 1, "secret"));
    a.expectNoMessage(NOTHING);
    Written written = writes.expectMessageClass(Written.class);
    assertThat(written.audience()).containsExactly(new BroadcastWriter.Recipient(sub.outlet(), Set.of()));
  }

  @Test
  void interestQueriesAreAnsweredFromTheLocalSubscribers() {
    TestProbe<TopicEntity.Command> newOwner = testKit.createTestProbe();
    TestProbe<Told> a = testKit.createTestProbe();
    fanout.tell(new NodeFanout.Subscribe("room:7", "j1", subscriber("a", a), Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);

    fanout.tell(new NodeFanout.InterestQuery("room:7", newOwner.ref()));
    assertThat(newOwner.expectMessageClass(TopicEntity.Interest.class).interested()).isTrue();
    fanout.tell(new NodeFanout.InterestQuery("room:nobody", newOwner.ref()));
    assertThat(newOwner.expectMessageClass(TopicEntity.Interest.class).interested()).isFalse();
  }
}
