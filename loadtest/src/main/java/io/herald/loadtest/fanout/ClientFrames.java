package io.herald.loadtest.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * WebSocket framing on the client side (RFC 6455), written straight into pooled buffers.
 *
 * <p>Client frames must be masked; the harness masks with the key 0, which RFC 6455 allows and which
 * leaves the payload bytes as they are, so a frame is its header plus the text, with no pass over the
 * bytes. (The mask protects browsers' shared proxies from crafted bytes; a load generator has none.)
 */
final class ClientFrames {
  static final int OP_CONTINUATION = 0x0;
  static final int OP_TEXT = 0x1;
  static final int OP_BINARY = 0x2;
  static final int OP_CLOSE = 0x8;
  static final int OP_PING = 0x9;
  static final int OP_PONG = 0xA;

  /** Room for the longest header this harness writes: 2 bytes, a 16-bit length, the mask key. */
  static final int MAX_HEADER = 8;

  private ClientFrames() {}

  /**
   * Starts a text frame: reserves the header, to be filled by {@link #finish} once the payload that
   * follows is written.
   */
  static ByteBuf start(ByteBufAllocator alloc, int payloadCapacity) {
    ByteBuf out = alloc.directBuffer(MAX_HEADER + payloadCapacity);
    out.writerIndex(MAX_HEADER);
    return out;
  }

  /** Writes the header of a frame begun with {@link #start} for the payload written since. */
  static ByteBuf finish(ByteBuf frame, int opcode) {
    int length = frame.writerIndex() - MAX_HEADER;
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("client frames of this harness stay below 64 KiB: " + length);
    }
    int headerStart;
    if (length < 126) {
      headerStart = MAX_HEADER - 6;
      frame.setByte(headerStart + 1, 0x80 | length);
    } else {
      headerStart = 0;
      frame.setByte(1, 0x80 | 126);
      frame.setShort(2, length);
    }
    frame.setByte(headerStart, 0x80 | opcode);
    frame.setInt(MAX_HEADER - 4, 0); // the mask key
    frame.readerIndex(headerStart);
    return frame;
  }

  static ByteBuf text(ByteBufAllocator alloc, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = start(alloc, bytes.length);
    frame.writeBytes(bytes);
    return finish(frame, OP_TEXT);
  }

  /** A control frame (pong, close) carrying {@code payload[from, from + length)} of a received frame. */
  static ByteBuf control(ByteBufAllocator alloc, int opcode, ByteBuf payload, int from, int length) {
    ByteBuf frame = start(alloc, length);
    frame.writeBytes(payload, from, length);
    return finish(frame, opcode);
  }

  /** Writes {@code v} in decimal (no allocation). */
  static void writeDecimal(ByteBuf out, long v) {
    if (v < 0) {
      out.writeByte('-');
      if (v == Long.MIN_VALUE) {
        out.writeCharSequence("9223372036854775808", StandardCharsets.US_ASCII);
        return;
      }
      v = -v;
    }
    int digits = digits(v);
    int at = out.writerIndex() + digits;
    out.ensureWritable(digits);
    for (int i = 1; i <= digits; i++) {
      out.setByte(at - i, (int) ('0' + v % 10));
      v /= 10;
    }
    out.writerIndex(at);
  }

  static int digits(long v) {
    int n = 1;
    while (v >= 10) {
      v /= 10;
      n++;
    }
    return n;
  }
}
