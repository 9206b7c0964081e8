package io.herald.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveriesTest {
  private static final String TOPIC = "room:chat-0";
  private static final long MAX_DELIVERY_MS = 1000;
  private static final long JOINED_AT = 10_000;

  private final Deliveries deliveries = new Deliveries("shout", MAX_DELIVERY_MS, 1);

  private static String broadcast(String topic, String event, long n, long sentAt) {
    return "[null,null,\"" + topic + "\",\"" + event + "\",{\"body\":\"hi\",\"n\":" + n + ",\"sent_at\":" + sentAt + "}]";
  }

  /** Messages 1..count acknowledged on the topic, sent 100 ms apart from {@code firstSentAt}. */
  private void acknowledge(int count, long firstSentAt) {
    for (int i = 0; i < count; i++) {
      long n = deliveries.number(TOPIC);
      deliveries.acknowledged(TOPIC, n, firstSentAt + 100 * i);
    }
  }

  @Test
  void everyMessageOnceAndInTimePasses() {
    acknowledge(3, JOINED_AT + 1);
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    for (int n = 1; n <= 3; n++) {
      long sentAt = JOINED_AT + 1 + 100 * (n - 1);
      receiver.see(broadcast(TOPIC, "shout", n, sentAt), sentAt + 5);
    }
    assertThat(receiver.problems(JOINED_AT + 60_000)).isEmpty();
    assertThat(deliveries.summary()).contains("expected=3 missing=0 late=0 duplicate=0").contains("n=3");
  }

  @Test
  void broadcastsThatCarryTheirSeqInTheRefSlotCountToo() {
    acknowledge(2, JOINED_AT + 1);
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    for (int n = 1; n <= 2; n++) {
      long sentAt = JOINED_AT + 1 + 100 * (n - 1);
      // room:* keeps history: [null, "<seq>", topic, event, payload]
      receiver.see(broadcast(TOPIC, "shout", n, sentAt).replaceFirst("^\\[null,null,", "[null,\"" + n + "\","), sentAt + 5);
    }
    assertThat(receiver.problems(JOINED_AT + 60_000)).isEmpty();
  }

  @Test
  void aMissingMessageFails() {
    acknowledge(3, JOINED_AT + 1);
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    receiver.see(broadcast(TOPIC, "shout", 1, JOINED_AT + 1), JOINED_AT + 2);
    receiver.see(broadcast(TOPIC, "shout", 3, JOINED_AT + 201), JOINED_AT + 202);
    assertThat(receiver.problems(JOINED_AT + 60_000)).isEqualTo("missed 1 of 3 broadcasts on room:chat-0 (first n=2)");
  }

  @Test
  void aLateOrRepeatedMessageFails() {
    acknowledge(1, JOINED_AT + 1);
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    receiver.see(broadcast(TOPIC, "shout", 1, JOINED_AT + 1), JOINED_AT + 1 + MAX_DELIVERY_MS + 1);
    receiver.see(broadcast(TOPIC, "shout", 1, JOINED_AT + 1), JOINED_AT + 2);
    assertThat(receiver.problems(JOINED_AT + 60_000))
        .isEqualTo("1 arrived later than 1000 ms (worst 1001 ms); 1 arrived twice");
  }

  @Test
  void messagesSentBeforeTheJoinOrStillDueAreNotExpected() {
    acknowledge(1, JOINED_AT - 1);     // n=1: before the join
    acknowledge(1, JOINED_AT + 5_000); // n=2: in time
    acknowledge(1, JOINED_AT + 9_500); // n=3: may still arrive at 10_000 + 10_000
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    receiver.see(broadcast(TOPIC, "shout", 2, JOINED_AT + 5_000), JOINED_AT + 5_010);
    assertThat(receiver.problems(JOINED_AT + 10_000)).isEmpty();
  }

  @Test
  void otherTopicsEventsAndRepliesAreNotCounted() {
    acknowledge(1, JOINED_AT + 1);
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    receiver.see(broadcast("room:chat-1", "shout", 1, JOINED_AT + 1), JOINED_AT + 2);
    receiver.see(broadcast(TOPIC, "news", 1, JOINED_AT + 1), JOINED_AT + 2);
    receiver.see("[\"1\",\"7\",\"" + TOPIC + "\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]", JOINED_AT + 2);
    assertThat(receiver.problems(JOINED_AT + 60_000)).startsWith("missed 1 of 1 broadcasts");
  }

  @Test
  void aReceiverWithNothingToCheckFails() {
    Deliveries.Receiver receiver = deliveries.new Receiver(TOPIC, JOINED_AT);
    assertThat(receiver.problems(JOINED_AT + 60_000)).startsWith("nothing to check");
  }
}
