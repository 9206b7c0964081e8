package io.herald.loadtest;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The knobs of a simulation, read from system properties ({@code -Dusers=500}) with defaults. A value
 * that does not parse, or is out of range, stops the simulation before it starts, naming the property:
 * a typo must not silently run the default load. So does a name that is not this simulation's but
 * looks like one ({@link #refuseUnknown}): {@code -Duser=10} would otherwise run the default 1,000 users.
 */
final class LoadParameters {
  /**
   * Every parameter any simulation reads. Reading a name not listed here is a programming error, so
   * that this list, which {@link #refuseUnknown} checks misspellings against, stays complete.
   */
  static final Set<String> NAMES = Set.of(
      "wsUrl", "socketPath", "apiUrl", "apiKey", "users", "rampSeconds", "durationSeconds",
      "heartbeatSeconds", "timeoutSeconds", "rooms", "topicPrefix", "roomSize", "postSeconds", "topic",
      "event", "publishRate", "settleSeconds", "maxDeliveryMs", "maxFailedPercent", "p95Ms", "p99Ms");

  /** Shorter names than this are not guessed at: too many unrelated words are close to a short one. */
  private static final int MIN_GUESS_LENGTH = 3;

  private final Properties source;
  private final Set<String> read = new LinkedHashSet<>();

  LoadParameters(Properties source) {
    this.source = source;
  }

  static LoadParameters fromSystemProperties() {
    return new LoadParameters(System.getProperties());
  }

  String string(String name, String defaultValue) {
    String value = raw(name);
    return value == null ? defaultValue : value;
  }

  /** A count of at least 1. */
  int count(String name, int defaultValue) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < 1) {
        throw invalid(name, value, "at least 1");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw invalid(name, value, "a whole number");
    }
  }

  /** A number above 0 (a rate, a percentage, a time in milliseconds). */
  double positive(String name, double defaultValue) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      double parsed = Double.parseDouble(value);
      if (!(parsed > 0) || Double.isInfinite(parsed)) {
        throw invalid(name, value, "a number above 0");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw invalid(name, value, "a number");
    }
  }

  /** A number of at least 0 (a percentage of failures that may be 0). */
  double nonNegative(String name, double defaultValue) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      double parsed = Double.parseDouble(value);
      if (!(parsed >= 0) || Double.isInfinite(parsed)) {
        throw invalid(name, value, "a number of at least 0");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw invalid(name, value, "a number");
    }
  }

  /** A duration given in seconds (fractions allowed: {@code 0.5}), above 0. */
  Duration seconds(String name, double defaultSeconds) {
    return Duration.ofMillis(Math.round(positive(name, defaultSeconds) * 1000));
  }

  /**
   * The ramp over which users arrive, at least one second: Gatling 3.15.1 ends a run whose
   * {@code rampUsers(n).during(...)} is shorter before any user starts ("Undefined run start").
   */
  Duration ramp(String name, double defaultSeconds) {
    Duration ramp = seconds(name, defaultSeconds);
    if (ramp.compareTo(Duration.ofSeconds(1)) < 0) {
      throw invalid(name, raw(name), "at least 1 (second)");
    }
    return ramp;
  }

  /**
   * Stops the run if a {@code -D} property is a parameter of another simulation, or is not a
   * parameter but looks like one of {@link #NAMES} (same name in another case, one contained in the
   * other, or a few letters apart): {@code -Duser}, {@code -DUsers}, {@code -Dduration},
   * {@code -DpublishRates}. Call it once every parameter has been read.
   *
   * <p>The JVM's, Maven's and Gatling's own properties, and any other, pass: they have dots in their
   * names ({@code java.version}, {@code maven.home}, {@code gatling.simulationClass}) or are far from
   * every parameter's ({@code skipTests}, {@code test}, {@code basedir}), so a normal run never stops
   * here.
   */
  void refuseUnknown(String simulation) {
    for (String name : new TreeSet<>(source.stringPropertyNames())) {
      if (read.contains(name)) {
        continue;
      }
      if (NAMES.contains(name)) {
        throw new IllegalArgumentException("-D" + name + " is not a parameter of " + simulation
            + ", which reads " + String.join(", ", read));
      }
      Optional<String> meant = nearestParameter(name);
      if (meant.isPresent()) {
        throw new IllegalArgumentException("-D" + name + " is not a parameter of " + simulation
            + "; did you mean -D" + meant.get() + "? It reads " + String.join(", ", read));
      }
    }
  }

  /** The parameter {@code name} is probably a misspelling of, preferring this simulation's; none if none. */
  private Optional<String> nearestParameter(String name) {
    if (name.indexOf('.') >= 0 || name.length() < MIN_GUESS_LENGTH) {
      return Optional.empty();
    }
    return NAMES.stream()
        .filter(parameter -> looksLike(name, parameter))
        .min(Comparator.comparing((String parameter) -> !read.contains(parameter))
            .thenComparing(parameter -> editDistance(name.toLowerCase(Locale.ROOT), parameter.toLowerCase(Locale.ROOT))));
  }

  static boolean looksLike(String name, String parameter) {
    String a = name.toLowerCase(Locale.ROOT);
    String b = parameter.toLowerCase(Locale.ROOT);
    if (a.contains(b) || b.contains(a)) {
      return true;
    }
    // one typo in a short name, two in a longer one
    int allowed = Math.min(a.length(), b.length()) <= 5 ? 1 : 2;
    return editDistance(a, b) <= allowed;
  }

  /** Levenshtein distance with transpositions (optimal string alignment): {@code ramp} → {@code rmap} is 1. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private String raw(String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalStateException("parameter " + name + " is missing from LoadParameters.NAMES");
    }
    read.add(name);
    String value = source.getProperty(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static IllegalArgumentException invalid(String name, String value, String expected) {
    return new IllegalArgumentException("-D" + name + "=" + value + ": expected " + expected);
  }
}
