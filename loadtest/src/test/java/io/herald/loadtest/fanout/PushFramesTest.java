package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.api.Test;

/** The publisher's pushes, as a server reads them: a masked text frame holding a V2 push. */
class PushFramesTest {
  @Test
  void pushIsAV2FrameOnTheTopicsSlotWithSendTimeSeqAndPad() throws Exception {
    PushFrames frames = new PushFrames(250, 100, "room:", "shout", 100);
    EmbeddedChannel server = new EmbeddedChannel(new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder().expectMaskedFrames(true).build()));
    server.writeInbound(frames.push(ByteBufAllocator.DEFAULT, 142, 7, 1_234_567_890_123L, 99));
    TextWebSocketFrame text = server.readInbound();
    JsonNode push = new ObjectMapper().readTree(text.text());
    text.release();
    assertThat(push.get(0).asText()).as("join_ref of slot 42 on the second socket").isEqualTo("43");
    assertThat(push.get(1).asText()).isEqualTo("7");
    assertThat(push.get(2).asText()).isEqualTo("room:142");
    assertThat(push.get(3).asText()).isEqualTo("shout");
    assertThat(push.get(4).get("t").asLong()).isEqualTo(1_234_567_890_123L);
    assertThat(push.get(4).get("seq").asLong()).isEqualTo(99);
    assertThat(push.get(4).get("pad").asText()).hasSize(100);
  }
}
