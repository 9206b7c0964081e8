package io.herald.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a setting comes from (docs/configuration.md, "Precedence"), and the management port's defaults. */
class HeraldConfigTest {
  private static final Config NO_APPLICATION_CONF = ConfigFactory.empty();

  private static Config load(String applicationConf, Map<String, String> environment) {
    return HeraldConfig.load(ConfigFactory.empty(), ConfigFactory.parseString(applicationConf), environment);
  }

  @Test
  void referenceDefaultsApplyWhenNothingElseSetsAValue() {
    assertThat(HeraldConfig.load(ConfigFactory.empty(), NO_APPLICATION_CONF, Map.of()).getInt("herald.http.port"))
        .isEqualTo(4000);
  }

  @Test
  void applicationConfOverridesTheDefaults() {
    assertThat(load("herald.http.port = 5000", Map.of()).getInt("herald.http.port")).isEqualTo(5000);
  }

  @Test
  void anEnvironmentVariableOverridesApplicationConf() {
    Config config = load("herald.http.port = 5000", Map.of("HERALD_HTTP_PORT", "6000"));
    assertThat(config.getInt("herald.http.port")).isEqualTo(6000);
  }

  @Test
  void anEnvironmentVariableEqualToTheDefaultStillOverridesApplicationConf() {
    Config config = load("herald.http.port = 5000", Map.of("HERALD_HTTP_PORT", "4000"));
    assertThat(config.getInt("herald.http.port")).isEqualTo(4000);
  }

  @Test
  void settingsThatFollowAVariableFollowItOverApplicationConf() {
    Config config =
        load("herald.cluster.host = \"10.0.0.1\"", Map.of("HERALD_CLUSTER_HOST", "10.0.0.2", "HERALD_MANAGEMENT_PORT", "9000"));
    assertThat(config.getString("herald.cluster.host")).isEqualTo("10.0.0.2");
    assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.2");
    assertThat(config.getInt("pekko.management.http.port")).isEqualTo(9000);
  }

  @Test
  void applicationConfStillSetsWhatNoVariableSets() {
    Config config = load("herald.cluster.host = \"10.0.0.1\"", Map.of("HERALD_HTTP_PORT", "6000"));
    assertThat(config.getString("pekko.remote.artery.canonical.hostname")).isEqualTo("10.0.0.1");
  }

  @Test
  void applicationConfMayNameVariablesOfItsOwn() {
    Config config = load("herald.socket.max-channels = ${?MY_MAX_CHANNELS}", Map.of("MY_MAX_CHANNELS", "7"));
    assertThat(config.getInt("herald.socket.max-channels")).isEqualTo(7);
  }

  @Test
  void systemPropertiesOverrideEnvironmentVariables() {
    String property = "herald.socket.max-channels";
    String before = System.getProperty(property);
    System.setProperty(property, "9");
    try {
      Config config = load("", Map.of("HERALD_MAX_CHANNELS", "8"));
      assertThat(config.getInt(property)).isEqualTo(9);
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
      ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void overridesInCodeWinOverEverything() {
    Config config =
        HeraldConfig.load(
            ConfigFactory.parseString("herald.http.port = 7000"),
            ConfigFactory.parseString("herald.http.port = 5000"),
            Map.of("HERALD_HTTP_PORT", "6000"));
    assertThat(config.getInt("herald.http.port")).isEqualTo(7000);
  }

  @Test
  void theClusterRoutesOfTheManagementPortAreOffByDefaultAndHealthStays() {
    Config config = load("", Map.of());
    assertThat(config.getString(HeraldConfig.CLUSTER_ROUTES)).isEmpty();
    assertThat(config.getString("pekko.management.http.routes.health-checks")).isNotEmpty();
  }

  @Test
  void theClusterRoutesComeBackWhenTurnedOn() {
    Config config = load("", Map.of("HERALD_MANAGEMENT_CLUSTER_ROUTES", "on"));
    assertThat(config.getString(HeraldConfig.CLUSTER_ROUTES))
        .isEqualTo("org.apache.pekko.management.cluster.ClusterHttpManagementRouteProvider");
  }

  @Test
  void readyOnlyAsAnUpMember() {
    assertThat(load("", Map.of()).getStringList("pekko.management.cluster.health-check.ready-states"))
        .containsExactly("Up");
  }

  @Test
  void theHandshakeRequestSizeIsBounded() {
    assertThatThrownBy(() -> HeraldSettings.from(load("herald.http.max-handshake-request-size = 512", Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max-handshake-request-size");
    assertThatThrownBy(() -> HeraldSettings.from(load("herald.http.max-handshake-request-size = 2 MiB", Map.of())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(HeraldSettings.from(load("", Map.of())).http().maxHandshakeRequestSize()).isEqualTo(16 * 1024);
  }

  @Test
  void aTopicRemembersAPublishingNodeLongerThanItMaySendAgain() {
    assertThatThrownBy(() -> HeraldSettings.from(load("herald.topic.forget-publisher-after = 30s", Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("herald.publish.deadline");
    assertThat(HeraldSettings.from(load("", Map.of())).topic().forgetPublisherAfter()).isEqualTo(java.time.Duration.ofMinutes(5));
  }

  @Test
  void kubernetesDiscoveryIsSetFromTheEnvironmentAndReachesPekkosBootstrapAndDiscovery() {
    Config config =
        load("", Map.of(
            "HERALD_DISCOVERY", "kubernetes-api",
            "HERALD_BOOTSTRAP_REQUIRED_CONTACT_POINTS", "5",
            "HERALD_KUBERNETES_NAMESPACE", "chat",
            "HERALD_KUBERNETES_API_CA_PATH", "/tmp/ca.crt"));
    assertThat(HeraldSettings.from(config).cluster().discovery()).isEqualTo(HeraldSettings.Discovery.KUBERNETES_API);
    assertThat(config.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr")).isEqualTo(5);
    assertThat(config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method")).isEqualTo("kubernetes-api");
    assertThat(config.getString("pekko.discovery.kubernetes-api.pod-namespace")).isEqualTo("chat");
    assertThat(config.getString("pekko.discovery.kubernetes-api.api-ca-path")).isEqualTo("/tmp/ca.crt");
    assertThat(config.getString("pekko.management.http.routes.cluster-bootstrap")).isNotEmpty();
  }

  @Test
  void seedNodesAreTheDefaultAndLeaveBootstrapsRouteOff() {
    Config config = load("", Map.of());
    assertThat(HeraldSettings.from(config).cluster().discovery()).isEqualTo(HeraldSettings.Discovery.SEED_NODES);
    assertThat(config.getString("pekko.management.http.routes.cluster-bootstrap")).isEmpty();
    assertThat(config.getString("pekko.discovery.kubernetes-api.pod-namespace")).as("Pekko's own: read the service account's file").isEqualTo("<pod-namespace>");
  }

  @Test
  void anUnknownDiscoveryIsRefusedNamingTheChoices() {
    Config config = load("", Map.of("HERALD_DISCOVERY", "dns"));
    assertThatThrownBy(() -> HeraldSettings.from(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seed-nodes or kubernetes-api");
  }
}
