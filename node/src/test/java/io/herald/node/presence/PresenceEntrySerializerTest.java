package io.herald.node.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import io.herald.node.config.HeraldConfig;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Presence entries survive their binary form; bytes that are not an entry are refused, not misread. */
class PresenceEntrySerializerTest {
  private final PresenceEntrySerializer serializer = new PresenceEntrySerializer(null);

  private static final List<PresenceEntry> SAMPLES =
      List.of(
          new PresenceEntry("pekko://herald@127.0.0.1:17355#-4242424242", "room:lobby", "u1", "F1a2b3", null, "{\"i\":1}", 1_765_000_000_000L),
          new PresenceEntry("", "", "", "", "", "", 0L),
          new PresenceEntry("n", "Grüße, мир, 世界 🌍", "x".repeat(300), "r2", "r1", "{\"name\":\"" + "é".repeat(400) + "\"}", Long.MAX_VALUE),
          new PresenceEntry("n", "t", "k", "r", null, "{}", -1L));

  @Test
  void everyEntryRoundTrips() throws Exception {
    for (PresenceEntry e : SAMPLES) {
      byte[] bytes = serializer.toBinary(e);
      assertThat(serializer.fromBinary(bytes, serializer.manifest(e))).isEqualTo(e);
    }
  }

  @Test
  void anEntryIsItsStringsAndAFewBytes() {
    PresenceEntry e = SAMPLES.get(0);
    int strings = 0;
    for (String s : List.of(e.node(), e.topic(), e.key(), e.ref(), e.meta())) {
      strings += s.getBytes(StandardCharsets.UTF_8).length;
    }
    assertThat(serializer.toBinary(e).length).isLessThanOrEqualTo(strings + 12);
  }

  @Test
  void truncatedExtendedAndRandomBytesAreRefused() {
    for (PresenceEntry e : SAMPLES) {
      byte[] bytes = serializer.toBinary(e);
      for (int cut = 0; cut < bytes.length; cut++) {
        assertRefused(Arrays.copyOf(bytes, cut));
      }
      assertRefused(Arrays.copyOf(bytes, bytes.length + 1));
    }
    Random random = new Random(19);
    for (int i = 0; i < 500; i++) {
      byte[] garbage = new byte[random.nextInt(64)];
      random.nextBytes(garbage);
      try {
        serializer.fromBinary(garbage, PresenceEntrySerializer.MANIFEST);
      } catch (IllegalArgumentException | NotSerializableException refused) {
        // what Distributed Data logs and drops
      }
    }
  }

  @Test
  void anUnknownManifestOrObjectIsRefused() {
    assertThatThrownBy(() -> serializer.fromBinary(serializer.toBinary(SAMPLES.get(0)), "E0")).isInstanceOf(NotSerializableException.class);
    assertThatThrownBy(() -> serializer.toBinary("not an entry")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void heraldsPekkoSettingsBindEntriesToIt() {
    Config config = HeraldConfig.load();
    String bound = config.getConfig("pekko.actor.serialization-bindings").root().get(PresenceEntry.class.getName()).unwrapped().toString();
    assertThat(config.getString("pekko.actor.serializers." + bound)).isEqualTo(PresenceEntrySerializer.class.getName());
  }

  private void assertRefused(byte[] bytes) {
    assertThatThrownBy(() -> serializer.fromBinary(bytes, PresenceEntrySerializer.MANIFEST))
        .as("%d bytes", bytes.length)
        .isInstanceOfAny(IllegalArgumentException.class, NotSerializableException.class);
  }
}
