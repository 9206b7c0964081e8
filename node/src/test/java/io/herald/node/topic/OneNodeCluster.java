package io.herald.node.topic;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** A test kit whose actor system is a cluster of one, Up: what topic entities and node publishers need. */
final class OneNodeCluster {
  private OneNodeCluster() {}

  static ActorTestKit start() {
    ActorTestKit testKit =
        ActorTestKit.create(
            ConfigFactory.parseString(
                    """
                    pekko.actor.provider = cluster
                    pekko.remote.artery.canonical.hostname = "127.0.0.1"
                    pekko.remote.artery.canonical.port = 0
                    pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                    pekko.actor.serialization-bindings { "io.herald.node.cluster.CborSerializable" = jackson-cbor }
                    """)
                .withFallback(ConfigFactory.load()));
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(cluster.selfMember().status()).isEqualTo(MemberStatus.up());
      return null;
    });
    return testKit;
  }
}
