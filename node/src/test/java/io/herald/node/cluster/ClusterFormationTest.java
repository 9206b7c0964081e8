package io.herald.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

class ClusterFormationTest {

  @Test
  void seedNodesBecomePekkoAddresses() {
    assertThat(ClusterFormation.seedAddresses("herald", " 10.0.0.1:17355, node-2:17356 ,"))
        .containsExactly(
            new Address("pekko", "herald", "10.0.0.1", 17355),
            new Address("pekko", "herald", "node-2", 17356));
  }

  @Test
  void noSeedNodesMeansACusterOfOne() {
    assertThat(ClusterFormation.seedAddresses("herald", "")).isEmpty();
  }

  @Test
  void malformedSeedNodesAreRefusedWithTheSettingName() {
    assertThatThrownBy(() -> ClusterFormation.seedAddresses("herald", "host-without-port"))
        .hasMessageContaining("herald.cluster.seed-nodes");
    assertThatThrownBy(() -> ClusterFormation.seedAddresses("herald", "host:notaport"))
        .hasMessageContaining("herald.cluster.seed-nodes");
  }
}
