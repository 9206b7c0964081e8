package io.herald.loadtest;

import java.time.Duration;
import java.util.Properties;

/**
 * The knobs of a simulation, read from system properties ({@code -Dusers=500}) with defaults. A value
 * that does not parse, or is out of range, stops the simulation before it starts, naming the property:
 * a typo must not silently run the default load.
 */
final class LoadParameters {
  private final Properties source;

  LoadParameters(Properties source) {
    this.source = source;
  }

  static LoadParameters fromSystemProperties() {
    return new LoadParameters(System.getProperties());
  }

  String string(String name, String defaultValue) {
    String value = source.getProperty(name);
    return value == null || value.isBlank() ? defaultValue : value.trim();
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

  private String raw(String name) {
    String value = source.getProperty(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static IllegalArgumentException invalid(String name, String value, String expected) {
    return new IllegalArgumentException("-D" + name + "=" + value + ": expected " + expected);
  }
}
