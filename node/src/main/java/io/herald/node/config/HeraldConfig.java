package io.herald.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * Loads the configuration, highest precedence first: {@code overrides}, system properties,
 * {@code application.conf} (or {@code -Dconfig.file}), {@code herald-pekko.conf} (Herald's choices for
 * Pekko), then every library's {@code reference.conf} (Herald's own defaults among them).
 */
public final class HeraldConfig {
  private HeraldConfig() {}

  public static Config load() {
    return load(ConfigFactory.empty());
  }

  public static Config load(Config overrides) {
    ConfigFactory.invalidateCaches();
    return overrides
        .withFallback(ConfigFactory.defaultOverrides())
        .withFallback(ConfigFactory.defaultApplication())
        .withFallback(ConfigFactory.parseResources(HeraldConfig.class.getClassLoader(), "herald-pekko.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }
}
