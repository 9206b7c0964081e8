package io.herald.node.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.herald.node.cluster.CborSerializable;
import io.herald.node.config.HeraldConfig;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.TopicEntity;
import java.io.NotSerializableException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every remote message of the topic package has a wire codec and is bound to it by herald-pekko.conf;
 * each survives both of remoting's paths (byte array, buffer) with edge values; and bytes that are
 * not a message are refused with the exceptions remoting logs and drops.
 */
class WireSerializerTest {

  /** Fields a message may carry as null (written with a presence byte): Record.component. */
  private static final Set<String> NULLABLE = Set.of("Accepted.owner", "Publish.idempotencyKey");

  private static final int VARIANTS = 4;
  private static final int LARGE_PAYLOAD = 200_000;
  private static final int ARTERY_FRAME = 256 * 1024;

  private static ActorSystem system;
  private static Serialization serialization;
  private static ActorRef<Object> ref;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            "wire",
            HeraldConfig.load(
                ConfigFactory.parseMap(Map.of("pekko.actor.provider", "cluster", "pekko.remote.artery.canonical.port", 0))));
    serialization = SerializationExtension.get(system);
    ref = Adapter.spawnAnonymous(system, Behaviors.ignore());
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  @Test
  void everyRemoteMessageOfTheTopicPackageHasACodecAndIsBoundToIt() throws Exception {
    List<Class<?>> remote = remoteRecords();
    assertThat(remote).as("found by the scan").contains(NodeFanout.Deliver.class, TopicEntity.Publish.class);
    assertThat(WireSerializer.messageTypes())
        .as("every CborSerializable record of io.herald.node.topic needs a codec in TopicCodecs")
        .containsExactlyInAnyOrderElementsOf(remote);
    for (Class<?> type : remote) {
      Serializer bound = serialization.serializerFor(type);
      assertThat(bound)
          .as("herald-pekko.conf binds %s to herald-wire", type.getName())
          .isInstanceOf(WireSerializer.class);
    }
  }

  @Test
  void everyMessageRoundTripsWithEdgeValuesAndNulls() throws Exception {
    for (Class<?> type : WireSerializer.messageTypes()) {
      for (Object message : samples(type)) {
        assertRoundTrips(message);
      }
    }
  }

  @Test
  void aDeliveryIsSmallerThanInCbor() {
    byte[] json = json(100);
    var deliver = new NodeFanout.Deliver("room:42", Long.MAX_VALUE / 3, 1234, "shout", json, false, System.currentTimeMillis());
    int wire = serialization.serialize(deliver).get().length;
    int cbor = serialization.findSerializerFor(new io.herald.node.socket.SocketDirectory.Disconnected(0)).toBinary(deliver).length;
    assertThat(wire).isLessThan(json.length + 40).isLessThan(cbor);
  }

  @Test
  void anUnknownManifestIsRefused() {
    WireSerializer wire = wire();
    assertThatThrownBy(() -> wire.fromBinary(new byte[] {1, 2, 3}, "no-such"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("no-such");
  }

  @Test
  void aMessageWithoutACodecIsRefusedWhenWritten() {
    WireSerializer wire = wire();
    assertThatThrownBy(() -> wire.toBinary("not a message")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truncatedExtendedAndRandomBytesAreRefusedCleanly() {
    WireSerializer wire = wire();
    Random random = new Random(16);
    for (Class<?> type : WireSerializer.messageTypes()) {
      Object message = samples(type).get(0);
      String manifest = wire.manifest(message);
      byte[] bytes = wire.toBinary(message);
      for (int cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length / 500)) {
        assertRefused(wire, Arrays.copyOf(bytes, cut), manifest);
      }
      assertRefused(wire, Arrays.copyOf(bytes, bytes.length + 1), manifest);
      for (int i = 0; i < 200; i++) {
        byte[] garbage = new byte[random.nextInt(64)];
        random.nextBytes(garbage);
        try {
          wire.fromBinary(garbage, manifest);
        } catch (IllegalArgumentException | NotSerializableException refused) {
          // what remoting logs and drops
        } catch (RuntimeException other) {
          fail("random bytes as " + manifest + " threw " + other, other);
        }
      }
    }
    // a length prefix far past the end must not allocate it
    assertRefused(wire, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07}, "D2");
    // eleven continuation bytes: not a varint
    byte[] endless = new byte[12];
    Arrays.fill(endless, (byte) 0x80);
    assertRefused(wire, endless, "TR");
  }

  private static void assertRefused(WireSerializer wire, byte[] bytes, String manifest) {
    assertThatThrownBy(() -> wire.fromBinary(bytes, manifest))
        .as("%d bytes as %s", bytes.length, manifest)
        .isInstanceOfAny(IllegalArgumentException.class, NotSerializableException.class);
  }

  private static void assertRoundTrips(Object message) throws Exception {
    byte[] bytes = serialization.serialize(message).get();
    Serializer serializer = serialization.findSerializerFor(message);
    String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, message);
    Object viaArray = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
    assertSameFields(viaArray, message, "byte array path");

    WireSerializer wire = (WireSerializer) serializer;
    // Artery's buffers are little-endian
    ByteBuffer buffer = ByteBuffer.allocateDirect(ARTERY_FRAME).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    wire.toBinary(message, buffer);
    buffer.flip();
    byte[] written = new byte[buffer.remaining()];
    buffer.duplicate().get(written);
    assertThat(written).as("both paths write the same bytes").isEqualTo(bytes);
    Object viaBuffer = wire.fromBinary(buffer, manifest);
    assertSameFields(viaBuffer, message, "buffer path");
    // a message in a sharding envelope is written one way and may be read the other
    assertSameFields(wire.fromBinary(written, manifest), message, "buffer then byte array");
    assertSameFields(wire.fromBinary(ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN), manifest), message, "byte array then buffer");
  }

  /** Record equality with arrays compared by content (a record's equals compares them by identity). */
  private static void assertSameFields(Object actual, Object expected, String path) throws Exception {
    assertThat(actual).isInstanceOf(expected.getClass());
    for (RecordComponent c : expected.getClass().getRecordComponents()) {
      Object a = c.getAccessor().invoke(actual);
      Object e = c.getAccessor().invoke(expected);
      String what = path + ": " + expected.getClass().getSimpleName() + "." + c.getName();
      if (e instanceof byte[] bytes) {
        assertThat(Arrays.equals((byte[]) a, bytes)).as(what).isTrue();
      } else if (e instanceof List<?> list) {
        assertThat((List<?>) a).as(what).hasSameSizeAs(list);
        for (int i = 0; i < list.size(); i++) {
          assertSameFields(((List<?>) a).get(i), list.get(i), what + "[" + i + "]");
        }
      } else {
        assertThat(a).as(what).isEqualTo(e);
      }
    }
  }

  /** Instances of {@code type} through its canonical constructor: edge values, then each nullable field null. */
  private static List<Object> samples(Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    List<Object> samples = new ArrayList<>();
    for (int variant = 0; variant < VARIANTS; variant++) {
      Object[] args = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        args[i] = value(components[i].getType(), variant + i);
      }
      samples.add(construct(type, components, args));
    }
    for (int n = 0; n < components.length; n++) {
      if (NULLABLE.contains(type.getSimpleName() + "." + components[n].getName())) {
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
          args[i] = i == n ? null : value(components[i].getType(), i);
        }
        samples.add(construct(type, components, args));
      }
    }
    return samples;
  }

  private static Object value(Class<?> type, int variant) {
    int v = variant % VARIANTS;
    if (type == String.class) {
      return List.of("room:lobby", "", "Grüße, мир, 世界 🌍", "x".repeat(300)).get(v);
    }
    if (type == byte[].class) {
      return List.of(json(100), new byte[0], json(LARGE_PAYLOAD), new byte[] {0, -1, (byte) 0x80, 0x7F}).get(v);
    }
    if (type == long.class) {
      return List.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, -1L).get(v);
    }
    if (type == int.class) {
      return List.of(0, Integer.MAX_VALUE, Integer.MIN_VALUE, -1).get(v);
    }
    if (type == boolean.class) {
      return v % 2 == 0;
    }
    if (type == ActorRef.class) {
      return ref;
    }
    if (type == List.class) {
      // the one list of a remote message: a history page's entries
      return v % 2 == 0 ? List.of() : samples(io.herald.node.topic.HistoryEntry.class);
    }
    throw new AssertionError("no sample values for a field of type " + type + ": add them here");
  }

  private static Object construct(Class<?> type, RecordComponent[] components, Object[] args) {
    try {
      Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
      Constructor<?> constructor = type.getDeclaredConstructor(types);
      return constructor.newInstance(args);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] json(int size) {
    StringBuilder s = new StringBuilder("{\"body\":\"");
    while (s.length() < size - 2) {
      s.append((char) ('a' + s.length() % 26));
    }
    return s.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static WireSerializer wire() {
    try {
      return (WireSerializer) serialization.serializerFor(NodeFanout.Deliver.class);
    } catch (NotSerializableException e) {
      throw new AssertionError(e);
    }
  }

  /** Records of io.herald.node.topic marked to cross nodes, from the package's compiled classes. */
  private static List<Class<?>> remoteRecords() throws Exception {
    String dir = TopicEntity.class.getPackageName().replace('.', '/');
    // the main classes' directory (the test classes have an io/herald/node/topic too)
    URL classes = TopicEntity.class.getProtectionDomain().getCodeSource().getLocation();
    try (Stream<Path> files = Files.list(Path.of(classes.toURI()).resolve(dir))) {
      List<Class<?>> records = new ArrayList<>();
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = file.getFileName().toString();
        Class<?> c = Class.forName(TopicEntity.class.getPackageName() + "." + name.substring(0, name.length() - ".class".length()));
        if (c.isRecord() && CborSerializable.class.isAssignableFrom(c)) {
          records.add(c);
        }
      }
      return records;
    }
  }
}
