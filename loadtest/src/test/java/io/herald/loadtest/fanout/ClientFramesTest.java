package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The harness's client frames, read by Netty's server-side decoder (which insists on masking). */
class ClientFramesTest {
  private static EmbeddedChannel serverSide() {
    return new EmbeddedChannel(new WebSocket13FrameDecoder(
        WebSocketDecoderConfig.newBuilder().expectMaskedFrames(true).maxFramePayloadLength(1 << 20).build()));
  }

  @Test
  void textFramesOfEveryHeaderSizeDecode() {
    for (int length : new int[] {0, 1, 125, 126, 127, 1000, 65535}) {
      String text = "x".repeat(length);
      EmbeddedChannel server = serverSide();
      server.writeInbound(ClientFrames.text(ByteBufAllocator.DEFAULT, text));
      TextWebSocketFrame f = server.readInbound();
      assertThat(f).as("length %d", length).isNotNull();
      assertThat(f.text()).isEqualTo(text);
      f.release();
      server.finishAndReleaseAll();
    }
  }

  @Test
  void pongCarriesThePingPayload() {
    ByteBuf ping = Unpooled.copiedBuffer("..abc..", StandardCharsets.US_ASCII);
    EmbeddedChannel server = serverSide();
    server.writeInbound(ClientFrames.control(ByteBufAllocator.DEFAULT, ClientFrames.OP_PONG, ping, 2, 3));
    PongWebSocketFrame pong = server.readInbound();
    assertThat(pong.content().toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
    pong.release();
    server.finishAndReleaseAll();
  }

  @Test
  void decimalsAreWrittenInPlace() {
    for (long v : new long[] {0, 7, 10, 99, 100, 1234567890123L, Long.MAX_VALUE, -1, -450, Long.MIN_VALUE}) {
      ByteBuf out = Unpooled.buffer(2);
      out.writeByte('[');
      ClientFrames.writeDecimal(out, v);
      assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("[" + v);
    }
  }
}
