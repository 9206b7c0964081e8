package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.protocol.TopicPattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A topic's owner as an actor, in a one-node cluster: the interest query a new incarnation runs before
 * it serves, the publishes it holds meanwhile, numbering, idempotency, passivation and the
 * registration that arrives while it stops. This node's fan-out is a probe under its real path.
 */
class TopicEntityTest {
  private static final Duration NOTHING = Duration.ofMillis(300);
  private static ActorTestKit testKit;
  private static TestProbe<NodeFanout.Command> fanoutProbe;
  private static ActorRef<NodeFanout.Command> fanout;

  @BeforeAll
  static void start() {
    testKit = OneNodeCluster.start();
    // Topic entities find every node's fan-out by its path: put a forwarding probe there.
    fanoutProbe = testKit.createTestProbe();
    fanout =
        testKit.spawn(
            Behaviors.receiveMessage(
                m -> {
                  fanoutProbe.ref().tell(m);
                  return Behaviors.same();
                }),
            NodeFanout.NAME);
    assertThat(fanout.path().toStringWithoutAddress()).isEqualTo(NodeFanout.PATH);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static final HeraldSettings.Topic SETTINGS = settings(Duration.ofSeconds(2));
  /** room:hist* keeps 3 messages for a minute; the node's histories at most 2 KiB together. */
  private static final TopicEntity.Histories HISTORIES =
      TopicEntity.Histories.of(
          new HistoryPolicy.Lookup(List.of(new HistoryPolicy.Lookup.Entry(TopicPattern.parse("room:hist*"), new HistoryPolicy(3, Duration.ofMinutes(1))))),
          2048);

  private static HeraldSettings.Topic settings(Duration interestQueryTimeout) {
    return new HeraldSettings.Topic(
        Duration.ofMillis(500), interestQueryTimeout, 3, 100, Duration.ofMinutes(2), Duration.ofMinutes(5), 4, 1 << 20, 64 * 1024, 100);
  }

  private final TestProbe<TopicEntity.Command> viaShard = testKit.createTestProbe();
  private final TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
  private final TestProbe<NodePublisher.Command> acks = testKit.createTestProbe();
  private long lastPseq;

  private ActorRef<TopicEntity.Command> start(String topic, HeraldSettings.Topic settings) {
    return testKit.spawn(TopicEntity.create(viaShard.ref(), topic, shard.ref(), settings, HISTORIES, new NodeMetrics(), NodeLinks.NONE));
  }

  /** The next publish of this test's publisher, chained on the previous one (none acknowledged yet). */
  private TopicEntity.Publish publish(String event, String key) {
    lastPseq++;
    return publish(event, key, lastPseq, lastPseq - 1);
  }

  private TopicEntity.Publish publish(String event, String key, long pseq, long after) {
    return new TopicEntity.Publish(event, "{}".getBytes(), false, acks.ref(), pseq, after, false, key);
  }

  private NodePublisher.Accepted accepted() {
    return acks.expectMessageClass(NodePublisher.Accepted.class);
  }

  @Test
  void publishesWaitForTheInterestQueryThenGoOutNumberedInOrder() {
    ActorRef<TopicEntity.Command> entity = start("room:held", SETTINGS);
    NodeFanout.InterestQuery query = fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    assertThat(query.topic()).isEqualTo("room:held");

    entity.tell(publish("a", null));
    entity.tell(publish("b", null));
    acks.expectNoMessage(NOTHING); // held: the owner does not know yet who must receive them
    fanoutProbe.expectNoMessage(NOTHING);

    entity.tell(new TopicEntity.Interest(fanout, true));
    List<String> delivered = new ArrayList<>();
    for (int seq = 1; seq <= 2; seq++) {
      NodeFanout.Deliver d = fanoutProbe.expectMessageClass(NodeFanout.Deliver.class);
      assertThat(d.seq()).isEqualTo(seq);
      delivered.add(d.event());
      NodePublisher.Accepted p = accepted();
      assertThat(p.seq()).isEqualTo(seq);
      assertThat(p.pseq()).isEqualTo(seq);
      assertThat(p.epoch()).isEqualTo(d.epoch());
      // The first answer to a publisher names the owner, so the publisher knows which node to watch.
      assertThat(p.owner()).isEqualTo(seq == 1 ? entity : null);
    }
    assertThat(delivered).containsExactly("a", "b");
  }

  @Test
  void anUnansweredInterestQueryTimesOutAndTheEntityServesAnyway() {
    HeraldSettings.Topic quick = settings(Duration.ofMillis(300));
    ActorRef<TopicEntity.Command> entity = start("room:silent", quick);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(publish("a", null));
    // Nobody is interested, so nothing is delivered, but the publish is numbered.
    assertThat(acks.expectMessageClass(NodePublisher.Accepted.class, Duration.ofSeconds(3)).seq()).isEqualTo(1);
    fanoutProbe.expectNoMessage(NOTHING);
  }

  @Test
  void publishesBeyondTheRecoveryBufferAreDroppedNotQueuedWithoutBound() {
    ActorRef<TopicEntity.Command> entity = start("room:flood", SETTINGS); // recoveryBuffer 3
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    for (String e : List.of("a", "b", "c", "d", "e")) {
      entity.tell(publish(e, null));
    }
    entity.tell(new TopicEntity.Interest(fanout, true));
    List<String> delivered = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      delivered.add(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).event());
    }
    fanoutProbe.expectNoMessage(NOTHING);
    assertThat(delivered).containsExactly("a", "b", "c");
  }

  @Test
  void aRepeatedIdempotencyKeyIsAnsweredWithTheFirstSeqAndNotSentAgain() {
    ActorRef<TopicEntity.Command> entity = start("room:idem", SETTINGS);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, true));

    entity.tell(publish("a", "key-1"));
    entity.tell(publish("b", null));
    entity.tell(publish("a", "key-1"));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).seq()).isEqualTo(1);
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).seq()).isEqualTo(2);
    fanoutProbe.expectNoMessage(NOTHING);
    assertThat(acks.receiveSeveralMessages(3))
        .extracting(m -> ((NodePublisher.Accepted) m).seq())
        .containsExactly(1L, 2L, 1L);
  }

  @Test
  void aRegisteredNodeIsAnsweredWithTheEpochAndLastSeqAndGetsLaterMessages() {
    ActorRef<TopicEntity.Command> entity = start("room:register", SETTINGS);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, false));
    entity.tell(publish("a", null));
    accepted();

    TestProbe<NodeFanout.Command> other = testKit.createTestProbe();
    entity.tell(new TopicEntity.Register(other.ref()));
    NodeFanout.TopicRegistered registered = other.expectMessageClass(NodeFanout.TopicRegistered.class);
    assertThat(registered.seq()).isEqualTo(1);
    entity.tell(publish("b", null));
    assertThat(other.expectMessageClass(NodeFanout.Deliver.class).seq()).isEqualTo(2);
    fanoutProbe.expectNoMessage(NOTHING); // this node said it had no subscribers
  }

  @Test
  void anIdleEntityPassivatesAndARegistrationMeanwhileGoesBackThroughTheShard() {
    ActorRef<TopicEntity.Command> entity = start("room:idle", SETTINGS); // idle-passivation 500 ms
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, false));

    ClusterSharding.Passivate<?> passivate = (ClusterSharding.Passivate<?>) shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
    assertThat(passivate.entity()).isEqualTo(entity);

    TestProbe<NodeFanout.Command> late = testKit.createTestProbe();
    TopicEntity.Register register = new TopicEntity.Register(late.ref());
    entity.tell(register);
    // This incarnation's state dies with it: the next one must get the registration.
    assertThat(viaShard.expectMessageClass(TopicEntity.Register.class)).isEqualTo(register);
    // and so must a rejoin's recovery that follows it
    TopicEntity.Recover recover = new TopicEntity.Recover(late.ref(), 1, 0, 1);
    entity.tell(recover);
    assertThat(viaShard.expectMessageClass(TopicEntity.Recover.class)).isEqualTo(recover);
    late.expectNoMessage(NOTHING);
  }

  @Test
  void aPublishSentAgainIsAcknowledgedAgainWithItsSeqAndNotDeliveredTwice() {
    ActorRef<TopicEntity.Command> entity = start("room:resent", SETTINGS);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, true));
    entity.tell(publish("a", null, 7, 0));
    entity.tell(publish("b", null, 9, 7));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).seq()).isEqualTo(1);
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).seq()).isEqualTo(2);
    assertThat(accepted().seq()).isEqualTo(1);
    assertThat(accepted().seq()).isEqualTo(2);

    // The publisher did not get the acknowledgements in time and sends both again (go-back-N).
    entity.tell(publish("a", null, 7, 0));
    entity.tell(publish("b", null, 9, 7));
    NodePublisher.Accepted again = accepted();
    assertThat(again.pseq()).isEqualTo(7);
    assertThat(again.seq()).isEqualTo(1);
    assertThat(accepted().seq()).isEqualTo(2);
    fanoutProbe.expectNoMessage(NOTHING);
  }

  @Test
  void aPublishBehindAMissingOneIsDroppedUntilBothComeInOrder() {
    ActorRef<TopicEntity.Command> entity = start("room:gap", SETTINGS);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, true));
    // 3 was lost on the way (a hand-off); 5 follows it.
    entity.tell(publish("second", null, 5, 3));
    fanoutProbe.expectNoMessage(NOTHING);
    acks.expectNoMessage(Duration.ZERO);
    // The publisher sends everything unacknowledged again, in order.
    entity.tell(publish("first", null, 3, 0));
    entity.tell(publish("second", null, 5, 3));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).event()).isEqualTo("first");
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).event()).isEqualTo("second");
    assertThat(accepted().pseq()).isEqualTo(3);
    assertThat(accepted().pseq()).isEqualTo(5);
  }

  @Test
  void whoOwnsIsAnsweredOnceTheEntityServes() {
    ActorRef<TopicEntity.Command> entity = start("room:whoowns", SETTINGS);
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.WhoOwns(acks.ref()));
    acks.expectNoMessage(NOTHING); // not before it knows who to deliver to
    entity.tell(new TopicEntity.Interest(fanout, true));
    NodePublisher.Owner owner = acks.expectMessageClass(NodePublisher.Owner.class);
    assertThat(owner.owner()).isEqualTo(entity);
    assertThat(owner.topic()).isEqualTo("room:whoowns");
    entity.tell(publish("a", null));
    assertThat(accepted().epoch()).isEqualTo(owner.epoch());
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.Deliver.class).epoch()).isEqualTo(owner.epoch());
  }

  /** A serving entity of {@code topic} with this test's fan-out registered, and the epoch it answered. */
  private long serving(ActorRef<TopicEntity.Command> entity) {
    fanoutProbe.expectMessageClass(NodeFanout.InterestQuery.class);
    entity.tell(new TopicEntity.Interest(fanout, false));
    entity.tell(new TopicEntity.Register(fanout));
    return fanoutProbe.expectMessageClass(NodeFanout.TopicRegistered.class).epoch();
  }

  private void publishAndDeliver(ActorRef<TopicEntity.Command> entity, String... events) {
    for (String e : events) {
      entity.tell(publish(e, null));
      fanoutProbe.expectMessageClass(NodeFanout.Deliver.class);
      accepted();
    }
  }

  @Test
  void aRejoinWithinTheHistoryGetsWhatItMissedThenTheEndBehindEveryEarlierDelivery() {
    ActorRef<TopicEntity.Command> entity = start("room:hist-1", SETTINGS);
    long epoch = serving(entity);
    publishAndDeliver(entity, "a", "b", "c");

    entity.tell(new TopicEntity.Recover(fanout, 7, 1, epoch));
    List<String> replayed = new ArrayList<>();
    for (long seq = 2; seq <= 3; seq++) {
      NodeFanout.Replayed r = fanoutProbe.expectMessageClass(NodeFanout.Replayed.class);
      assertThat(r.seq()).isEqualTo(seq);
      assertThat(r.request()).isEqualTo(7);
      replayed.add(r.event());
    }
    assertThat(replayed).containsExactly("b", "c");
    NodeFanout.ReplayEnd end = fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class);
    assertThat(end).isEqualTo(new NodeFanout.ReplayEnd("room:hist-1", 7, epoch, 3, true, true, ""));

    // up to date: recovered with nothing to replay
    entity.tell(new TopicEntity.Recover(fanout, 8, 3, epoch));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class).recovered()).isTrue();
  }

  @Test
  void aRejoinThatCannotBeRecoveredSaysWhyAndReplaysNothing() {
    ActorRef<TopicEntity.Command> entity = start("room:hist-2", SETTINGS);
    long epoch = serving(entity);
    publishAndDeliver(entity, "a", "b", "c", "d", "e"); // history 3: holds c, d, e

    entity.tell(new TopicEntity.Recover(fanout, 1, 1, epoch));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class).reason()).isEqualTo("history_trimmed");
    entity.tell(new TopicEntity.Recover(fanout, 2, 2, epoch)); // c, d, e are all it missed
    for (int i = 0; i < 3; i++) {
      fanoutProbe.expectMessageClass(NodeFanout.Replayed.class);
    }
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class).recovered()).isTrue();
    entity.tell(new TopicEntity.Recover(fanout, 3, 9, epoch));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class).reason()).isEqualTo("future_since");
    entity.tell(new TopicEntity.Recover(fanout, 4, 4, epoch + 1));
    NodeFanout.ReplayEnd other = fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class);
    assertThat(other.reason()).isEqualTo("epoch_changed");
    assertThat(other.epoch()).isEqualTo(epoch);
    assertThat(other.seq()).isEqualTo(5);
  }

  @Test
  void aTopicWithoutHistoryAnswersARejoinAsAPlainJoin() {
    ActorRef<TopicEntity.Command> entity = start("room:plain", SETTINGS);
    long epoch = serving(entity);
    publishAndDeliver(entity, "a");
    entity.tell(new TopicEntity.Recover(fanout, 1, 0, epoch));
    assertThat(fanoutProbe.expectMessageClass(NodeFanout.ReplayEnd.class))
        .isEqualTo(new NodeFanout.ReplayEnd("room:plain", 1, epoch, 1, false, false, ""));
  }

  @Test
  void theHistoryIsReadInPagesForTheApi() {
    ActorRef<TopicEntity.Command> entity = start("room:hist-3", SETTINGS);
    long epoch = serving(entity);
    publishAndDeliver(entity, "a", "b", "c");
    TestProbe<TopicEntity.HistoryPage> pages = testKit.createTestProbe();
    entity.tell(new TopicEntity.ReadHistory(0, 2, pages.ref()));
    TopicEntity.HistoryPage page = pages.receiveMessage();
    assertThat(page.entries()).extracting(HistoryEntry::event).containsExactly("a", "b");
    assertThat(page.complete()).isTrue();
    assertThat(page.more()).isTrue();
    assertThat(page.epoch()).isEqualTo(epoch);
    entity.tell(new TopicEntity.ReadHistory(2, 10, pages.ref()));
    assertThat(pages.receiveMessage().entries()).extracting(HistoryEntry::seq).containsExactly(3L);
  }

  @Test
  void anIdleTopicKeepsItsHistoryUntilItExpiresInsteadOfPassivating() {
    ActorRef<TopicEntity.Command> entity = start("room:hist-4", SETTINGS); // idle-passivation 500 ms
    serving(entity);
    publishAndDeliver(entity, "a");
    entity.tell(new TopicEntity.Unregister(fanout));
    // A plain topic passivates after 500 ms (anIdleEntityPassivates...); this one holds a message for a minute.
    shard.expectNoMessage(Duration.ofMillis(1200));
  }

  @Test
  void shardOfMatchesShardingsDefaultExtractor() {
    for (String topic : List.of("room:1", "room:lobby", "game:€", "", "x".repeat(300))) {
      assertThat(TopicEntity.shardOf(topic, 1000))
          .isEqualTo(ShardRegion.HashCodeMessageExtractor$.MODULE$.shardId(topic, 1000));
    }
  }
}
