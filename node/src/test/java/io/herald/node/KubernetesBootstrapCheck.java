package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code HERALD_DISCOVERY=kubernetes-api} without Kubernetes: a fake Kubernetes API server on loopback
 * (HTTPS with a self-signed certificate for 127.0.0.1, as Pekko's discovery speaks only TLS and trusts
 * only its CA file) answers the pods list in the real API's JSON shape, with pods at 127.0.0.1, .2 and
 * .3, whose node processes (the shaded jar) start at the same moment. They must form one cluster, never
 * two; a broadcast must fan out across all three; a fourth pod added to the list must join.
 *
 * <p>Multi-JVM and ~1 min: not in the default build. Run it with
 * {@code mvn -B -pl node -Pkubernetes-bootstrap -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dskip.npm verify}
 * (after installing protocol), or {@code scripts/k8s-bootstrap-check.sh}.
 */
class KubernetesBootstrapCheck {
  private static final String NAMESPACE = "herald-test";
  private static final String TOKEN = "fake-service-account-token";
  /** Ports of node n (1-based): WS BASE+10n, API BASE+10n+1, management BASE+60+n, remoting BASE+70+n. */
  private static final int BASE = Integer.getInteger("herald.check.base-port", 14100);
  private static final Duration READY_WITHIN = Duration.ofSeconds(150);

  private final List<Process> nodes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  /** The pods the fake API lists: node indices (1-based). */
  private final List<Integer> pods = new CopyOnWriteArrayList<>();
  private final List<String> apiRequests = new CopyOnWriteArrayList<>();
  private HttpsServer api;
  private Path dir;

  @Test
  void threeNodesStartedTogetherFormOneClusterFanOutAndAFourthPodJoins() throws Exception {
    dir = Files.createTempDirectory("herald-k8s-check");
    Path ca = startFakeApi();
    Path token = dir.resolve("token");
    Files.writeString(token, TOKEN); // no trailing newline: the discovery sends the file verbatim
    pods.addAll(List.of(1, 2, 3));
    for (int n = 1; n <= 3; n++) {
      startNode(n, ca, token);
    }
    for (int n = 1; n <= 3; n++) {
      awaitReady(n);
    }
    Set<String> expected = new TreeSet<>();
    for (int n = 1; n <= 3; n++) {
      expected.add("pekko://herald@127.0.0." + n + ":" + (BASE + 70 + n));
    }
    for (int n = 1; n <= 3; n++) {
      assertThat(upMembers(n)).as("Up members as node %d sees them", n).isEqualTo(expected);
    }
    // One cluster, never two: exactly one node formed a cluster, the others joined it.
    assertThat(countInLogs("Initiating new cluster")).as("nodes that formed a new cluster").isEqualTo(1);
    assertThat(apiRequests).as("what the fake API was asked").isNotEmpty()
        .allSatisfy(r -> assertThat(r).isEqualTo("/api/v1/namespaces/" + NAMESPACE + "/pods?labelSelector=app=herald Bearer " + TOKEN));

    // A broadcast from node 1 reaches a subscriber on every node.
    List<Client> clients = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      Client c = Client.connect(BASE + 10 * n);
      c.ws.sendText("[\"1\",\"1\",\"room:k8s\",\"phx_join\",{}]", true).join();
      assertThat(c.next()).contains("\"ok\"");
      clients.add(c);
    }
    Thread.sleep(1000); // each node's interest reaches the topic's owner
    clients.get(0).ws.sendText("[\"1\",\"2\",\"room:k8s\",\"shout\",{\"body\":\"across\"}]", true).join();
    for (int n = 1; n <= 3; n++) {
      assertThat(clients.get(n - 1).nextBroadcast()).as("broadcast on node %d", n)
          .matches("\\[null,\"1\",\"room:k8s\",\"shout\",\\{\"body\":\"across\"}]"); // room:* keeps history: seq in ref
    }

    // A fourth pod in the list joins the running cluster.
    pods.add(4);
    startNode(4, ca, token);
    awaitReady(4);
    expected.add("pekko://herald@127.0.0.4:" + (BASE + 74));
    for (int n = 1; n <= 4; n++) {
      assertThat(upMembers(n)).as("Up members as node %d sees them after the fourth pod", n).isEqualTo(expected);
    }
    assertThat(countInLogs("Initiating new cluster")).as("the fourth node joined, it formed nothing").isEqualTo(1);
    assertThat(Files.readString(logs.get(3))).contains("Joining [");
    for (Path log : logs) {
      assertThat(Files.readString(log)).as("log %s", log).doesNotContain(" ERROR ");
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (api != null) {
      api.stop(0);
    }
  }

  /** A self-signed certificate for IP 127.0.0.1 (keytool), a TLS server with it, and the CA file. */
  private Path startFakeApi() throws Exception {
    Path keystore = dir.resolve("api.p12");
    Path ca = dir.resolve("ca.crt");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "api", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=fake-kubernetes-api", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit");
    run(keytool, "-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", ca.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keystore.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    api = HttpsServer.create(new InetSocketAddress("127.0.0.1", BASE + 99), 0);
    api.setHttpsConfigurator(new HttpsConfigurator(tls));
    api.createContext("/", exchange -> {
      String query = exchange.getRequestURI().getRawQuery();
      String decoded = query == null ? "" : URLDecoder.decode(query, StandardCharsets.UTF_8);
      String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
      apiRequests.add(exchange.getRequestURI().getPath() + "?" + decoded + " " + auth);
      byte[] body;
      int status;
      if (!auth.equals("Bearer " + TOKEN)) {
        status = 401;
        body = "{\"kind\":\"Status\",\"code\":401}".getBytes(StandardCharsets.UTF_8);
      } else if (!exchange.getRequestURI().getPath().equals("/api/v1/namespaces/" + NAMESPACE + "/pods")
          || !decoded.equals("labelSelector=app=herald")) {
        status = 404;
        body = "{\"kind\":\"Status\",\"code\":404}".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 200;
        body = podList().getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    api.start();
    return ca;
  }

  /** The pods list as the Kubernetes API gives it (v1 PodList), with the fields discovery reads. */
  private String podList() {
    StringBuilder items = new StringBuilder();
    for (int n : pods) {
      if (items.length() > 0) {
        items.append(',');
      }
      items.append("""
          {"metadata":{"name":"herald-%d","namespace":"%s","labels":{"app":"herald"}},\
          "spec":{"containers":[{"name":"herald","ports":[{"name":"ws","containerPort":%d},\
          {"name":"management","containerPort":%d},{"name":"remoting","containerPort":%d}]}]},\
          "status":{"phase":"Running","podIP":"127.0.0.%d","containerStatuses":[{"name":"herald","state":{"running":{}}}]}}"""
          .formatted(n, NAMESPACE, BASE + 10 * n, BASE + 60 + n, BASE + 70 + n, n));
    }
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[" + items + "]}";
  }

  private void startNode(int n, Path ca, Path token) throws Exception {
    Path jar = Path.of("target", "herald-node.jar");
    assertThat(jar).exists();
    Path log = dir.resolve("node-" + n + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-jar", jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("HERALD_DISCOVERY", "kubernetes-api");
    env.put("KUBERNETES_SERVICE_HOST", "127.0.0.1");
    env.put("KUBERNETES_SERVICE_PORT", Integer.toString(BASE + 99));
    env.put("HERALD_KUBERNETES_API_CA_PATH", ca.toString());
    env.put("HERALD_KUBERNETES_API_TOKEN_PATH", token.toString());
    env.put("HERALD_KUBERNETES_NAMESPACE", NAMESPACE);
    env.put("HERALD_BOOTSTRAP_REQUIRED_CONTACT_POINTS", "3");
    env.put("HERALD_BOOTSTRAP_STABLE_MARGIN", "3s");
    env.put("HERALD_CLUSTER_HOST", "127.0.0." + n);
    env.put("HERALD_CLUSTER_PORT", Integer.toString(BASE + 70 + n));
    env.put("HERALD_MANAGEMENT_PORT", Integer.toString(BASE + 60 + n));
    env.put("HERALD_HTTP_PORT", Integer.toString(BASE + 10 * n));
    env.put("HERALD_API_PORT", Integer.toString(BASE + 10 * n + 1));
    env.put("HERALD_MANAGEMENT_CLUSTER_ROUTES", "on");
    env.put("HERALD_WARM_UP", "false");
    env.remove("HERALD_SEED_NODES");
    nodes.add(pb.start());
    logs.add(log);
  }

  private void awaitReady(int n) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (true) {
      Process p = nodes.get(n - 1);
      assertThat(p.isAlive()).as("node %d exited; log:%n%s", n, Files.readString(logs.get(n - 1))).isTrue();
      try {
        HttpResponse<String> r =
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0." + n + ":" + (BASE + 60 + n) + "/ready"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime()).as("node %d ready within %s; log:%n%s", n, READY_WITHIN, Files.readString(logs.get(n - 1)))
          .isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  /** The members node n's /cluster/members lists as Up. */
  private Set<String> upMembers(int n) throws Exception {
    String json =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create("http://127.0.0." + n + ":" + (BASE + 60 + n) + "/cluster/members")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Set<String> up = new TreeSet<>();
    Matcher m = Pattern.compile("\\{\"node\":\"([^\"]+)\",\"nodeUid\":\"[^\"]*\",\"roles\":\\[[^\\]]*\\],\"status\":\"Up\"").matcher(json);
    while (m.find()) {
      up.add(m.group(1));
    }
    assertThat(up).as("members in %s", json).isNotEmpty();
    return up;
  }

  private long countInLogs(String text) throws Exception {
    long count = 0;
    for (Path log : logs) {
      count += Files.readAllLines(log).stream().filter(l -> l.contains(text)).count();
    }
    return count;
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", command[0], out).isZero();
  }

  private static final class Client implements WebSocket.Listener {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static Client connect(int port) {
      Client c = new Client();
      c.ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/socket/websocket?vsn=2.0.0"), c).join();
      return c;
    }

    String next() throws InterruptedException {
      String s = texts.poll(10, TimeUnit.SECONDS);
      assertThat(s).as("a frame within 10 s").isNotNull();
      return s;
    }

    /** The next broadcast (no join_ref; its ref is its seq on room:*), skipping replies. */
    String nextBroadcast() throws InterruptedException {
      while (true) {
        String s = next();
        if (s.startsWith("[null,") && !s.contains("\"phx_reply\"")) {
          return s;
        }
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        texts.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }
}
