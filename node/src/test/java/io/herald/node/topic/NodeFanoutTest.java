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

  private record WasJoined(String topic, NodeFanout.Joined joined) implements Told {}

  private record FakeOutlet(String name, java.util.concurrent.atomic.AtomicReference<CloseReason> closed) implements SocketOutlet {
    FakeOutlet(String name) {
      this(name, new java.util.concurrent.atomic.AtomicReference<>());
    }

    @Override
    public Serializer serializer() {
      return Serializers.V2;
    }

    @Override
    public void send(EncodedFrame frame) {}

    @Override
    public void close(CloseReason reason) {
      closed.set(reason);
    }

    @Override
    public String peer() {
      return name;
    }
  }

  private record ProbeSubscriber(SocketOutlet outlet, ActorRef<Told> probe) implements Subscriber {
    @Override
    public void subscribed(String topic, String joinRef, NodeFanout.Joined joined) {
      if (joined.history()) {
        probe.tell(new WasJoined(topic, joined));
      } else {
        probe.tell(new WasSubscribed(topic, joinRef, joined.epoch()));
      }
    }

    @Override
    public void intercepted(String topic, String event, Payload payload, String ref) {
      probe.tell(new WasIntercepted(topic, event));
    }
  }

  /** One write: the topic, the event, who was in the audience (outlet and intercepts), and the frame's ref. */
  private record Written(String topic, String event, List<BroadcastWriter.Recipient> audience, String ref) {}

  private record RecordingWriter(ActorRef<Written> probe) implements BroadcastWriter {
    private record Listed(List<Recipient> recipients) implements Audience {}

    @Override
    public Audience prepare(Collection<Recipient> recipients) {
      return new Listed(List.copyOf(recipients));
    }

    @Override
    public void write(Audience audience, String topic, String ref, String event, Payload payload, long numberedAtMillis) {
      probe.tell(new Written(topic, event, ((Listed) audience).recipients(), ref));
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
  void aDeliveryTheOwnerLeftTheAcknowledgementToAcknowledgesThisNodesPublisherEvenWithoutSubscribers() {
    TestProbe<NodePublisher.Command> publisher = testKit.createTestProbe();
    ActorRef<NodeFanout.Command> withPublisher =
        testKit.spawn(NodeFanout.create(topic -> owner.ref(), new RecordingWriter(writes.ref()), HistoryPolicy.Lookup.NONE, 10, 10, publisher.ref()));
    int uid = publisher.ref().path().uid();
    withPublisher.tell(new NodeFanout.Deliver("room:acked", 7, 3, "e", "{}".getBytes(), false, 0, uid, 11, true));
    assertThat(publisher.expectMessageClass(NodePublisher.AcceptedHere.class))
        .isEqualTo(new NodePublisher.AcceptedHere("room:acked", 7, 3, 11));
    // not when the owner acknowledged it itself, nor for another publisher (a node restarted meanwhile)
    withPublisher.tell(new NodeFanout.Deliver("room:acked", 7, 4, "e", "{}".getBytes(), false, 0, uid, 12, false));
    withPublisher.tell(new NodeFanout.Deliver("room:acked", 7, 5, "e", "{}".getBytes(), false, 0, uid + 1, 13, true));
    publisher.expectNoMessage(NOTHING);
    writes.expectNoMessage(Duration.ZERO); // nobody here subscribes to it
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

  // ---- history topics (hist:*): seq in the frame's ref, and rejoins that recover ----

  private final ActorRef<NodeFanout.Command> historyFanout =
      testKit.spawn(NodeFanout.create(
          topic -> owner.ref(),
          new RecordingWriter(writes.ref()),
          new HistoryPolicy.Lookup(List.of(new HistoryPolicy.Lookup.Entry(io.herald.protocol.TopicPattern.parse("hist:*"), new HistoryPolicy(100, Duration.ofMinutes(5))))),
          3,
          2,
          null));

  /** A live subscriber of {@code topic} on the history fan-out, registered under epoch 7 at seq 2. */
  private ProbeSubscriber liveOn(String topic, TestProbe<Told> probe) {
    ProbeSubscriber sub = subscriber("live", probe);
    historyFanout.tell(new NodeFanout.Subscribe(topic, "j1", sub, Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);
    historyFanout.tell(new NodeFanout.TopicRegistered(topic, 7, 2));
    NodeFanout.Joined joined = probe.expectMessageClass(WasJoined.class).joined();
    assertThat(joined).isEqualTo(new NodeFanout.Joined(7, 2, true, false, "", List.of()));
    return sub;
  }

  private static NodeFanout.Replayed replayed(String topic, long request, long seq) {
    return new NodeFanout.Replayed(topic, request, seq, "e" + seq, "{}".getBytes(), false, 0);
  }

  @Test
  void historyTopicsCarryTheirSeqAsTheFramesRefAndOthersNone() {
    TestProbe<Told> a = testKit.createTestProbe();
    liveOn("hist:ref", a);
    historyFanout.tell(deliver("hist:ref", 3, "shout"));
    assertThat(writes.expectMessageClass(Written.class).ref()).isEqualTo("3");
    // unnumbered (the owner was unreachable): no seq to give
    historyFanout.tell(deliver("hist:ref", 0, "shout"));
    assertThat(writes.expectMessageClass(Written.class).ref()).isNull();

    TestProbe<Told> b = testKit.createTestProbe();
    historyFanout.tell(new NodeFanout.Subscribe("room:plain", "j1", subscriber("b", b), Set.of()));
    owner.expectMessageClass(TopicEntity.Register.class);
    historyFanout.tell(new NodeFanout.TopicRegistered("room:plain", 7, 0));
    b.expectMessage(new WasSubscribed("room:plain", "j1", 7));
    historyFanout.tell(deliver("room:plain", 1, "shout"));
    assertThat(writes.expectMessageClass(Written.class).ref()).isNull();
  }

  @Test
  void aRejoinIsKeptOutOfTheAudienceUntilItsReplayIsWrittenThenGetsWhatCameMeanwhileInOrder() {
    TestProbe<Told> l = testKit.createTestProbe();
    ProbeSubscriber live = liveOn("hist:1", l);
    TestProbe<Told> r = testKit.createTestProbe();
    ProbeSubscriber rejoining = subscriber("rejoining", r);
    historyFanout.tell(new NodeFanout.Subscribe("hist:1", "j2", rejoining, Set.of(), new NodeFanout.Resume(1, 7)));
    TopicEntity.Recover recover = owner.expectMessageClass(TopicEntity.Recover.class);
    assertThat(recover.since()).isEqualTo(1);
    assertThat(recover.epoch()).isEqualTo(7);

    // sent by the owner before it answered: in the replay, so not written to the rejoining socket
    historyFanout.tell(deliver("hist:1", 3, "e3"));
    assertThat(writes.expectMessageClass(Written.class).audience()).extracting(BroadcastWriter.Recipient::outlet).containsExactly(live.outlet());
    historyFanout.tell(replayed("hist:1", recover.request(), 2));
    historyFanout.tell(replayed("hist:1", recover.request(), 3));
    historyFanout.tell(new NodeFanout.ReplayEnd("hist:1", recover.request(), 7, 3, true, true, ""));
    NodeFanout.Joined joined = r.expectMessageClass(WasJoined.class).joined();
    assertThat(joined.recovered()).isTrue();
    assertThat(joined.seq()).isEqualTo(3);
    assertThat(joined.replay()).extracting(HistoryEntry::seq).containsExactly(2L, 3L);

    // while the socket writes its replay: held for it, written to the others
    historyFanout.tell(deliver("hist:1", 4, "e4"));
    assertThat(writes.expectMessageClass(Written.class).audience()).extracting(BroadcastWriter.Recipient::outlet).containsExactly(live.outlet());
    historyFanout.tell(new NodeFanout.CaughtUp("hist:1", rejoining));
    Written caughtUp = writes.expectMessageClass(Written.class);
    assertThat(caughtUp.ref()).isEqualTo("4");
    assertThat(caughtUp.audience()).extracting(BroadcastWriter.Recipient::outlet).containsExactly(rejoining.outlet());

    historyFanout.tell(deliver("hist:1", 5, "e5"));
    assertThat(writes.expectMessageClass(Written.class).audience())
        .extracting(BroadcastWriter.Recipient::outlet)
        .containsExactlyInAnyOrder(live.outlet(), rejoining.outlet());
  }

  @Test
  void aRejoinThatIsNotRecoveredGoesLiveAtOnceWithTheReason() {
    TestProbe<Told> l = testKit.createTestProbe();
    ProbeSubscriber live = liveOn("hist:2", l);
    TestProbe<Told> r = testKit.createTestProbe();
    ProbeSubscriber rejoining = subscriber("rejoining", r);
    historyFanout.tell(new NodeFanout.Subscribe("hist:2", "j2", rejoining, Set.of(), new NodeFanout.Resume(1, 6)));
    TopicEntity.Recover recover = owner.expectMessageClass(TopicEntity.Recover.class);
    historyFanout.tell(new NodeFanout.ReplayEnd("hist:2", recover.request(), 7, 2, true, false, "epoch_changed"));
    assertThat(r.expectMessageClass(WasJoined.class).joined()).isEqualTo(new NodeFanout.Joined(7, 2, true, false, "epoch_changed", List.of()));
    historyFanout.tell(deliver("hist:2", 3, "e3"));
    assertThat(writes.expectMessageClass(Written.class).audience())
        .extracting(BroadcastWriter.Recipient::outlet)
        .containsExactlyInAnyOrder(live.outlet(), rejoining.outlet());
  }

  @Test
  void aSocketThatFallsTooFarBehindWhileWritingItsReplayIsClosedAsSlow() {
    TestProbe<Told> l = testKit.createTestProbe();
    liveOn("hist:3", l);
    TestProbe<Told> r = testKit.createTestProbe();
    ProbeSubscriber rejoining = subscriber("slow", r);
    historyFanout.tell(new NodeFanout.Subscribe("hist:3", "j2", rejoining, Set.of(), new NodeFanout.Resume(1, 7)));
    TopicEntity.Recover recover = owner.expectMessageClass(TopicEntity.Recover.class);
    historyFanout.tell(replayed("hist:3", recover.request(), 2));
    historyFanout.tell(new NodeFanout.ReplayEnd("hist:3", recover.request(), 7, 2, true, true, ""));
    r.expectMessageClass(WasJoined.class);
    for (long seq = 3; seq <= 6; seq++) { // a backlog of 3 at most
      historyFanout.tell(deliver("hist:3", seq, "e"));
      writes.expectMessageClass(Written.class);
    }
    assertThat(((FakeOutlet) rejoining.outlet()).closed().get()).isEqualTo(CloseReason.SLOW_CONSUMER);
  }

  @Test
  void aSocketThatLeavesWhileItsReplayIsUnderWayIsForgotten() {
    TestProbe<Told> l = testKit.createTestProbe();
    ProbeSubscriber live = liveOn("hist:4", l);
    TestProbe<Told> r = testKit.createTestProbe();
    ProbeSubscriber rejoining = subscriber("gone", r);
    historyFanout.tell(new NodeFanout.Subscribe("hist:4", "j2", rejoining, Set.of(), new NodeFanout.Resume(1, 7)));
    TopicEntity.Recover recover = owner.expectMessageClass(TopicEntity.Recover.class);
    historyFanout.tell(new NodeFanout.Unsubscribe("hist:4", rejoining));
    historyFanout.tell(replayed("hist:4", recover.request(), 2));
    historyFanout.tell(new NodeFanout.ReplayEnd("hist:4", recover.request(), 7, 2, true, true, ""));
    r.expectNoMessage(NOTHING);
    historyFanout.tell(deliver("hist:4", 3, "e3"));
    assertThat(writes.expectMessageClass(Written.class).audience()).extracting(BroadcastWriter.Recipient::outlet).containsExactly(live.outlet());
  }

  @Test
  void theNumberedCopyOfAPublishDeliveredUnnumberedIsDroppedAndOnlyThat() {
    TestProbe<Told> a = testKit.createTestProbe();
    liveOn("hist:stall", a);
    // the owner stalled: its publisher delivered publishes 11 and 12 unnumbered, and 0 (never sent to it)
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 0, 0, "u11", "{}".getBytes(), false, 0, 5, 11, false));
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 0, 0, "u12", "{}".getBytes(), false, 0, 5, 12, false));
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 0, 0, "new", "{}".getBytes(), false, 0, 5, 0, false));
    for (String e : List.of("u11", "u12", "new")) {
      assertThat(writes.expectMessageClass(Written.class).event()).isEqualTo(e);
    }
    // it wakes and numbers 11 and 12, then another publisher's 11 (another origin)
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 7, 3, "u11", "{}".getBytes(), false, 0, 5, 11, false));
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 7, 4, "u12", "{}".getBytes(), false, 0, 5, 12, false));
    historyFanout.tell(new NodeFanout.Deliver("hist:stall", 7, 5, "other", "{}".getBytes(), false, 0, 6, 11, false));
    Written other = writes.expectMessageClass(Written.class);
    assertThat(other.event()).isEqualTo("other");
    assertThat(other.ref()).isEqualTo("5");
    writes.expectNoMessage(NOTHING);
  }

  @Test
  void onlyTheLastUnnumberedDeliveriesOfATopicAreRemembered() {
    TestProbe<Told> a = testKit.createTestProbe();
    liveOn("hist:bound", a);
    for (long pseq = 1; pseq <= 3; pseq++) { // remembers 2
      historyFanout.tell(new NodeFanout.Deliver("hist:bound", 0, 0, "u", "{}".getBytes(), false, 0, 5, pseq, false));
      writes.expectMessageClass(Written.class);
    }
    historyFanout.tell(new NodeFanout.Deliver("hist:bound", 7, 3, "u1", "{}".getBytes(), false, 0, 5, 1, false));
    assertThat(writes.expectMessageClass(Written.class).event()).isEqualTo("u1"); // forgotten: delivered again
    historyFanout.tell(new NodeFanout.Deliver("hist:bound", 7, 4, "u3", "{}".getBytes(), false, 0, 5, 3, false));
    writes.expectNoMessage(NOTHING);
  }
}
