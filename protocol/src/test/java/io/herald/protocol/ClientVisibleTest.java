package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientVisibleTest {

  @Test
  void closeReasonWithDetailIsCutToWhatAControlFrameCarriesOnACharacterBoundary() {
    String detail = "é".repeat(100);
    String cut = CloseReason.MALFORMED_MESSAGE.text(detail);
    assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(CloseReason.MAX_REASON_BYTES);
    assertThat("malformed message: " + detail).startsWith(cut);
    assertThat(CloseReason.PROTOCOL_ERROR.text("short")).isEqualTo("protocol error: short");
  }

  @Test
  void everyCloseReasonFitsAControlFrame() {
    for (CloseReason reason : CloseReason.values()) {
      assertThat(reason.text().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(CloseReason.MAX_REASON_BYTES);
    }
  }

  @Test
  void replyReasonIsAJsonObjectWithTheReasonEscaped() {
    assertThat(ReplyReason.UNMATCHED_TOPIC.response()).isEqualTo(Payload.json("{\"reason\":\"unmatched topic\"}"));
    assertThat(ReplyReason.MALFORMED_MESSAGE.response("bad \"quote\""))
        .isEqualTo(Payload.json("{\"reason\":\"malformed message: bad \\\"quote\\\"\"}"));
  }

  @Test
  void topicLengthIsCountedInUtf8Bytes() {
    assertThat(Topics.tooLong("a".repeat(255), 255)).isFalse();
    assertThat(Topics.tooLong("a".repeat(256), 255)).isTrue();
    // 100 two-byte characters: 100 chars, 200 bytes
    assertThat(Topics.tooLong("é".repeat(100), 199)).isTrue();
    assertThat(Topics.tooLong("é".repeat(100), 200)).isFalse();
    // a surrogate pair is 4 bytes
    assertThat(Topics.utf8Length("\uD83D\uDE00")).isEqualTo(4);
    assertThat(Topics.utf8Length("room:€")).isEqualTo("room:€".getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void everyPhxEventIsReserved() {
    for (String event : new String[] {ReservedEvents.JOIN, ReservedEvents.LEAVE, ReservedEvents.CLOSE, ReservedEvents.ERROR, ReservedEvents.REPLY}) {
      assertThat(ReservedEvents.isReserved(event)).as(event).isTrue();
    }
    assertThat(ReservedEvents.isReserved(ReservedEvents.PRESENCE_DIFF)).isTrue();
    assertThat(ReservedEvents.isReserved(ReservedEvents.PRESENCE_STATE)).isTrue();
    assertThat(ReservedEvents.isReserved("shout")).isFalse();
  }

  @Test
  void anOverlongTopicIsCutToTheLimitOnACharacterBoundary() {
    assertThat(Topics.cut("room:1", 255)).isEqualTo("room:1");
    assertThat(Topics.cut("a".repeat(300), 255)).hasSize(255);
    String cut = Topics.cut("é".repeat(200), 255); // 2 bytes each: 127 fit
    assertThat(cut).isEqualTo("é".repeat(127));
    assertThat(Topics.cut("a" + "\uD83D\uDE00".repeat(100), 6)).isEqualTo("a\uD83D\uDE00");
  }
}
