package io.herald.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests as {@code kubectl kustomize k8s/overlays/<overlay>} renders them: what the
 * node needs of them holds (probes on ports that exist, discovery's RBAC, labels that match the
 * selectors, a grace period that covers the drain, the public Service on the WebSocket port alone,
 * resources in production). Skipped where kubectl is not installed.
 */
class K8sManifestsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void overlayRendersWhatTheNodeNeeds(String overlay) throws Exception {
    List<JsonNode> objects = render(overlay);
    JsonNode deployment = one(objects, "Deployment", "herald");
    JsonNode podSpec = deployment.at("/spec/template/spec");
    JsonNode container = podSpec.at("/containers/0");
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    Map<String, String> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText(null)));
    Config node = nodeConfig(env);

    // Ports: named, and the numbers the node listens on.
    assertThat(ports).containsKeys("ws", "api", "management", "remoting", "link");
    assertThat(ports.get("ws")).isEqualTo(node.getInt("herald.http.port"));
    assertThat(ports.get("api")).isEqualTo(node.getInt("herald.api.port"));
    assertThat(ports.get("management")).isEqualTo(node.getInt("pekko.management.http.port"));
    assertThat(ports.get("remoting")).isEqualTo(node.getInt("herald.cluster.port"));
    // The node link at a fixed port (its default, 0, would be any): the NetworkPolicy names it.
    assertThat(ports.get("link")).isEqualTo(node.getInt("herald.link.port")).isNotZero();

    // Probes: on the management endpoint, by names that exist.
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("management");
    }
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/ready");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/alive");
    // The startup probe outlasts bootstrap, the warm-up's wait for the members and the warm-up itself.
    Duration startup = Duration.ofSeconds((long) container.at("/startupProbe/periodSeconds").asInt(10) * container.at("/startupProbe/failureThreshold").asInt(3));
    Duration startNeeds =
        node.getDuration("herald.cluster.bootstrap.stable-margin")
            .plus(node.getBoolean("herald.warm-up.enabled")
                ? node.getDuration("herald.warm-up.cluster-wait").plus(node.getDuration("herald.warm-up.timeout"))
                : Duration.ZERO);
    assertThat(startup).as("startupProbe's time").isGreaterThan(startNeeds);

    // The grace period covers the drain (bounded by its shutdown phase), the hand-off of the shards and the leave.
    Duration drain = node.getDuration("herald.drain.timeout").plus(node.getDuration("herald.socket.slow-consumer-close-timeout"));
    Duration drainPhase = node.getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout");
    Duration stopNeeds =
        (drain.compareTo(drainPhase) < 0 ? drain : drainPhase)
            .plus(node.getDuration("pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout"))
            .plus(node.getDuration("pekko.coordinated-shutdown.phases.cluster-exiting.timeout"));
    assertThat(Duration.ofSeconds(podSpec.path("terminationGracePeriodSeconds").asInt(30))).as("grace period").isGreaterThanOrEqualTo(stopNeeds);

    // Cluster Bootstrap through the Kubernetes API, the pod IP as the remoting address.
    assertThat(env).containsEntry("HERALD_DISCOVERY", "kubernetes-api");
    assertThat(envFrom(container, "HERALD_CLUSTER_HOST").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("status.podIP");
    assertThat(envFrom(container, "HERALD_KUBERNETES_NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
    assertThat(node.getString("herald.cluster.seed-nodes")).isEmpty();
    assertThat(node.getInt("herald.cluster.bootstrap.required-contact-points")).isEqualTo(deployment.at("/spec/replicas").asInt());

    // Labels match the selectors.
    Map<String, String> podLabels = labels(deployment.at("/spec/template/metadata/labels"));
    assertThat(podLabels).containsAllEntriesOf(labels(deployment.at("/spec/selector/matchLabels")));
    String selector = node.getString("herald.cluster.kubernetes.pod-label-selector").replace("%s", node.getString("herald.cluster.bootstrap.service-name"));
    String[] kv = selector.split("=", 2);
    assertThat(podLabels).as("discovery's pod label selector %s", selector).containsEntry(kv[0], kv[1]);
    for (JsonNode o : objects) {
      String kind = o.path("kind").asText();
      String name = kind + " " + o.at("/metadata/name").asText();
      switch (kind) {
        case "Service" -> assertThat(podLabels).as(name).containsAllEntriesOf(labels(o.at("/spec/selector")));
        case "NetworkPolicy", "PodDisruptionBudget" -> {
          JsonNode sel = kind.equals("NetworkPolicy") ? o.at("/spec/podSelector/matchLabels") : o.at("/spec/selector/matchLabels");
          assertThat(sel.size()).as(name).isPositive();
          assertThat(podLabels).as(name).containsAllEntriesOf(labels(sel));
        }
        case "HorizontalPodAutoscaler" -> {
          assertThat(o.at("/spec/scaleTargetRef/name").asText()).isEqualTo("herald");
          assertThat(o.at("/spec/behavior/scaleDown/stabilizationWindowSeconds").asInt()).as("scale-down stabilisation").isGreaterThanOrEqualTo(300);
        }
        case "ServiceMonitor" -> {
          JsonNode internal = one(objects, "Service", "herald-internal");
          assertThat(labels(internal.at("/metadata/labels"))).containsAllEntriesOf(labels(o.at("/spec/selector/matchLabels")));
          o.at("/spec/endpoints").forEach(e -> assertThat(servicePortNames(internal)).contains(e.path("port").asText()));
        }
        default -> {}
      }
    }
    podSpec.path("topologySpreadConstraints").forEach(t ->
        assertThat(podLabels).containsAllEntriesOf(labels(t.at("/labelSelector/matchLabels"))));

    // Discovery's RBAC: list (get, watch) pods, bound to the pods' service account.
    JsonNode role = one(objects, "Role", null);
    assertThat(role.path("rules").size()).isEqualTo(1);
    JsonNode rule = role.at("/rules/0");
    assertThat(texts(rule.path("apiGroups"))).containsExactly("");
    assertThat(texts(rule.path("resources"))).containsExactly("pods");
    assertThat(texts(rule.path("verbs"))).contains("list", "get", "watch");
    JsonNode binding = one(objects, "RoleBinding", null);
    assertThat(binding.at("/roleRef/kind").asText()).isEqualTo("Role");
    assertThat(binding.at("/roleRef/name").asText()).isEqualTo(role.at("/metadata/name").asText());
    assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("ServiceAccount");
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(podSpec.path("serviceAccountName").asText());
    assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(deployment.at("/metadata/namespace").asText());
    one(objects, "ServiceAccount", podSpec.path("serviceAccountName").asText());

    // The public Service: the WebSocket port alone. The internal one: the API (and /metrics).
    JsonNode publicService = one(objects, "Service", "herald");
    assertThat(publicService.at("/spec/ports").size()).isEqualTo(1);
    assertThat(publicService.at("/spec/ports/0/targetPort").asText()).isEqualTo("ws");
    assertThat(servicePortNames(one(objects, "Service", "herald-internal"))).containsExactly("api");

    // The NetworkPolicy lets anyone reach the WebSocket port only: every other port has a "from".
    JsonNode policy = one(objects, "NetworkPolicy", "herald");
    for (JsonNode rule2 : policy.at("/spec/ingress")) {
      if (!rule2.has("from")) {
        assertThat(texts(rule2.path("ports").findValues("port"))).containsExactly("ws");
      }
    }
    assertThat(texts(policy.at("/spec/policyTypes"))).contains("Ingress");

    // The API key, required to bind the API on every interface, comes from a Secret.
    assertThat(envFrom(container, "HERALD_API_KEY").at("/valueFrom/secretKeyRef/name").asText()).isNotEmpty();

    // Resources: every container in production has requests and a memory limit.
    if (overlay.equals("production")) {
      for (JsonNode c : podSpec.path("containers")) {
        assertThat(c.at("/resources/requests/cpu").asText()).as("cpu request").isNotEmpty();
        assertThat(c.at("/resources/requests/memory").asText()).as("memory request").isNotEmpty();
        assertThat(c.at("/resources/limits/memory").asText()).as("memory limit").isNotEmpty();
      }
      assertThat(podSpec.path("topologySpreadConstraints").size()).isEqualTo(2);
      one(objects, "PodDisruptionBudget", "herald");
    }
  }

  /** The Dockerfile's JVM options are the Jib image's (node/pom.xml), so both images behave alike. */
  @Test
  void dockerfileAndJibImageHaveTheSameJvmOptions() throws Exception {
    String pom = Files.readString(ROOT.resolve("node/pom.xml"));
    Matcher jib = Pattern.compile("<herald.container.java-options>([^<]+)</herald.container.java-options>").matcher(pom);
    assertThat(jib.find()).isTrue();
    Matcher docker = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(Files.readString(ROOT.resolve("Dockerfile")));
    assertThat(docker.find()).isTrue();
    assertThat(docker.group(1)).isEqualTo(jib.group(1));
    assertThat(jib.group(1)).contains("MaxRAMPercentage").contains("-XX:+UseParallelGC").doesNotContain("-Xms").doesNotContain("-Xmx");
  }

  /** The node's configuration as the container's environment makes it (values from fieldRefs stand in). */
  private static Config nodeConfig(Map<String, String> env) {
    Map<String, String> resolved = new HashMap<>();
    env.forEach((k, v) -> resolved.put(k, v == null ? "10.0.0.1" : v));
    return HeraldConfig.load(ConfigFactory.empty(), ConfigFactory.empty(), resolved);
  }

  private static List<JsonNode> render(String overlay) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("k8s/overlays/" + overlay).toString()).redirectErrorStream(true).start();
    } catch (java.io.IOException noKubectl) {
      assumeTrue(false, "kubectl is not installed: " + noKubectl.getMessage());
      throw noKubectl;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize: %s", out).isZero();
    List<JsonNode> objects = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(out)) {
      Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n instanceof ObjectNode) {
          objects.add(n);
        }
      }
    }
    assertThat(objects).isNotEmpty();
    return objects;
  }

  private static JsonNode one(List<JsonNode> objects, String kind, String name) {
    List<JsonNode> found =
        objects.stream()
            .filter(o -> o.path("kind").asText().equals(kind) && (name == null || o.at("/metadata/name").asText().equals(name)))
            .toList();
    assertThat(found).as("%s %s", kind, name).hasSize(1);
    return found.get(0);
  }

  private static JsonNode envFrom(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no env " + name);
  }

  private static Map<String, String> labels(JsonNode node) {
    Map<String, String> m = new HashMap<>();
    node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  private static Set<String> servicePortNames(JsonNode service) {
    Set<String> names = new HashSet<>();
    service.at("/spec/ports").forEach(p -> names.add(p.path("name").asText()));
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> t = new ArrayList<>();
    array.forEach(n -> t.add(n.asText()));
    return t;
  }

  private static List<String> texts(List<JsonNode> nodes) {
    List<String> t = new ArrayList<>();
    nodes.forEach(n -> t.add(n.asText()));
    return t;
  }
}
