package io.herald.node.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * Reads what {@link WireWriter} wrote. Bytes that do not fit (a length past the end, a varint longer
 * than ten bytes, a boolean other than 0 or 1, bytes left over) throw {@link IllegalArgumentException}
 * before anything large is allocated: a peer's garbage is refused, never trusted for a size.
 */
public final class WireReader {
  private static final int VARINT_MAX_BYTES = 10;

  private final ByteBuffer in;
  private final ActorRefResolver refs;

  WireReader(ByteBuffer in, ActorRefResolver refs) {
    this.in = in;
    this.refs = refs;
  }

  public long varLong() {
    long value = 0;
    for (int i = 0; i < VARINT_MAX_BYTES; i++) {
      byte b = next();
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than " + VARINT_MAX_BYTES + " bytes");
  }

  public int varInt() {
    long value = varLong();
    if ((value & ~0xFFFFFFFFL) != 0) {
      throw new IllegalArgumentException("varint " + value + " does not fit an int");
    }
    return (int) value;
  }

  /** A count of items that follow, each at least one byte: refused when the bytes left cannot hold them. */
  public int count() {
    int n = varInt();
    if (n > in.remaining()) {
      throw new IllegalArgumentException("count " + n + " past the " + in.remaining() + " bytes left");
    }
    return n;
  }

  public long fixedLong() {
    need(Long.BYTES);
    // big-endian whatever the buffer's order (WireWriter.fixedLong)
    long value = 0;
    for (int i = 0; i < Long.BYTES; i++) {
      value = (value << 8) | (in.get() & 0xFF);
    }
    return value;
  }

  public boolean bool() {
    byte b = next();
    if (b == 0) {
      return false;
    }
    if (b == 1) {
      return true;
    }
    throw new IllegalArgumentException("boolean byte " + b);
  }

  public String string() {
    int length = length();
    if (in.hasArray()) {
      String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
      in.position(in.position() + length);
      return s;
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  public byte[] bytes() {
    byte[] bytes = new byte[length()];
    in.get(bytes);
    return bytes;
  }

  public <T> ActorRef<T> ref() {
    return refs.resolveActorRef(string());
  }

  public String nullableString() {
    return bool() ? string() : null;
  }

  public <T> ActorRef<T> nullableRef() {
    return bool() ? ref() : null;
  }

  /** Throws unless every byte was read. */
  void end() {
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes left after the message");
    }
  }

  private int length() {
    int length = varInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("length " + (length & 0xFFFFFFFFL) + " past the end (" + in.remaining() + " bytes left)");
    }
    return length;
  }

  private byte next() {
    need(1);
    return in.get();
  }

  private void need(int bytes) {
    if (in.remaining() < bytes) {
      throw new IllegalArgumentException("truncated: " + bytes + " bytes needed, " + in.remaining() + " left");
    }
  }
}
