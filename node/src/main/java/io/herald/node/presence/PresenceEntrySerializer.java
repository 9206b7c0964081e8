package io.herald.node.presence;

import java.io.NotSerializableException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer of {@link PresenceEntry}, the value of every presence key in Distributed Data, in
 * place of Jackson CBOR: Distributed Data serializes each entry once per delta, per full-state gossip
 * and per digest, so at 10,000 entries the entry's encoding was most of the replicator's work. This
 * form has no field names and no reflection, and its manifest is two bytes rather than the class name
 * that Distributed Data otherwise writes beside every entry.
 *
 * <p>Fields in order: node, topic, key, ref (each a varint length then UTF-8), prevRef (a byte 0 for
 * null, else 1 and the string), meta (a string), madeAtMillis (a varint). A change of the fields takes
 * a new manifest, so that a node of another build refuses the entry instead of misreading it. Bytes it
 * cannot read throw {@link IllegalArgumentException} or {@link NotSerializableException}: Distributed
 * Data logs and drops that message.
 */
public final class PresenceEntrySerializer extends SerializerWithStringManifest {

  /** Fixed: it names this serializer on the wire (Pekko reserves 0-40; herald-wire is 4100). */
  public static final int IDENTIFIER = 4101;

  static final String MANIFEST = "E1";

  private static final int VARINT_MAX_BYTES = 10;
  private static final int SEVEN_BITS = 0x7F;
  private static final int CONTINUATION = 0x80;
  private static final int BITS_PER_VARINT_BYTE = 7;
  /** Room for the varints and flag around the strings. */
  private static final int FIXED_OVERHEAD = 6 * 5 + 1 + VARINT_MAX_BYTES;

  public PresenceEntrySerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (!(o instanceof PresenceEntry)) {
      throw new IllegalArgumentException("not a presence entry: " + o.getClass().getName());
    }
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    if (!(o instanceof PresenceEntry e)) {
      throw new IllegalArgumentException("not a presence entry: " + o.getClass().getName());
    }
    byte[] node = utf8(e.node());
    byte[] topic = utf8(e.topic());
    byte[] key = utf8(e.key());
    byte[] ref = utf8(e.ref());
    byte[] prevRef = e.prevRef() == null ? null : utf8(e.prevRef());
    byte[] meta = utf8(e.meta());
    int size = FIXED_OVERHEAD + node.length + topic.length + key.length + ref.length + meta.length + (prevRef == null ? 0 : prevRef.length);
    ByteBuffer out = ByteBuffer.allocate(size);
    string(out, node);
    string(out, topic);
    string(out, key);
    string(out, ref);
    if (prevRef == null) {
      out.put((byte) 0);
    } else {
      out.put((byte) 1);
      string(out, prevRef);
    }
    string(out, meta);
    varLong(out, e.madeAtMillis());
    return Arrays.copyOf(out.array(), out.position());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!MANIFEST.equals(manifest)) {
      throw new NotSerializableException("no presence entry of manifest [" + manifest + "]");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      String node = string(in);
      String topic = string(in);
      String key = string(in);
      String ref = string(in);
      byte hasPrev = in.get();
      if (hasPrev != 0 && hasPrev != 1) {
        throw new IllegalArgumentException("presence entry: bad prevRef flag " + hasPrev);
      }
      String prevRef = hasPrev == 1 ? string(in) : null;
      String meta = string(in);
      long madeAt = varLong(in);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("presence entry: " + in.remaining() + " bytes after its end");
      }
      return new PresenceEntry(node, topic, key, ref, prevRef, meta, madeAt);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("presence entry: truncated (" + bytes.length + " bytes)", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void string(ByteBuffer out, byte[] utf8) {
    varLong(out, utf8.length);
    out.put(utf8);
  }

  private static String string(ByteBuffer in) {
    long length = varLong(in);
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("presence entry: a string of " + length + " bytes with " + in.remaining() + " left");
    }
    String s = new String(in.array(), in.arrayOffset() + in.position(), (int) length, StandardCharsets.UTF_8);
    in.position(in.position() + (int) length);
    return s;
  }

  private static void varLong(ByteBuffer out, long value) {
    long v = value;
    while ((v & ~(long) SEVEN_BITS) != 0) {
      out.put((byte) ((v & SEVEN_BITS) | CONTINUATION));
      v >>>= BITS_PER_VARINT_BYTE;
    }
    out.put((byte) v);
  }

  private static long varLong(ByteBuffer in) {
    long value = 0;
    for (int i = 0; i < VARINT_MAX_BYTES; i++) {
      byte b = in.get();
      value |= (long) (b & SEVEN_BITS) << (BITS_PER_VARINT_BYTE * i);
      if ((b & CONTINUATION) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("presence entry: a varint longer than " + VARINT_MAX_BYTES + " bytes");
  }
}
