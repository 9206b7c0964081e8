package io.herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.protocol.Payload;
import org.junit.jupiter.api.Test;

/** The channel's position in its topic's history, without a socket. */
class HistoryPositionTest {
  private final HistoryPosition position = new HistoryPosition("history:t");

  private static String text(Payload p) {
    return ((Payload.Json) p).text();
  }

  private Recovery joined(String response) {
    return position.joined(Payload.json(response));
  }

  @Test
  void seqsAreNonNegativeDecimalLongs() {
    assertThat(HistoryPosition.parseSeq("0")).isZero();
    assertThat(HistoryPosition.parseSeq("42")).isEqualTo(42);
    assertThat(HistoryPosition.parseSeq("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    for (String bad : new String[] {null, "", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "abc",
        "9223372036854775808", "99999999999999999999"}) {
      assertThat(HistoryPosition.parseSeq(bad)).as("'%s'", bad).isEqualTo(HistoryPosition.NONE);
    }
  }

  @Test
  void beforeAnyEpochTheAppParamsGoOutAsTheyAre() {
    Payload app = Payload.json("{\"name\":\"ann\"}");
    assertThat(position.joinParams(app)).isSameAs(app);
    assertThat(position.wentBack("1")).isFalse();
    assertThat(position.lastSeq()).isEqualTo(HistoryPosition.NONE);
  }

  @Test
  void afterAReplyWithAnEpochSinceAndEpochArePrependedToTheAppsExactBytes() {
    assertThat(joined("{\"epoch\":\"7064\",\"seq\":57,\"recovered\":false}"))
        .isEqualTo(new Recovery(false, "7064", 57, null));
    assertThat(position.wentBack("58")).isFalse();

    assertThat(text(position.joinParams(Payload.json(" {\"x\": 1.50, \"n\" : [1]}"))))
        .isEqualTo("{\"since\":58,\"epoch\":\"7064\",\"x\": 1.50, \"n\" : [1]}");
    assertThat(text(position.joinParams(Payload.json("{ }")))).isEqualTo("{\"since\":58,\"epoch\":\"7064\"}");
  }

  @Test
  void theClientsSinceAndEpochReplaceTheApps() {
    joined("{\"epoch\":\"9\",\"seq\":3,\"recovered\":false}");
    String merged = text(position.joinParams(Payload.json("{\"since\":1,\"a\":\"b\",\"epoch\":\"1\"}")));
    assertThat(PhoenixPeer.parse(merged)).isEqualTo(PhoenixPeer.parse("{\"since\":3,\"a\":\"b\",\"epoch\":\"9\"}"));
  }

  @Test
  void paramsThatAreNotAnObjectGoOutUnchanged() {
    joined("{\"epoch\":\"9\",\"seq\":3}");
    Payload array = Payload.json("[1,2]");
    Payload binary = Payload.binary(new byte[] {1});
    assertThat(position.joinParams(array)).isSameAs(array);
    assertThat(position.joinParams(binary)).isSameAs(binary);
  }

  @Test
  void aRecoveredReplyKeepsThePositionAtTheSinceSentSoThatTheReplayIsNoRestart() {
    joined("{\"epoch\":\"9\",\"seq\":3,\"recovered\":false}");
    position.joinParams(Payload.EMPTY_OBJECT); // since 3
    assertThat(joined("{\"epoch\":\"9\",\"seq\":5,\"recovered\":true}")).isEqualTo(new Recovery(true, "9", 5, null));
    assertThat(position.lastSeq()).isEqualTo(3);
    assertThat(position.wentBack("4")).isFalse();
    assertThat(position.wentBack("5")).isFalse();
    assertThat(position.lastSeq()).isEqualTo(5);
  }

  @Test
  void aFirstJoinWithTheAppsOwnSinceAndEpochRecoversFromThem() {
    // an app that stored its position across restarts of its process
    Payload app = Payload.json("{\"since\":\"4\",\"epoch\":\"9\"}");
    assertThat(position.joinParams(app)).isSameAs(app);
    joined("{\"epoch\":\"9\",\"seq\":6,\"recovered\":true}");
    assertThat(position.lastSeq()).isEqualTo(4);
  }

  @Test
  void aNotRecoveredReplyMovesThePositionToItsEpochAndSeq() {
    joined("{\"epoch\":\"9\",\"seq\":30}");
    position.joinParams(Payload.EMPTY_OBJECT);
    assertThat(joined("{\"epoch\":\"10\",\"seq\":2,\"recovered\":false,\"reason\":\"epoch_changed\"}"))
        .isEqualTo(new Recovery(false, "10", 2, Recovery.EPOCH_CHANGED));
    assertThat(position.epoch()).isEqualTo("10");
    assertThat(position.lastSeq()).isEqualTo(2);
  }

  @Test
  void aSeqNotGreaterThanTheLastIsARestartAndIsNotRecorded() {
    joined("{\"epoch\":\"9\",\"seq\":3}");
    assertThat(position.wentBack("3")).isTrue();
    assertThat(position.wentBack("1")).isTrue();
    assertThat(position.lastSeq()).isEqualTo(3);
    assertThat(position.wentBack("7")).as("a jump is no gap").isFalse();
    assertThat(position.lastSeq()).isEqualTo(7);
    assertThat(position.wentBack("x")).isFalse();
    assertThat(position.wentBack(null)).isFalse();
    assertThat(position.lastSeq()).isEqualTo(7);
  }

  @Test
  void aReplyWithoutEpochForgetsThePosition() {
    joined("{\"epoch\":\"9\",\"seq\":3}");
    assertThat(joined("{\"topic\":\"x\"}")).isNull();
    assertThat(position.epoch()).isNull();
    assertThat(position.lastSeq()).isEqualTo(HistoryPosition.NONE);
    Payload app = Payload.json("{\"a\":1}");
    assertThat(position.joinParams(app)).isSameAs(app);
    assertThat(position.wentBack("1")).isFalse();
    // one that still says why it did not recover reports it
    assertThat(joined("{\"recovered\":false,\"reason\":\"no_history\"}"))
        .isEqualTo(new Recovery(false, null, -1, Recovery.NO_HISTORY));
    assertThat(position.joined(Payload.binary(new byte[] {1}))).isNull();
  }

  @Test
  void aRejoinThatAskedForRecoveryAndGetsNoEpochBackIsReportedNotRecovered() {
    joined("{\"epoch\":\"9\",\"seq\":3}");
    position.joinParams(Payload.EMPTY_OBJECT); // since 3
    assertThat(joined("{}")).isEqualTo(new Recovery(false, null, -1, Recovery.NO_HISTORY));
    assertThat(position.epoch()).isNull();
    // the next join asks nothing, and a reply without epoch is then a plain topic without history
    assertThat(position.joinParams(Payload.EMPTY_OBJECT)).isSameAs(Payload.EMPTY_OBJECT);
    assertThat(joined("{}")).isNull();
  }
}
