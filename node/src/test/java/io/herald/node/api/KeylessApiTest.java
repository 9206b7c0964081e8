package io.herald.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import io.herald.node.config.HeraldSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API without a key: loopback callers only, decided by the TCP peer's address and never by a
 * forwarding header, and never bound to a non-loopback interface.
 */
class KeylessApiTest {
  private static HeraldNode node;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(List.of(), Map.of("herald.api.key", ""));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> stats(String header, String value) throws Exception {
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort() + "/api/stats")).GET();
    if (header != null) {
      request.header(header, value);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aLoopbackPeerIsAnsweredWhateverItsForwardingHeadersClaim() throws Exception {
    assertThat(stats(null, null).statusCode()).isEqualTo(200);
    // Judged by headers, these would be remote callers and refused.
    assertThat(stats("X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(200);
    assertThat(stats("X-Real-IP", "203.0.113.7").statusCode()).isEqualTo(200);
  }

  @Test
  void aRemotePeerClaimingLoopbackInAForwardingHeaderIsNotLoopback() throws Exception {
    RemoteAddress remote = RemoteAddress.create(InetAddress.getByName("203.0.113.7"));
    HttpRequest forged =
        HttpRequest.create("/api/stats")
            .addAttribute(AttributeKeys.remoteAddress, remote)
            .addHeader(RawHeader.create("X-Forwarded-For", "127.0.0.1"))
            .addHeader(RawHeader.create("X-Real-IP", "::1"));
    assertThat(ApiRoutes.isLoopbackPeer(forged)).isFalse();

    HttpRequest local =
        HttpRequest.create("/api/stats").addAttribute(AttributeKeys.remoteAddress, RemoteAddress.create(InetAddress.getLoopbackAddress()));
    assertThat(ApiRoutes.isLoopbackPeer(local)).isTrue();
    assertThat(ApiRoutes.isLoopbackPeer(HttpRequest.create("/api/stats"))).as("no peer known").isFalse();
  }

  private static HeraldSettings.Api api(String host, String key) {
    return new HeraldSettings.Api(host, 4001, key, 1024, 10, Duration.ofSeconds(1));
  }

  @Test
  void withoutAKeyTheApiBindsLoopbackAndRefusesAnyOtherInterface() {
    assertThat(api("", "").bindHost()).isEqualTo("127.0.0.1");
    assertThat(api("", "secret").bindHost()).isEqualTo("0.0.0.0");
    assertThat(api("localhost", "").bindHost()).isEqualTo("localhost");
    assertThat(api("0.0.0.0", "secret").bindHost()).isEqualTo("0.0.0.0");
    assertThatThrownBy(() -> api("0.0.0.0", "").bindHost())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HERALD_API_KEY");
  }
}
