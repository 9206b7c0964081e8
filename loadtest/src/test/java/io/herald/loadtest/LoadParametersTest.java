package io.herald.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LoadParametersTest {

  private static LoadParameters with(String name, String value) {
    Properties properties = new Properties();
    properties.setProperty(name, value);
    return new LoadParameters(properties);
  }

  @Test
  void absentOrBlankMeansTheDefault() {
    assertThat(new LoadParameters(new Properties()).count("users", 1000)).isEqualTo(1000);
    assertThat(with("users", " ").count("users", 1000)).isEqualTo(1000);
  }

  @Test
  void secondsMayBeFractions() {
    assertThat(with("heartbeatSeconds", "0.25").seconds("heartbeatSeconds", 30)).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aTypoStopsTheRunNamingTheProperty() {
    assertThatThrownBy(() -> with("users", "1k").count("users", 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-Dusers=1k");
    assertThatThrownBy(() -> with("publishRate", "0").positive("publishRate", 10))
        .hasMessageContaining("-DpublishRate=0");
  }

  @Test
  void aRampShorterThanASecondIsRefused() {
    assertThatThrownBy(() -> with("rampSeconds", "0.5").ramp("rampSeconds", 60))
        .hasMessageContaining("-DrampSeconds=0.5");
    assertThat(with("rampSeconds", "1").ramp("rampSeconds", 60)).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void noFailuresAtAllIsAValidBound() {
    assertThat(with("maxFailedPercent", "0").nonNegative("maxFailedPercent", 1)).isZero();
  }
}
