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

  /** A simulation that reads users, rampSeconds and roomSize, as ChatRoomSimulation does (among others). */
  private static void readLikeAChatRoom(LoadParameters p) {
    p.count("users", 1000);
    p.ramp("rampSeconds", 60);
    p.count("roomSize", 10);
  }

  private static LoadParameters withAll(String... namesAndValues) {
    Properties properties = new Properties();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      properties.setProperty(namesAndValues[i], namesAndValues[i + 1]);
    }
    return new LoadParameters(properties);
  }

  @Test
  void aMisspeltParameterIsRefusedWithTheLikelyOne() {
    for (String[] typo : new String[][] {
        {"user", "users"}, {"Users", "users"}, {"usres", "users"}, {"ramp", "rampSeconds"},
        {"rampSecond", "rampSeconds"}, {"roomsize", "roomSize"}, {"room", "roomSize"}}) {
      LoadParameters p = withAll(typo[0], "10");
      readLikeAChatRoom(p);
      assertThatThrownBy(() -> p.refuseUnknown("ChatRoomSimulation"))
          .as(typo[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-D" + typo[0] + " is not a parameter of ChatRoomSimulation; did you mean -D" + typo[1] + "?");
    }
  }

  @Test
  void anotherSimulationsParameterIsRefused() {
    LoadParameters p = withAll("publishRate", "50", "users", "10");
    readLikeAChatRoom(p);
    assertThatThrownBy(() -> p.refuseUnknown("ChatRoomSimulation"))
        .hasMessage("-DpublishRate is not a parameter of ChatRoomSimulation, which reads users, rampSeconds, roomSize");
  }

  @Test
  void theJvmsMavensAndGatlingsOwnPropertiesPass() {
    LoadParameters p = withAll(
        "users", "10", "java.version", "17", "user.name", "ada", "user.dir", "/tmp", "maven.home", "/usr/share/maven",
        "gatling.simulationClass", "io.herald.loadtest.ChatRoomSimulation", "gatling.noReports", "true",
        "skipTests", "true", "test", "SomeTest", "basedir", "/work", "localRepository", "/root/.m2",
        "argLine", "-Xmx1g", "classworlds.conf", "/etc/m2.conf", "library.jansi.path", "/x", "file.encoding", "UTF-8");
    readLikeAChatRoom(p);
    p.refuseUnknown("ChatRoomSimulation");
  }

  @Test
  void everyParameterReadIsListed() {
    assertThatThrownBy(() -> new LoadParameters(new Properties()).count("userz", 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("userz");
  }

  @Test
  void editDistanceCountsTranspositionsAsOne() {
    assertThat(LoadParameters.editDistance("ramp", "rmap")).isEqualTo(1);
    assertThat(LoadParameters.editDistance("user", "users")).isEqualTo(1);
    assertThat(LoadParameters.editDistance("test", "topic")).isEqualTo(4);
  }

  @Test
  void noFailuresAtAllIsAValidBound() {
    assertThat(with("maxFailedPercent", "0").nonNegative("maxFailedPercent", 1)).isZero();
  }
}
