package io.herald.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.herald.node.config.HeraldConfig;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.TopicEntity;
import io.herald.node.wire.WireSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serialize + deserialize of one hot message between nodes, with the node's own serializers from its
 * actor system (herald-pekko.conf): Herald's wire serializer against Jackson CBOR (Pekko's, as the node
 * configures it). Two paths, as remoting takes them:
 * <ul>
 *   <li>{@code remoting}: what Artery does with a message sent to an actor: into and out of its
 *       envelope buffer (a serializer that can write into a buffer does; any other's byte array is
 *       copied in, and copied out again for reading);
 *   <li>{@code byteArray}: a message inside another message (a publish inside a sharding envelope).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerializationBenchmark {

  private static final int JACKSON_CBOR = 33;
  /** Artery's default maximum frame. */
  private static final int FRAME = 256 * 1024;

  @Param({"deliver", "publish", "published"})
  public String message;

  @Param({"wire", "cbor"})
  public String serializer;

  private ActorSystem system;
  private ExtendedActorSystem extended;
  private Serialization serialization;
  private Serializer chosen;
  private Object sample;
  private String manifest;
  private ByteBuffer frame;

  @Setup(Level.Trial)
  public void setUp() {
    Config config =
        ConfigFactory.parseMap(
            Map.of(
                "pekko.actor.provider", "cluster",
                "pekko.remote.artery.canonical.port", 0,
                // a loaded machine starts the logger slowly
                "pekko.logger-startup-timeout", "60s"));
    if (serializer.equals("cbor")) {
      // as before the wire serializer: these messages bound to Jackson CBOR, which refuses unbound classes
      for (Class<?> type : WireSerializer.messageTypes()) {
        config = ConfigFactory.parseString("pekko.actor.serialization-bindings.\"" + type.getName() + "\" = jackson-cbor").withFallback(config);
      }
    }
    system = ActorSystem.create("bench", HeraldConfig.load(config));
    serialization = SerializationExtension.get(system);
    extended = (ExtendedActorSystem) system;
    ActorRef<NodePublisher.Command> publisher = Adapter.spawnAnonymous(system, Behaviors.ignore());
    byte[] json = json(100);
    sample =
        switch (message) {
          case "deliver" -> new NodeFanout.Deliver("room:42", 7_123_456_789_012_345_678L, 12_345, "shout", json, false, System.currentTimeMillis());
          case "publish" -> new TopicEntity.Publish("shout", json, false, publisher, 12_345, 12_344, false, null);
          case "published" -> new NodePublisher.Accepted("room:42", 7_123_456_789_012_345_678L, 12_345, 12_345, null);
          default -> throw new IllegalArgumentException(message);
        };
    int expected =
        switch (serializer) {
          case "wire" -> WireSerializer.IDENTIFIER;
          case "cbor" -> JACKSON_CBOR;
          default -> throw new IllegalArgumentException(serializer);
        };
    // the serializer the node's configuration binds: what remoting would use
    chosen = serialization.findSerializerFor(sample);
    if (chosen.identifier() != expected) {
      throw new IllegalStateException(message + " is bound to serializer " + chosen.identifier() + ", not " + expected);
    }
    manifest = Serializers.manifestFor(chosen, sample);
    frame = ByteBuffer.allocateDirect(FRAME);
    System.out.printf("%n%s in %s: %d bytes%n", message, serializer, serialization.serialize(sample).get().length);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /**
   * As Artery: MessageSerializer.serializeForArtery (with the transport information set, as its
   * encoder does per message: Jackson needs it for actor refs), then Serialization.deserializeByteBuffer.
   */
  @Benchmark
  public Object remoting() {
    return Serialization$.MODULE$.withTransportInformation(
        extended,
        () -> {
          frame.clear();
          if (chosen instanceof ByteBufferSerializer buffers) {
            buffers.toBinary(sample, frame);
          } else {
            frame.put(chosen.toBinary(sample));
          }
          frame.flip();
          try {
            return serialization.deserializeByteBuffer(frame, chosen.identifier(), manifest);
          } catch (NotSerializableException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** As a message nested in another (sharding's envelope): to a byte array and back. */
  @Benchmark
  public Object byteArray() {
    byte[] bytes = serialization.serialize(sample).get();
    return serialization.deserialize(bytes, chosen.identifier(), manifest).get();
  }

  private static byte[] json(int size) {
    StringBuilder s = new StringBuilder("{\"body\":\"");
    while (s.length() < size - 2) {
      s.append((char) ('a' + s.length() % 26));
    }
    return s.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
