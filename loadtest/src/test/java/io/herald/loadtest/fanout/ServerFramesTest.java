package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frames as Netty's server encoder writes them, read back in pieces of every size. */
class ServerFramesTest {
  private final List<String> seen = new ArrayList<>();
  private final ServerFrames.Sink sink = (fin, opcode, buf, from, length) ->
      seen.add(opcode + (fin ? "" : "-") + ":" + buf.toString(from, length, StandardCharsets.UTF_8));

  private static ByteBuf serverBytes(Object... frames) {
    EmbeddedChannel server = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    server.writeOutbound(frames);
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = server.readOutbound()) != null; b.release()) all.writeBytes(b);
    return all;
  }

  @Test
  void framesSplitAcrossReadsComeOutWholeAndInOrder() {
    String big = "y".repeat(70_000);
    ByteBuf bytes = serverBytes(new TextWebSocketFrame("[null,null,\"room:1\",\"shout\",{}]"),
        new PingWebSocketFrame(Unpooled.copiedBuffer("p", StandardCharsets.US_ASCII)),
        new TextWebSocketFrame("x".repeat(300)), new TextWebSocketFrame(big), new CloseWebSocketFrame(1000, "bye"));
    List<String> expected = List.of("1:[null,null,\"room:1\",\"shout\",{}]", "9:p", "1:" + "x".repeat(300), "1:" + big,
        "8:" + new String(new byte[] {0x03, (byte) 0xE8}, StandardCharsets.UTF_8) + "bye");
    for (int piece : new int[] {1, 2, 3, 7, 126, 1000, bytes.readableBytes()}) {
      seen.clear();
      ByteBuf cumulation = Unpooled.buffer();
      for (int at = 0; at < bytes.readableBytes(); at += piece) {
        cumulation.writeBytes(bytes, at, Math.min(piece, bytes.readableBytes() - at));
        assertThat(ServerFrames.read(cumulation, sink)).isNull();
        cumulation.discardReadBytes();
      }
      assertThat(seen).as("pieces of %d bytes", piece).isEqualTo(expected);
      assertThat(cumulation.readableBytes()).isZero();
    }
  }

  @Test
  void aMaskedFrameIsAProtocolError() {
    ByteBuf masked = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0x81, 0, 0, 0, 0, 'x'});
    assertThat(ServerFrames.read(masked, sink)).isEqualTo("masked frame from server");
    assertThat(seen).isEmpty();
  }

  @Test
  void anAbsurdLengthIsAProtocolError() {
    ByteBuf huge = Unpooled.buffer();
    huge.writeByte(0x81).writeByte(127).writeLong(1L << 40);
    assertThat(ServerFrames.read(huge, sink)).isEqualTo("frame too large");
  }
}
