package io.herald.node.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The node link's frames: what is written reads back, and what is not a frame is refused. */
class LinkFramesTest {
  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  /** Drops the 4-byte length, as the pipeline's length decoder does, after checking it. */
  private static ByteBuf body(ByteBuf frame) {
    int length = frame.readInt();
    assertThat(length).isEqualTo(frame.readableBytes());
    return frame;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void helloReadsBack() {
    LinkFrames.Frame read = LinkFrames.read(body(LinkFrames.hello(ALLOC, "pekko://herald@10.0.0.7:17355", -42L)));
    assertThat(read).isEqualTo(new LinkFrames.Hello("pekko://herald@10.0.0.7:17355", -42L));
  }

  @Test
  void messagesReadBackWithTheirBodies() {
    byte[] body = "the serializer's bytes".getBytes(StandardCharsets.UTF_8);
    LinkFrames.ToFanout f = (LinkFrames.ToFanout) LinkFrames.read(body(LinkFrames.toFanout(ALLOC, "D2", body)));
    assertThat(f.manifest()).isEqualTo("D2");
    assertThat(bytes(f.body())).isEqualTo(body);

    LinkFrames.ToOwner o = (LinkFrames.ToOwner) LinkFrames.read(body(LinkFrames.toOwner(ALLOC, "room:ünïcode", "P", body)));
    assertThat(o.topic()).isEqualTo("room:ünïcode");
    assertThat(o.manifest()).isEqualTo("P");
    assertThat(bytes(o.body())).isEqualTo(body);
  }

  @Test
  void whatIsNotAFrameIsRefused() {
    assertThatThrownBy(() -> LinkFrames.read(Unpooled.EMPTY_BUFFER)).isInstanceOf(LinkFrames.BadFrame.class);
    assertThatThrownBy(() -> LinkFrames.read(Unpooled.wrappedBuffer(new byte[] {'Z', 1, 2})))
        .isInstanceOf(LinkFrames.BadFrame.class).hasMessageContaining("unknown frame kind");
    // A string's length past the frame's end.
    assertThatThrownBy(() -> LinkFrames.read(Unpooled.wrappedBuffer(new byte[] {'F', 0x7f, (byte) 0xff, 'D'})))
        .isInstanceOf(LinkFrames.BadFrame.class).hasMessageContaining("early");
    // A hello cut short, and one with bytes after it.
    ByteBuf hello = body(LinkFrames.hello(ALLOC, "pekko://herald@127.0.0.1:1", 7));
    assertThatThrownBy(() -> LinkFrames.read(hello.slice(0, hello.readableBytes() - 1))).isInstanceOf(LinkFrames.BadFrame.class);
    ByteBuf longer = Unpooled.buffer().writeBytes(body(LinkFrames.hello(ALLOC, "pekko://herald@127.0.0.1:1", 7))).writeByte(0);
    assertThatThrownBy(() -> LinkFrames.read(longer)).isInstanceOf(LinkFrames.BadFrame.class).hasMessageContaining("too many");
  }

  @Test
  void aTopicTooLongForItsFieldIsNotWritten() {
    String topic = "t".repeat(LinkFrames.MAX_STRING + 1);
    assertThatThrownBy(() -> LinkFrames.toOwner(ALLOC, topic, "P", new byte[0])).isInstanceOf(IllegalArgumentException.class);
  }
}
