package io.herald.node.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.node.config.HeraldSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few files the public port serves besides its socket endpoints, read from the class path once at
 * bind: {@code /herald-recovery.js} (history recovery for phoenix.js channels, for any page), and with
 * {@code herald.http.demo-page} on the demo chat page at {@code /} and the phoenix.js client it runs
 * ({@code /phoenix.min.js}, copied from the npm package at build time, node/pom.xml).
 *
 * <p>The page learns what it needs from the node's settings (the socket path, whether connects need a
 * token), written into it here, so that it works with any of them.
 */
final class StaticAssets {
  private static final Logger log = LoggerFactory.getLogger(StaticAssets.class);

  /** Where the demo page holds its settings; replaced by a JSON object when served. */
  static final String CONFIG_PLACEHOLDER = "__HERALD_CONFIG__";

  static final String DEMO_PAGE = "/herald/demo.html";
  static final String RECOVERY_SCRIPT = "/herald/herald-recovery.js";
  static final String PHOENIX_SCRIPT = "/herald/phoenix.min.js";

  private static final String HTML = "text/html; charset=utf-8";
  private static final String JAVASCRIPT = "text/javascript; charset=utf-8";

  /** A file as served: its media type and bytes. */
  record Asset(String contentType, byte[] body) {}

  private final Map<String, Asset> byPath;

  private StaticAssets(Map<String, Asset> byPath) {
    this.byPath = Map.copyOf(byPath);
  }

  /** The files {@code settings} call for. Fails when a file the node's own class path must hold is missing. */
  static StaticAssets load(HeraldSettings settings) {
    Map<String, Asset> assets = new HashMap<>();
    assets.put("/herald-recovery.js", new Asset(JAVASCRIPT, read(RECOVERY_SCRIPT)));
    if (settings.http().demoPage()) {
      assets.put("/", new Asset(HTML, demoPage(read(DEMO_PAGE), settings)));
      byte[] phoenix = readOptional(PHOENIX_SCRIPT);
      if (phoenix == null) {
        // Built without the bundle step (an IDE's own build): the page says so itself.
        log.warn("{} is not on the class path (built without Maven?): the demo page at / cannot connect", PHOENIX_SCRIPT);
      } else {
        assets.put("/phoenix.min.js", new Asset(JAVASCRIPT, phoenix));
      }
    }
    return new StaticAssets(assets);
  }

  /** The file served at {@code path}, or null. */
  Asset get(String path) {
    return byPath.get(path);
  }

  /** The demo page with the node's settings in place of {@link #CONFIG_PLACEHOLDER}. */
  static byte[] demoPage(byte[] template, HeraldSettings settings) {
    String page = new String(template, StandardCharsets.UTF_8);
    if (!page.contains(CONFIG_PLACEHOLDER)) {
      throw new IllegalStateException(DEMO_PAGE + " has no " + CONFIG_PLACEHOLDER + " to put the node's settings in");
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("socketPath", settings.http().socketPath());
    config.put("authRequired", settings.auth().mode() == HeraldSettings.AuthMode.REQUIRED);
    return page.replace(CONFIG_PLACEHOLDER, scriptSafeJson(config)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * JSON that can stand inside a {@code <script>} element: {@code <}, {@code >} and {@code &} only occur
   * in JSON strings, where their escapes mean the same, so no setting can close the element.
   */
  static String scriptSafeJson(Object value) {
    try {
      return new ObjectMapper()
          .writeValueAsString(value)
          .replace("<", "\\u003c")
          .replace(">", "\\u003e")
          .replace("&", "\\u0026");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(String resource) {
    byte[] bytes = readOptional(resource);
    if (bytes == null) {
      throw new IllegalStateException(resource.substring(1) + " is missing from the class path");
    }
    return bytes;
  }

  private static byte[] readOptional(String resource) {
    try (InputStream in = StaticAssets.class.getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
