package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PhoenixFrameTest {
  private final PhoenixFrame frame = new PhoenixFrame("shout");

  private PhoenixFrame.Kind read(String text) {
    ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    return frame.read(buf, 0, buf.readableBytes());
  }

  @Test
  void broadcastGivesSendTimeAndSeq() {
    assertThat(read("[null,null,\"room:7\",\"shout\",{\"t\":1234567890123,\"seq\":42,\"pad\":\"xxxx\"}]"))
        .isEqualTo(PhoenixFrame.Kind.BROADCAST);
    assertThat(frame.hasT).isTrue();
    assertThat(frame.t).isEqualTo(1234567890123L);
    assertThat(frame.seq).isEqualTo(42);
  }

  @Test
  void payloadKeysInAnyOrderWithEscapesAndNestedValues() {
    assertThat(read("[null, null, \"room:7\", \"shout\", {\"pad\": \"a\\\"b\\\\\", \"seq\": 7, "
        + "\"nested\": {\"t\": 1, \"seq\": [1, {\"t\": 2}]}, \"t\": 99.7}]"))
        .isEqualTo(PhoenixFrame.Kind.BROADCAST);
    assertThat(frame.t).as("top-level t, fraction dropped").isEqualTo(99);
    assertThat(frame.seq).isEqualTo(7);
  }

  @Test
  void broadcastWithoutTheKeysIsNotMistakenForOne() {
    read("[null,null,\"room:7\",\"shout\",{\"body\":\"hi\"}]");
    assertThat(frame.hasT).isFalse();
    assertThat(frame.hasSeq).isFalse();
  }

  @Test
  void joinReplyGivesRefAndStatus() {
    assertThat(read("[\"3\",\"3\",\"room:1\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]"))
        .isEqualTo(PhoenixFrame.Kind.REPLY);
    assertThat(frame.ref).isEqualTo(3);
    assertThat(frame.statusOk).isTrue();
    assertThat(frame.heartbeatTopic).isFalse();
  }

  @Test
  void errorReplyGivesItsReason() {
    String text = "[\"1\",\"1\",\"unrouted:x\",\"phx_reply\",{\"response\":{\"reason\":\"unmatched topic\"},\"status\":\"error\"}]";
    ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    assertThat(frame.read(buf, 0, buf.readableBytes())).isEqualTo(PhoenixFrame.Kind.REPLY);
    assertThat(frame.statusOk).isFalse();
    assertThat(PhoenixFrame.reason(buf, frame.payloadStart, frame.payloadEnd)).isEqualTo("unmatched topic");
  }

  @Test
  void heartbeatReplyIsOnThePhoenixTopic() {
    assertThat(read("[null,\"17\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]"))
        .isEqualTo(PhoenixFrame.Kind.REPLY);
    assertThat(frame.heartbeatTopic).isTrue();
    assertThat(frame.ref).isEqualTo(17);
  }

  @Test
  void otherEventsChannelErrorsAndGarbage() {
    assertThat(read("[null,null,\"room:1\",\"presence_diff\",{\"joins\":{}}]")).isEqualTo(PhoenixFrame.Kind.OTHER);
    assertThat(read("[\"1\",\"1\",\"room:1\",\"phx_error\",{}]")).isEqualTo(PhoenixFrame.Kind.CHANNEL_ERROR);
    assertThat(read("[\"1\",\"1\",\"room:1\",\"phx_close\",{}]")).isEqualTo(PhoenixFrame.Kind.CHANNEL_ERROR);
    assertThat(read("not json")).isEqualTo(PhoenixFrame.Kind.MALFORMED);
    assertThat(read("[null,null,\"room:1\"")).isEqualTo(PhoenixFrame.Kind.MALFORMED);
    assertThat(read("[null,null,\"room:1\",\"shout\",{\"t\":1,\"pad\":\"unterminated}]"))
        .isEqualTo(PhoenixFrame.Kind.MALFORMED);
  }

  @Test
  void readsOnlyItsSliceOfTheBuffer() {
    String one = "[null,null,\"room:1\",\"shout\",{\"t\":5,\"seq\":6}]";
    ByteBuf buf = Unpooled.copiedBuffer("garbage" + one + "[more", StandardCharsets.UTF_8);
    assertThat(frame.read(buf, 7, one.length())).isEqualTo(PhoenixFrame.Kind.BROADCAST);
    assertThat(frame.seq).isEqualTo(6);
    assertThat(buf.readerIndex()).isZero();
  }

  @Test
  void anotherBroadcastEventIsConfigurable() {
    PhoenixFrame news = new PhoenixFrame("news");
    ByteBuf buf = Unpooled.copiedBuffer("[null,null,\"room:1\",\"news\",{\"t\":1,\"seq\":2}]", StandardCharsets.UTF_8);
    assertThat(news.read(buf, 0, buf.readableBytes())).isEqualTo(PhoenixFrame.Kind.BROADCAST);
    assertThat(read("[null,null,\"room:1\",\"news\",{\"t\":1,\"seq\":2}]")).isEqualTo(PhoenixFrame.Kind.OTHER);
  }
}
