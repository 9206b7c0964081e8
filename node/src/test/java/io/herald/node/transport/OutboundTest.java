package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.protocol.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OutboundTest {

  /** Decodes with Netty's client-side decoder (server frames are unmasked). */
  private static WebSocketFrame decode(ByteBuf frame) {
    EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
    client.writeInbound(frame);
    WebSocketFrame decoded = client.readInbound();
    client.finishAndReleaseAll();
    return decoded;
  }

  @Test
  void preEncodedTextFrameDecodesToTheSameBytesForEverySize() {
    for (int size : new int[] {0, 1, 125, 126, 127, 65535, 65536, 200_000}) {
      byte[] data = new byte[size];
      Arrays.fill(data, (byte) 'x');
      ByteBuf frame = Outbound.wsFrame(UnpooledByteBufAllocator.DEFAULT, new EncodedFrame(false, data));
      WebSocketFrame decoded = decode(frame);
      assertThat(decoded).as("size %d", size).isInstanceOf(TextWebSocketFrame.class);
      assertThat(decoded.isFinalFragment()).isTrue();
      assertThat(decoded.content().readableBytes()).isEqualTo(size);
      decoded.release();
    }
  }

  @Test
  void preEncodedBinaryFrameKeepsItsOpcode() {
    byte[] data = {0, 1, 2, 3};
    WebSocketFrame decoded = decode(Outbound.wsFrame(UnpooledByteBufAllocator.DEFAULT, new EncodedFrame(true, data)));
    assertThat(decoded).isInstanceOf(BinaryWebSocketFrame.class);
    byte[] got = new byte[4];
    decoded.content().readBytes(got);
    assertThat(got).containsExactly(data);
    decoded.release();
  }
}
