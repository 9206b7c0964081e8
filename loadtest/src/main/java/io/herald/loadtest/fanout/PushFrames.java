package io.herald.loadtest.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The publisher's pushes {@code ["<join_ref>","<ref>","<topic>","<event>",{"t":..,"seq":..,"pad":".."}]}
 * as client frames: the constant parts are bytes computed once per topic, and per message only the
 * digits of ref, {@code t} and {@code seq} are written.
 */
final class PushFrames {
  private static final byte[] SEQ = PhoenixFrame.ascii(",\"seq\":");
  /** Digits of three longs and the seq key: what a frame adds to its constant parts at most. */
  private static final int VARIABLE = 3 * 20 + 7;

  /** Per topic: {@code ["<join_ref>","}; the join_ref of topic slot j on its socket is j + 1. */
  private final byte[][] head;
  /** Per topic: {@code ","<topic>","<event>",{"t":}. */
  private final byte[][] middle;
  /** {@code ,"pad":"xx..."}]}. */
  private final byte[] tail;

  PushFrames(int topics, int topicsPerConn, String prefix, String event, int padBytes) {
    head = new byte[topics][];
    middle = new byte[topics][];
    for (int t = 0; t < topics; t++) {
      head[t] = PhoenixFrame.ascii("[\"" + (t % topicsPerConn + 1) + "\",\"");
      middle[t] = ("\"," + Json.quote(prefix + t) + "," + Json.quote(event) + ",{\"t\":").getBytes(StandardCharsets.UTF_8);
    }
    tail = (",\"pad\":\"" + "x".repeat(padBytes) + "\"}]").getBytes(StandardCharsets.US_ASCII);
  }

  ByteBuf push(ByteBufAllocator alloc, int topic, long ref, long sendMicros, long seq) {
    ByteBuf f = ClientFrames.start(alloc, head[topic].length + middle[topic].length + tail.length + VARIABLE);
    f.writeBytes(head[topic]);
    ClientFrames.writeDecimal(f, ref);
    f.writeBytes(middle[topic]);
    ClientFrames.writeDecimal(f, sendMicros);
    f.writeBytes(SEQ);
    ClientFrames.writeDecimal(f, seq);
    f.writeBytes(tail);
    return ClientFrames.finish(f, ClientFrames.OP_TEXT);
  }
}
