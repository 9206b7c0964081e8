package io.herald.loadtest.fanout;

import io.netty.buffer.ByteBuf;

/**
 * The WebSocket frames a server sends (RFC 6455: unmasked), read in place from a receive buffer: each
 * complete frame is handed over as a slice of the buffer (no copy, no object), an incomplete one stays
 * for the next read.
 */
final class ServerFrames {
  /** Frames larger than this from the server are a protocol error (Herald's are far smaller). */
  static final int MAX_FRAME = 64 * 1024 * 1024;

  /** Receives the frames of one read; {@code buf[from, from + length)} is valid during the call only. */
  interface Sink {
    void frame(boolean fin, int opcode, ByteBuf buf, int from, int length);
  }

  private ServerFrames() {}

  /**
   * Hands every complete frame in {@code in} to {@code sink}, moving the reader index past it.
   *
   * @return null, or what is wrong with the next frame (masked, too large): the connection is broken
   */
  static String read(ByteBuf in, Sink sink) {
    while (true) {
      int r = in.readerIndex();
      int available = in.writerIndex() - r;
      if (available < 2) return null;
      int b0 = in.getUnsignedByte(r);
      int b1 = in.getUnsignedByte(r + 1);
      long length = b1 & 0x7F;
      int header = 2;
      if (length == 126) {
        if (available < 4) return null;
        length = in.getUnsignedShort(r + 2);
        header = 4;
      } else if (length == 127) {
        if (available < 10) return null;
        length = in.getLong(r + 2);
        header = 10;
      }
      if ((b1 & 0x80) != 0) return "masked frame from server";
      if (length < 0 || length > MAX_FRAME) return "frame too large";
      if (available < header + length) return null;
      int from = r + header;
      in.readerIndex(from + (int) length);
      sink.frame((b0 & 0x80) != 0, b0 & 0x0F, in, from, (int) length);
    }
  }
}
