package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginCheckTest {
  private static final String HOST = "socket.example.com:4000";

  @Test
  void anExactOriginMatchesItsSchemeHostAndDefaultPort() {
    OriginCheck check = OriginCheck.of(List.of("https://app.example.com"));
    assertThat(check.allows("https://app.example.com", HOST)).isTrue();
    assertThat(check.allows("HTTPS://App.Example.COM", HOST)).as("case-insensitive").isTrue();
    assertThat(check.allows("https://app.example.com:443", HOST)).as("explicit default port").isTrue();
    assertThat(check.allows("https://app.example.com:8443", HOST)).as("other port").isFalse();
    assertThat(check.allows("http://app.example.com", HOST)).as("scheme mismatch").isFalse();
    assertThat(check.allows("https://other.example.com", HOST)).isFalse();
    assertThat(check.allows("https://sub.app.example.com", HOST)).as("no wildcard, no subdomain").isFalse();
  }

  @Test
  void withoutSchemeAnySchemeAndPortMatchUnlessAPortIsGiven() {
    OriginCheck anyPort = OriginCheck.of(List.of("//app.example.com"));
    assertThat(anyPort.allows("http://app.example.com", HOST)).isTrue();
    assertThat(anyPort.allows("https://app.example.com:8443", HOST)).isTrue();
    OriginCheck port = OriginCheck.of(List.of("//app.example.com:8080"));
    assertThat(port.allows("http://app.example.com:8080", HOST)).isTrue();
    assertThat(port.allows("http://app.example.com", HOST)).as("default 80").isFalse();
    assertThat(port.allows("http://app.example.com:8081", HOST)).isFalse();
  }

  @Test
  void aWildcardMatchesTheApexAndSubdomainsButNoLookalikes() {
    OriginCheck check = OriginCheck.of(List.of("//*.example.com"));
    assertThat(check.allows("https://example.com", HOST)).as("apex").isTrue();
    assertThat(check.allows("https://app.example.com", HOST)).isTrue();
    assertThat(check.allows("http://a.b.example.com:3000", HOST)).isTrue();
    assertThat(check.allows("https://evil-example.com", HOST)).isFalse();
    assertThat(check.allows("https://evilexample.com", HOST)).isFalse();
    assertThat(check.allows("https://example.com.evil.net", HOST)).isFalse();
    assertThat(check.allows("https://example.co", HOST)).isFalse();
  }

  @Test
  void anyOfSeveralEntriesSuffices() {
    OriginCheck check = OriginCheck.of(List.of("https://a.example.com", "http://localhost:5173"));
    assertThat(check.allows("http://localhost:5173", HOST)).isTrue();
    assertThat(check.allows("https://a.example.com", HOST)).isTrue();
    assertThat(check.allows("http://localhost:5174", HOST)).isFalse();
  }

  @Test
  void aMissingOriginIsAllowedAMalformedOneRefused() {
    OriginCheck check = OriginCheck.of(List.of("//*.example.com"));
    assertThat(check.allows(null, HOST)).as("non-browser client").isTrue();
    assertThat(check.allows(null, null)).isTrue();
    for (String bad : List.of("null", "", "example.com", "https://", "https://example.com/path",
        "https://user@example.com", "https://example.com:99999", "https://example.com:", "https://exa mple.com",
        "https://*.example.com", "https://example.com?x", "://example.com", "javascript:alert(1)//example.com")) {
      assertThat(check.allows(bad, HOST)).as("origin \"%s\"", bad).isFalse();
    }
  }

  @Test
  void anEmptyListComparesTheOriginHostWithTheHostHeaderIgnoringPorts() {
    OriginCheck check = OriginCheck.of(List.of());
    assertThat(check.allows("https://socket.example.com", "socket.example.com:4000")).isTrue();
    assertThat(check.allows("http://Socket.Example.com:8080", "socket.example.com")).isTrue();
    assertThat(check.allows("https://evil.com", "socket.example.com:4000")).isFalse();
    assertThat(check.allows("https://socket.example.com.evil.net", "socket.example.com")).isFalse();
    assertThat(check.allows("http://[::1]:4000", "[::1]:4000")).as("IPv6").isTrue();
    assertThat(check.allows("https://socket.example.com", null)).as("no Host header").isFalse();
    assertThat(check.allows("https://socket.example.com", "bad host")).isFalse();
    assertThat(check.allows(null, "socket.example.com")).isTrue();
  }

  @Test
  void malformedEntriesAreRejectedAtStart() {
    for (String bad : List.of("app.example.com", "https:/app.example.com", "//", "https://", "//*",
        "//a.*.example.com", "//*example.com", "https://app.example.com/path", "//user@app.example.com",
        "//app.example.com:http", "//app.example.com:70000", "1http://app.example.com")) {
      assertThatThrownBy(() -> OriginCheck.of(List.of(bad))).as("entry \"%s\"", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
    assertThat(OriginCheck.of(List.of("https://app.example.com/")).allows("https://app.example.com", HOST))
        .as("a trailing slash is tolerated").isTrue();
  }
}
