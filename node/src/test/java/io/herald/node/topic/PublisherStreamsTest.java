package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.node.topic.PublisherStreams.Verdict;
import org.junit.jupiter.api.Test;

class PublisherStreamsTest {
  private final PublisherStreams<String> streams = new PublisherStreams<>(2, 1_000);

  @Test
  void aChainNumberedInOrderThenRepeatsAreDuplicates() {
    assertThat(streams.check("a", 1, 0)).isEqualTo(Verdict.NUMBER);
    streams.numbered("a", 1, 10, 0);
    assertThat(streams.check("a", 4, 1)).isEqualTo(Verdict.NUMBER);
    streams.numbered("a", 4, 11, 0);
    assertThat(streams.check("a", 1, 0)).isEqualTo(Verdict.DUPLICATE);
    assertThat(streams.check("a", 4, 1)).isEqualTo(Verdict.DUPLICATE);
    assertThat(streams.seqOf("a", 1)).isEqualTo(10);
    assertThat(streams.seqOf("a", 4)).isEqualTo(11);
  }

  @Test
  void aPublishAfterOneNotNumberedHereIsOutOfOrder() {
    streams.numbered("a", 1, 10, 0);
    assertThat(streams.check("a", 5, 3)).isEqualTo(Verdict.OUT_OF_ORDER);
    // A new incarnation knows nothing: only the publisher's oldest unacknowledged one starts it.
    assertThat(streams.check("b", 5, 3)).isEqualTo(Verdict.OUT_OF_ORDER);
    assertThat(streams.check("b", 3, 0)).isEqualTo(Verdict.NUMBER);
  }

  @Test
  void theHeadOfAPublisherIsNumberedWhateverCameBefore() {
    streams.numbered("a", 1, 10, 0);
    // 2 and 3 went to another topic; every earlier one of this topic was acknowledged.
    assertThat(streams.check("a", 4, 0)).isEqualTo(Verdict.NUMBER);
  }

  @Test
  void onlyTheLastFewSeqsAreRememberedAndPublishersAreKeptApart() {
    streams.numbered("a", 1, 10, 0);
    streams.numbered("a", 2, 11, 0);
    streams.numbered("a", 3, 12, 0);
    streams.numbered("b", 1, 13, 0);
    assertThat(streams.seqOf("a", 1)).isEqualTo(-1);
    assertThat(streams.seqOf("a", 3)).isEqualTo(12);
    assertThat(streams.seqOf("b", 1)).isEqualTo(13);
    assertThat(streams.check("b", 2, 1)).isEqualTo(Verdict.NUMBER);
  }

  @Test
  void silentPublishersAreForgottenWhenANewOneArrives() {
    streams.numbered("a", 1, 10, 0);
    assertThat(streams.isNew("a")).isFalse();
    streams.numbered("b", 1, 11, 500);
    assertThat(streams.publishers()).isEqualTo(2);
    streams.numbered("c", 1, 12, 2_000);
    assertThat(streams.isNew("a")).isTrue();
    assertThat(streams.isNew("b")).isTrue();
    assertThat(streams.publishers()).isEqualTo(1);
  }

  @Test
  void rememberingNothingIsRefused() {
    assertThatThrownBy(() -> new PublisherStreams<String>(0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
