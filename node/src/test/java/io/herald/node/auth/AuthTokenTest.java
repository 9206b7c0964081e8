package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthTokenTest {
  // chosen so that its standard base64 holds both '+' and '/' and needs padding
  private static final String TOKEN = "eyJhbGciOi.~~~???.sig~";

  private static final String STANDARD =
      Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.ISO_8859_1));

  @Test
  void theTestTokenExercisesBothAlphabets() {
    assertThat(STANDARD).contains("+", "/").endsWith("=");
  }

  @Test
  void readsTheConnectParam() {
    assertThat(AuthToken.from(Map.of("token", "abc.def.ghi", "vsn", "2.0.0"), "token", null)).isEqualTo("abc.def.ghi");
    assertThat(AuthToken.from(Map.of("jwt", "abc.def.ghi"), "jwt", null)).as("configured name").isEqualTo("abc.def.ghi");
    assertThat(AuthToken.from(Map.of("jwt", "abc.def.ghi"), "token", null)).as("another name").isNull();
  }

  @Test
  void readsPhoenixJsSubProtocolInTheStandardAlphabetAsBtoaWritesIt() {
    String phoenixJs = "base64url.bearer.phx." + STANDARD.replace("=", ""); // btoa(token).replace(/=/g, "")
    assertThat(AuthToken.from(Map.of(), "token", "phoenix, " + phoenixJs)).isEqualTo(TOKEN);
    assertThat(AuthToken.from(null, "token", phoenixJs + ",phoenix")).as("any position, no spaces").isEqualTo(TOKEN);
    assertThat(AuthToken.from(Map.of(), "token", "phoenix," + "base64url.bearer.phx." + STANDARD))
        .as("with padding").isEqualTo(TOKEN);
  }

  @Test
  void readsTheSubProtocolInTheUrlSafeAlphabet() {
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(TOKEN.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(urlSafe).contains("-", "_");
    assertThat(AuthToken.from(Map.of(), "token", "phoenix, base64url.bearer.phx." + urlSafe)).isEqualTo(TOKEN);
  }

  @Test
  void theParamWinsOverTheSubProtocol() {
    String header = "phoenix, base64url.bearer.phx." + STANDARD;
    assertThat(AuthToken.from(Map.of("token", "from-param"), "token", header)).isEqualTo("from-param");
    assertThat(AuthToken.from(Map.of("token", ""), "token", header)).as("an empty param is no param").isEqualTo(TOKEN);
  }

  @Test
  void nothingUsableIsNull() {
    assertThat(AuthToken.from(Map.of(), "token", null)).isNull();
    assertThat(AuthToken.from(null, null, null)).isNull();
    assertThat(AuthToken.from(Map.of(), "token", "phoenix")).isNull();
    assertThat(AuthToken.from(Map.of(), "token", "phoenix, base64url.bearer.phx.")).as("empty").isNull();
    assertThat(AuthToken.from(Map.of(), "token", "phoenix, base64url.bearer.phx.!!not*base64")).isNull();
    assertThat(AuthToken.from(Map.of(), "token", "phoenix, base64url.bearer.phx.abcde")).as("5 chars").isNull();
  }
}
