package io.herald.node.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * Writes the primitives of a message: unsigned LEB128 varints, fixed 8-byte longs, booleans as one
 * byte, strings and byte arrays as a varint length then the bytes (strings in UTF-8), actor refs as
 * their {@link ActorRefResolver} string, and a presence byte before a nullable value.
 *
 * <p>Either into a buffer Pekko's remoting gives (a full one throws {@link
 * java.nio.BufferOverflowException}, which remoting reports as an oversized message), or into a heap
 * buffer that grows, for {@link #toByteArray()}.
 */
public final class WireWriter {
  private static final int VARINT_MAX_BYTES = 10;
  private static final int LONG_BYTES = Long.BYTES;

  private final ActorRefResolver refs;
  private final boolean growable;
  private ByteBuffer out;

  private WireWriter(ActorRefResolver refs, ByteBuffer out, boolean growable) {
    this.refs = refs;
    this.out = out;
    this.growable = growable;
  }

  /** Writes into {@code out} from its position; never grows it. */
  static WireWriter into(ByteBuffer out, ActorRefResolver refs) {
    return new WireWriter(refs, out, false);
  }

  /** Writes into a heap buffer of {@code initialCapacity} bytes that grows as needed. */
  static WireWriter growing(int initialCapacity, ActorRefResolver refs) {
    return new WireWriter(refs, ByteBuffer.allocate(initialCapacity), true);
  }

  /** What a growing writer wrote, in an array of exactly that length. */
  byte[] toByteArray() {
    return Arrays.copyOf(out.array(), out.position());
  }

  public void varLong(long value) {
    room(VARINT_MAX_BYTES);
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.put((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.put((byte) v);
  }

  public void varInt(int value) {
    varLong(value & 0xFFFFFFFFL);
  }

  /**
   * Eight bytes, big-endian whatever the buffer's order: cheaper than a varint for values that use most
   * of them (a random epoch). Remoting's buffers are little-endian and a message inside a sharding
   * envelope goes through a byte array instead, so the order must not come from the buffer.
   */
  public void fixedLong(long value) {
    room(LONG_BYTES);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.put((byte) (value >>> shift));
    }
  }

  public void bool(boolean value) {
    room(1);
    out.put(value ? (byte) 1 : (byte) 0);
  }

  public void string(String value) {
    int length = value.length();
    if (isAscii(value)) {
      varInt(length);
      room(length);
      for (int i = 0; i < length; i++) {
        out.put((byte) value.charAt(i));
      }
    } else {
      bytes(value.getBytes(StandardCharsets.UTF_8));
    }
  }

  public void bytes(byte[] value) {
    varInt(value.length);
    room(value.length);
    out.put(value);
  }

  public void ref(ActorRef<?> value) {
    string(refs.toSerializationFormat(value));
  }

  /** A presence byte, then the string if there is one. */
  public void nullableString(String value) {
    bool(value != null);
    if (value != null) {
      string(value);
    }
  }

  /** A presence byte, then the ref if there is one. */
  public void nullableRef(ActorRef<?> value) {
    bool(value != null);
    if (value != null) {
      ref(value);
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void room(int bytes) {
    if (growable && out.remaining() < bytes) {
      int capacity = Math.max(out.capacity() * 2, out.position() + bytes);
      ByteBuffer bigger = ByteBuffer.allocate(capacity);
      out.flip();
      bigger.put(out);
      out = bigger;
    }
  }
}
