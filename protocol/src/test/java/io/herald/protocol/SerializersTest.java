package io.herald.protocol;

import static io.herald.protocol.TestFrames.protocolError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SerializersTest {

  @Test
  void missingVsnMeansVersion1AsInPhoenix() {
    assertThat(Serializers.forVsn(null)).isSameAs(Serializers.V1);
    assertThat(Serializers.DEFAULT_VSN).isEqualTo("1.0.0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.0.0", "1.0", "1.1.0", "1.0.0-rc1"})
  void version1xPicksV1(String vsn) {
    assertThat(Serializers.forVsn(vsn)).isSameAs(Serializers.V1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2.0.0", "2.0", "2.1.3"})
  void version2xPicksV2(String vsn) {
    assertThat(Serializers.forVsn(vsn)).isSameAs(Serializers.V2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "3.0.0", "0.9", "2", "v2.0.0", "12.0.0", " 2.0.0"})
  void otherVersionsAreRefused(String vsn) {
    assertThat(protocolError(() -> Serializers.forVsn(vsn)).reason())
        .isEqualTo("unsupported protocol version \"" + vsn + "\"; supported: 1.x, 2.x");
  }

  @Test
  void singletonsReportTheirVersions() {
    assertThat(Serializers.V1.vsn()).isEqualTo(V1JsonSerializer.VSN).isEqualTo("1.0.0");
    assertThat(Serializers.V2.vsn()).isEqualTo(V2JsonSerializer.VSN).isEqualTo("2.0.0");
  }
}
