package io.herald.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigResolver;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads the configuration, highest precedence first: {@code overrides}, Java system properties, the
 * {@code HERALD_*} environment variables Herald's defaults name ({@code x = ${?HERALD_X}}), {@code
 * application.conf} (or {@code -Dconfig.file}), {@code herald-pekko.conf} (Herald's choices for Pekko),
 * then every library's {@code reference.conf} (Herald's own defaults among them).
 *
 * <p>Plain HOCON would rank the environment variables with the defaults that name them, below
 * {@code application.conf}: a deployment's {@code HERALD_HTTP_PORT} would be ignored without a word
 * because a file baked into the image sets the port. Here a variable that is set wins over the file.
 */
public final class HeraldConfig {
  /** Pekko Management's name for the route provider of pekko-management-cluster-http (its reference.conf). */
  static final String CLUSTER_ROUTES = "pekko.management.http.routes.cluster-management";
  /** Cluster Bootstrap's route provider (its reference.conf). */
  static final String BOOTSTRAP_ROUTES = "pekko.management.http.routes.cluster-bootstrap";

  private HeraldConfig() {}

  public static Config load() {
    return load(ConfigFactory.empty());
  }

  public static Config load(Config overrides) {
    return load(overrides, ConfigFactory.defaultApplication(), System.getenv());
  }

  /** As {@link #load(Config)}, with {@code application} for application.conf and {@code environment} for the process's. */
  static Config load(Config overrides, Config application, Map<String, String> environment) {
    ConfigFactory.invalidateCaches();
    ConfigResolveOptions resolveOptions =
        ConfigResolveOptions.defaults().setUseSystemEnvironment(false).appendResolver(new Environment(environment));
    Config defaults =
        ConfigFactory.parseResources(HeraldConfig.class.getClassLoader(), "herald-pekko.conf")
            .withFallback(ConfigFactory.defaultReferenceUnresolved());
    Config config =
        overrides
            .withFallback(ConfigFactory.defaultOverrides())
            .withFallback(setByEnvironment(defaults, resolveOptions))
            .withFallback(application)
            .withFallback(defaults)
            .resolve(resolveOptions);
    if (!"kubernetes-api".equals(config.getString("herald.cluster.discovery"))) {
      // Cluster Bootstrap's /bootstrap/seed-nodes lists members: served only where bootstrap runs.
      config = ConfigFactory.parseMap(Map.of(BOOTSTRAP_ROUTES, "")).withFallback(config);
    }
    if (!config.getBoolean("herald.management.cluster-routes")) {
      // "" removes a route provider (Pekko Management's reference.conf); /alive and /ready stay.
      config = ConfigFactory.parseMap(Map.of(CLUSTER_ROUTES, "")).withFallback(config);
    }
    return config;
  }

  /**
   * The values of {@code defaults} that environment variables set (their origin says so). Values that
   * follow such a setting ({@code ${herald.cluster.host}}) come along, so they follow it over
   * application.conf too.
   */
  private static Config setByEnvironment(Config defaults, ConfigResolveOptions withEnvironment) {
    Map<String, Object> set = new HashMap<>();
    for (Map.Entry<String, ConfigValue> entry : defaults.resolve(withEnvironment).entrySet()) {
      String origin = entry.getValue().origin().description();
      if (origin != null && origin.startsWith(Environment.ORIGIN)) {
        set.put(entry.getKey(), entry.getValue().unwrapped());
      }
    }
    return ConfigFactory.parseMap(set, "environment variables");
  }

  /** Resolves {@code ${?NAME}} from the given environment (the process's, or a test's). */
  private record Environment(Map<String, String> variables) implements ConfigResolver {
    static final String ORIGIN = "environment variable ";

    @Override
    public ConfigValue lookup(String path) {
      String value = variables.get(path);
      return value == null ? null : ConfigValueFactory.fromAnyRef(value, ORIGIN + path);
    }

    @Override
    public ConfigResolver withFallback(ConfigResolver fallback) {
      return fallback == null ? this : new Chained(this, fallback);
    }
  }

  private record Chained(ConfigResolver first, ConfigResolver second) implements ConfigResolver {
    @Override
    public ConfigValue lookup(String path) {
      ConfigValue value = first.lookup(path);
      return value != null ? value : second.lookup(path);
    }

    @Override
    public ConfigResolver withFallback(ConfigResolver fallback) {
      return fallback == null ? this : new Chained(this, fallback);
    }
  }
}
