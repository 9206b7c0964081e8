package io.herald.node.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The frames of a node link: a 4-byte length, a kind, and the kind's fields; a message travels as its
 * Pekko serializer's manifest and bytes (the wire serializer's, docs/architecture.md).
 *
 * <ul>
 *   <li>{@code H}: hello, the connecting node's cluster address and uid, its first frame;
 *   <li>{@code F}: a message to the receiving node's fan-out;
 *   <li>{@code P}: a publish to a topic, for the receiving node's shard region.
 * </ul>
 *
 * Reading what is not one of these throws {@link BadFrame}; the link then closes.
 */
final class LinkFrames {
  private LinkFrames() {}

  static final byte HELLO = 'H';
  static final byte TO_FANOUT = 'F';
  static final byte TO_OWNER = 'P';

  /** Bytes a string field may take (an address, a manifest, a topic). */
  static final int MAX_STRING = 0xFFFF;

  /** A frame as read. */
  sealed interface Frame {}

  record Hello(String address, long uid) implements Frame {}

  record ToFanout(String manifest, ByteBuffer body) implements Frame {}

  record ToOwner(String topic, String manifest, ByteBuffer body) implements Frame {}

  /** A frame that is none of the above. */
  static final class BadFrame extends RuntimeException {
    BadFrame(String message) {
      super(message);
    }
  }

  static ByteBuf hello(ByteBufAllocator alloc, String address, long uid) {
    byte[] a = utf8(address);
    ByteBuf out = alloc.buffer(4 + 1 + 2 + a.length + 8);
    out.writeInt(1 + 2 + a.length + 8).writeByte(HELLO);
    out.writeShort(a.length).writeBytes(a);
    out.writeLong(uid);
    return out;
  }

  static ByteBuf toFanout(ByteBufAllocator alloc, String manifest, byte[] body) {
    byte[] m = utf8(manifest);
    int length = 1 + 2 + m.length + body.length;
    ByteBuf out = alloc.buffer(4 + length);
    out.writeInt(length).writeByte(TO_FANOUT);
    out.writeShort(m.length).writeBytes(m);
    out.writeBytes(body);
    return out;
  }

  static ByteBuf toOwner(ByteBufAllocator alloc, String topic, String manifest, byte[] body) {
    byte[] t = utf8(topic);
    byte[] m = utf8(manifest);
    int length = 1 + 2 + t.length + 2 + m.length + body.length;
    ByteBuf out = alloc.buffer(4 + length);
    out.writeInt(length).writeByte(TO_OWNER);
    out.writeShort(t.length).writeBytes(t);
    out.writeShort(m.length).writeBytes(m);
    out.writeBytes(body);
    return out;
  }

  /**
   * Reads one frame without its length (the length decoder took it). The bodies are views of
   * {@code frame}, valid while it is.
   */
  static Frame read(ByteBuf frame) {
    if (!frame.isReadable()) {
      throw new BadFrame("empty frame");
    }
    byte kind = frame.readByte();
    return switch (kind) {
      case HELLO -> {
        String address = string(frame);
        need(frame, 8);
        long uid = frame.readLong();
        if (frame.isReadable()) {
          throw new BadFrame("hello with " + frame.readableBytes() + " bytes too many");
        }
        yield new Hello(address, uid);
      }
      case TO_FANOUT -> new ToFanout(string(frame), rest(frame));
      case TO_OWNER -> new ToOwner(string(frame), string(frame), rest(frame));
      default -> throw new BadFrame("unknown frame kind " + (kind & 0xFF));
    };
  }

  private static String string(ByteBuf in) {
    need(in, 2);
    int length = in.readUnsignedShort();
    need(in, length);
    String s = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
    in.skipBytes(length);
    return s;
  }

  private static ByteBuffer rest(ByteBuf in) {
    ByteBuffer body = in.nioBuffer(in.readerIndex(), in.readableBytes());
    in.skipBytes(in.readableBytes());
    return body;
  }

  private static void need(ByteBuf in, int bytes) {
    if (in.readableBytes() < bytes) {
      throw new BadFrame("frame ends " + (bytes - in.readableBytes()) + " bytes early");
    }
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING) {
      throw new IllegalArgumentException("string field of " + b.length + " bytes, at most " + MAX_STRING);
    }
    return b;
  }
}
