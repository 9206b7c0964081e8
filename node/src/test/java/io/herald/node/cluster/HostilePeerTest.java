package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.node.config.HeraldConfig;
import io.herald.node.socket.SocketDirectory;
import io.herald.node.topic.NodeFanout;
import io.herald.node.wire.WireSerializer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Corrupt payloads and unknown message types from a peer are logged and dropped; the node serves on. */
class HostilePeerTest {

  @Test
  void corruptAndUnknownMessagesFromAPeerAreDroppedAndTheNodeServesOn() throws Exception {
    HeraldNode victim = TestNode.start(List.of());
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logged);
    ActorSystem rogue =
        ActorSystem.create(
            "herald",
            HeraldConfig.load(
                ConfigFactory.parseMap(
                    Map.of(
                        "pekko.actor.provider", "cluster",
                        "pekko.remote.artery.canonical.port", 0,
                        "pekko.actor.serializers.jackson-cbor", GarbageSerializer.class.getName(),
                        "pekko.actor.serializers.herald-wire", GarbageWireSerializer.class.getName()))));
    try (io.herald.node.RawWebSocketAccess ws = io.herald.node.RawWebSocketAccess.connect(victim.port())) {
      ws.join("room:hostile");
      String fanout = Cluster.get(victim.system()).selfAddress() + NodeFanout.PATH;
      byte[] evil = "{\"evil\":true}".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 3; i++) {
        rogue.actorSelection(fanout).tell(new NodeFanout.Deliver("room:hostile", 1, i, "evil", evil, false, 0L), ActorRef.noSender());
        rogue.actorSelection(fanout).tell(new NodeFanout.TopicRegistered("room:hostile", 1, i), ActorRef.noSender());
        // a message of the ones still in CBOR, under a class that does not exist
        rogue.actorSelection(fanout).tell(new SocketDirectory.Disconnected(i), ActorRef.noSender());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      // actorSelection wraps each message in a container: the log names the container's serializer, the
      // cause says which inner one refused the bytes
      List<String> refusals = List.of(WIRE_GARBAGE, WIRE_UNKNOWN_MANIFEST, CBOR_UNKNOWN_CLASS);
      while (!refusals.stream().allMatch(r -> failureLogged(logged, r)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      for (String refusal : refusals) {
        assertThat(failureLogged(logged, refusal)).as("the node logged what it dropped: %s", refusal).isTrue();
      }

      ws.shout("room:hostile", "{\"still\":\"served\"}");
      assertThat(ws.nextBroadcast()).isEqualTo("[null,null,\"room:hostile\",\"shout\",{\"still\":\"served\"}]");
    } finally {
      root.detachAppender(logged);
      rogue.terminate();
      victim.close();
    }
  }

  /** Garbage under a delivery's manifest: the wire reader refuses it. */
  private static final String WIRE_GARBAGE = "io.herald.node.wire.WireReader";
  private static final String WIRE_UNKNOWN_MANIFEST = "no wire codec for manifest";
  private static final String CBOR_UNKNOWN_CLASS = "io.herald.NoSuchMessage";

  private static boolean failureLogged(ListAppender<ILoggingEvent> logged, String inCause) {
    return List.copyOf(logged.list).stream()
        .filter(e -> e.getFormattedMessage().contains("Failed to deserialize"))
        .anyMatch(e -> causes(e.getThrowableProxy()).contains(inCause));
  }

  private static String causes(IThrowableProxy t) {
    StringBuilder s = new StringBuilder();
    for (IThrowableProxy c = t; c != null; c = c.getCause()) {
      s.append(c.getClassName()).append(": ").append(c.getMessage()).append('\n');
      for (StackTraceElementProxy frame : c.getStackTraceElementProxyArray()) {
        s.append(frame.getSTEAsString()).append('\n');
      }
    }
    return s.toString();
  }
}
