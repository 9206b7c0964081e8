package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.herald.node.config.HeraldSettings;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StaticAssetsTest {
  private static final Pattern CONFIG =
      Pattern.compile("<script id=\"herald-config\" type=\"application/json\">(.*?)</script>", Pattern.DOTALL);

  /** Over the class path's reference.conf, parsed once (HeraldConfig.load parses it anew every time). */
  private static HeraldSettings settings(Map<String, Object> overrides) {
    return HeraldSettings.from(ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  private static JsonNode pageConfig(StaticAssets assets) throws Exception {
    String page = new String(assets.get("/").body(), StandardCharsets.UTF_8);
    Matcher m = CONFIG.matcher(page);
    assertThat(m.find()).as("the page's config element").isTrue();
    return new ObjectMapper().readTree(m.group(1));
  }

  @Test
  void theDemoPageLearnsTheSocketPathAndWhetherATokenIsNeeded() throws Exception {
    JsonNode defaults = pageConfig(StaticAssets.load(settings(Map.of())));
    assertThat(defaults.get("socketPath").asText()).isEqualTo("/socket");
    assertThat(defaults.get("authRequired").asBoolean()).isFalse();

    JsonNode custom =
        pageConfig(
            StaticAssets.load(
                settings(
                    Map.of(
                        "herald.http.socket-path", "/realtime/socket",
                        "herald.auth.mode", "required",
                        "herald.auth.jwt.hmac-secret", "static-assets-test-secret-0123456789abcdef"))));
    assertThat(custom.get("socketPath").asText()).isEqualTo("/realtime/socket");
    assertThat(custom.get("authRequired").asBoolean()).isTrue();
  }

  @Test
  void noSettingCanCloseThePagesScriptElement() throws Exception {
    String json = StaticAssets.scriptSafeJson(Map.of("socketPath", "/x</script><script>alert(1)</script>&"));
    assertThat(json).doesNotContain("<", ">", "&");
    assertThat(new ObjectMapper().readTree(json).get("socketPath").asText()).isEqualTo("/x</script><script>alert(1)</script>&");
  }

  @Test
  void theRecoveryScriptIsServedWithOrWithoutTheDemoPage() {
    StaticAssets on = StaticAssets.load(settings(Map.of()));
    assertThat(on.get("/").contentType()).startsWith("text/html");
    assertThat(on.get("/herald-recovery.js").contentType()).startsWith("text/javascript");
    assertThat(new String(on.get("/herald-recovery.js").body(), StandardCharsets.UTF_8)).contains("HeraldRecovery");
    // bundled from the npm package by the build (node/pom.xml)
    assertThat(on.get("/phoenix.min.js")).as("phoenix.min.js in the build's resources").isNotNull();
    assertThat(new String(on.get("/phoenix.min.js").body(), StandardCharsets.UTF_8)).contains("Phoenix");
    assertThat(on.get("/other.js")).isNull();

    StaticAssets off = StaticAssets.load(settings(Map.of("herald.http.demo-page", false)));
    assertThat(off.get("/")).isNull();
    assertThat(off.get("/phoenix.min.js")).isNull();
    assertThat(off.get("/herald-recovery.js")).isNotNull();
  }
}
