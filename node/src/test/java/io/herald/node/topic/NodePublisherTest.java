package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node's publisher in a one-node cluster, with a probe as every topic's owner: sending again until
 * acknowledged, in order, the deadline and the bound. (Unnumbered delivery while an owner is
 * unreachable needs an unreachable node: UnreachableOwnerTest.)
 */
class NodePublisherTest {
  private static final Duration RESEND = Duration.ofMillis(200);
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = OneNodeCluster.start();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<TopicEntity.Command> owner = testKit.createTestProbe();
  private final TestProbe<NodePublisher.Published> replies = testKit.createTestProbe();

  private ActorRef<NodePublisher.Command> start(Duration deadline, int maxPending) {
    return testKit.spawn(
        NodePublisher.create(
            topic -> owner.ref(),
            new HeraldSettings.Publish(RESEND, deadline, maxPending, Duration.ofMillis(100), Duration.ofMinutes(1), true, 10000),
            new NodeMetrics()));
  }

  private NodePublisher.Publish publish(String topic, String event, long tag) {
    return new NodePublisher.Publish(topic, event, "{}".getBytes(), false, replies.ref(), tag, null);
  }

  private TopicEntity.Publish sent() {
    return owner.expectMessageClass(TopicEntity.Publish.class);
  }

  @Test
  void anUnacknowledgedPublishIsSentAgainUntilTheOwnerAcknowledgesIt() {
    ActorRef<NodePublisher.Command> publisher = start(Duration.ofSeconds(30), 100);
    publisher.tell(publish("room:a", "hello", 42));
    TopicEntity.Publish first = sent();
    assertThat(first.after()).isZero();
    assertThat(first.wantOwner()).isTrue(); // where the owner lives is not known yet
    replies.expectNoMessage(Duration.ZERO);

    TopicEntity.Publish again = owner.expectMessageClass(TopicEntity.Publish.class, RESEND.multipliedBy(3));
    assertThat(again.pseq()).isEqualTo(first.pseq());
    assertThat(again.event()).isEqualTo("hello");

    publisher.tell(new NodePublisher.Accepted("room:a", 5, 1, first.pseq(), owner.ref()));
    NodePublisher.Published published = replies.expectMessageClass(NodePublisher.Published.class);
    assertThat(published).isEqualTo(new NodePublisher.Published("room:a", 5, 1, 42));
    assertThat(published.numbered()).isTrue();
    owner.expectNoMessage(RESEND.multipliedBy(2)); // acknowledged: never again

    publisher.tell(publish("room:a", "next", 43));
    assertThat(sent().wantOwner()).isFalse();
  }

  @Test
  void aPublishIsChainedOnTheUnacknowledgedOneBeforeItAndAllGoAgainInOrder() {
    ActorRef<NodePublisher.Command> publisher = start(Duration.ofSeconds(30), 100);
    publisher.tell(publish("room:b", "one", 1));
    publisher.tell(publish("room:other", "x", 9));
    publisher.tell(publish("room:b", "two", 2));
    publisher.tell(publish("room:b", "three", 3));
    TopicEntity.Publish one = sent();
    TopicEntity.Publish x = sent();
    TopicEntity.Publish two = sent();
    TopicEntity.Publish three = sent();
    assertThat(two.after()).isEqualTo(one.pseq());
    assertThat(three.after()).isEqualTo(two.pseq());
    assertThat(x.after()).isZero();
    publisher.tell(new NodePublisher.Accepted("room:other", 5, 1, x.pseq(), owner.ref()));
    publisher.tell(new NodePublisher.Accepted("room:b", 5, 1, one.pseq(), owner.ref()));
    assertThat(replies.receiveSeveralMessages(2)).extracting(NodePublisher.Published::replyTag).containsExactly(9L, 1L);

    // "two" was lost in a hand-off: two and three go again, two now the head.
    TopicEntity.Publish twoAgain = owner.expectMessageClass(TopicEntity.Publish.class, RESEND.multipliedBy(3));
    TopicEntity.Publish threeAgain = sent();
    assertThat(twoAgain.pseq()).isEqualTo(two.pseq());
    assertThat(twoAgain.after()).isZero();
    assertThat(threeAgain.pseq()).isEqualTo(three.pseq());
    assertThat(threeAgain.after()).isEqualTo(two.pseq());
  }

  @Test
  void aPublishNeverAcknowledgedIsDroppedAtTheDeadlineWithoutAnAnswer() {
    ActorRef<NodePublisher.Command> publisher = start(Duration.ofMillis(500), 100);
    publisher.tell(publish("room:c", "lost", 1));
    // Sent again until the deadline, then never again.
    int sends = 0;
    long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    while (System.nanoTime() < until) {
      try {
        owner.receiveMessage(Duration.ofMillis(50));
        sends++;
      } catch (AssertionError nothingYet) {
        // keep listening
      }
    }
    assertThat(sends).isBetween(2, 4);
    owner.expectNoMessage(RESEND.multipliedBy(3));
    replies.expectNoMessage(Duration.ZERO);
  }

  @Test
  void publishesBeyondTheBoundAreRefused() {
    ActorRef<NodePublisher.Command> publisher = start(Duration.ofSeconds(30), 2);
    publisher.tell(publish("room:d", "1", 1));
    publisher.tell(publish("room:d", "2", 2));
    publisher.tell(publish("room:d", "3", 3));
    TopicEntity.Publish first = sent();
    sent();
    owner.expectNoMessage(RESEND.dividedBy(2));
    publisher.tell(new NodePublisher.Accepted("room:d", 5, 1, first.pseq(), owner.ref()));
    replies.expectMessageClass(NodePublisher.Published.class);
    publisher.tell(publish("room:d", "4", 4));
    // "2" keeps going again meanwhile; "4" now fits.
    owner.fishForMessage(
        RESEND.multipliedBy(3),
        m -> m instanceof TopicEntity.Publish p && p.event().equals("4") ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    replies.expectNoMessage(Duration.ZERO); // "3" was refused: no answer ever
  }
}
