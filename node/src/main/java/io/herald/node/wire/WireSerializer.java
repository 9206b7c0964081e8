package io.herald.node.wire;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer of the hot messages between nodes ({@link TopicCodecs}), in place of Jackson CBOR:
 * no field names, no reflection, varints, and the payload copied once. Remoting (Artery) writes and
 * reads messages sent to an actor straight from its own buffers ({@link ByteBufferSerializer}); a
 * message inside a sharding envelope (a publish to a topic owned elsewhere) goes through the byte
 * array methods.
 *
 * <p>Bytes it cannot read (unknown manifest, truncated, garbage) throw {@link
 * NotSerializableException} or {@link IllegalArgumentException}: remoting logs and drops that message.
 */
public final class WireSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {

  /** Fixed: it names this serializer on the wire (Pekko reserves 0-40). */
  public static final int IDENTIFIER = 4100;

  /** Room for the fields around the payload when sizing a byte array; it grows if short. */
  private static final int INITIAL_CAPACITY = 256;

  private final ExtendedActorSystem system;
  private final Map<Class<?>, MessageCodec<?>> byType = new HashMap<>();
  private final Map<String, MessageCodec<?>> byManifest = new HashMap<>();
  private volatile ActorRefResolver refs;

  public WireSerializer(ExtendedActorSystem system) {
    this(system, TopicCodecs.ALL);
  }

  WireSerializer(ExtendedActorSystem system, List<MessageCodec<?>> codecs) {
    this.system = system;
    for (MessageCodec<?> codec : codecs) {
      if (byType.put(codec.type(), codec) != null || byManifest.put(codec.manifest(), codec) != null) {
        throw new IllegalStateException("two codecs for " + codec.type().getName() + " or manifest " + codec.manifest());
      }
    }
  }

  /** The classes this serializer has a codec for. */
  public static List<Class<?>> messageTypes() {
    return TopicCodecs.ALL.stream().<Class<?>>map(MessageCodec::type).toList();
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    return codecOf(message).manifest();
  }

  @Override
  public byte[] toBinary(Object message) {
    MessageCodec<?> codec = codecOf(message);
    WireWriter out = WireWriter.growing(INITIAL_CAPACITY, refs());
    codec.writeObject(message, out);
    return out.toByteArray();
  }

  @Override
  public void toBinary(Object message, ByteBuffer buffer) {
    codecOf(message).writeObject(message, WireWriter.into(buffer, refs()));
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
    MessageCodec<?> codec = byManifest.get(manifest);
    if (codec == null) {
      throw new NotSerializableException("no wire codec for manifest [" + manifest + "]");
    }
    WireReader in = new WireReader(buffer, refs());
    Object message = codec.read().apply(in);
    in.end();
    return message;
  }

  private MessageCodec<?> codecOf(Object message) {
    MessageCodec<?> codec = byType.get(message.getClass());
    if (codec == null) {
      throw new IllegalArgumentException("no wire codec for " + message.getClass().getName());
    }
    return codec;
  }

  // Lazy: serializers are made while the actor system starts, before its extensions can be.
  private ActorRefResolver refs() {
    ActorRefResolver r = refs;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      refs = r;
    }
    return r;
  }
}
