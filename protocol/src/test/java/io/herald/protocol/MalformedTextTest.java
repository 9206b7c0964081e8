package io.herald.protocol;

import static io.herald.protocol.TestFrames.bytes;
import static io.herald.protocol.TestFrames.decodeError;
import static io.herald.protocol.TestFrames.protocolError;
import static io.herald.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Input classes that both JSON serializers must turn into a ProtocolException (and nothing else). */
class MalformedTextTest {

  /** Each serializer with a valid frame written around a payload placeholder. */
  static Stream<Arguments> serializers() {
    return Stream.of(
        Arguments.of("V1", Serializers.V1, "{\"topic\":\"room:1\",\"event\":\"ev\",\"ref\":\"2\",\"payload\":%s}"),
        Arguments.of("V2", Serializers.V2, "[\"1\",\"2\",\"room:1\",\"ev\",%s]"));
  }

  private static byte[] frame(String template, byte[] payload) {
    String[] parts = template.split("%s", -1);
    return bytes(parts[0], payload, parts[1]);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void invalidUtf8IsRejected(String name, Serializer s, String template) {
    int[][] bad = {
        {0xC3, 0x28},             // bad continuation
        {0x80},                   // stray continuation
        {0xC0, 0x80},             // overlong NUL
        {0xE0, 0x80, 0x80},       // overlong
        {0xED, 0xA0, 0x80},       // UTF-16 surrogate
        {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
        {0xF5, 0x80, 0x80, 0x80}, // invalid lead
        {0xFF},
        {0xE2, 0x82},             // truncated sequence
    };
    for (int[] seq : bad) {
      byte[] str = new byte[seq.length + 2];
      str[0] = '"';
      for (int i = 0; i < seq.length; i++) {
        str[i + 1] = (byte) seq[i];
      }
      str[str.length - 1] = '"';
      byte[] f = frame(template, str);
      ProtocolException e = decodeError(s, false, f);
      assertThat(e.reason()).as("%s %s", name, TestFrames.hex(f)).startsWith("invalid UTF-8 at byte ");
      assertThat(protocolError(() -> s.decodeServerFrame(false, f)).reason()).startsWith("invalid UTF-8");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void validMultibyteUtf8IsAccepted(String name, Serializer s, String template) {
    byte[] payload = utf8("\"é€😀\u07ff\uffff\"");
    assertThat(s.decode(false, frame(template, payload)).payload().bytes()).containsExactly(payload);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void byteOrderMarkAndUtf16AreRejected(String name, Serializer s, String template) {
    byte[] valid = frame(template, utf8("{}"));
    assertThat(decodeError(s, false, bytes(0xEF, 0xBB, 0xBF, valid)).reason())
        .isEqualTo("invalid JSON: the frame starts with a byte order mark");
    // Jackson would read these as UTF-16; Phoenix reads only UTF-8
    byte[] utf16 = new String(valid, java.nio.charset.StandardCharsets.UTF_8)
        .getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
    assertThat(decodeError(s, false, utf16).reason()).isEqualTo("invalid JSON: NUL byte at byte 1");
    byte[] utf16be = new String(valid, java.nio.charset.StandardCharsets.UTF_8)
        .getBytes(java.nio.charset.StandardCharsets.UTF_16BE);
    assertThat(decodeError(s, false, utf16be).reason()).isEqualTo("invalid JSON: NUL byte at byte 0");
    assertThat(decodeError(s, false, bytes(0xFE, 0xFF, 0, "[")).reason()).startsWith("invalid UTF-8 at byte 0");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void nulInsideTheFrameIsRejected(String name, Serializer s, String template) {
    assertThat(decodeError(s, false, frame(template, bytes("\"a", 0, "b\""))).reason()).startsWith("invalid JSON at byte");
    assertThat(decodeError(s, false, frame(template, bytes("{}", 0))).reason()).startsWith("invalid JSON at byte");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void deepNestingIsRejectedWithoutStackOverflow(String name, Serializer s, String template) {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    ProtocolException e = decodeError(s, false, frame(template, utf8(deep)));
    assertThat(e.reason()).startsWith("invalid JSON at byte").contains("nesting depth");
    assertThat(e.topic()).isEqualTo("room:1");

    String opener = s == Serializers.V1 ? "{\"a\":" : "[";
    ProtocolException open = decodeError(s, false, utf8(opener.repeat(200_000)));
    assertThat(open.reason()).startsWith("invalid JSON");

    ProtocolException objects = decodeError(s, false, frame(template, utf8("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000))));
    assertThat(objects.reason()).contains("nesting depth");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void nestingUpToTheLimitIsAccepted(String name, Serializer s, String template) {
    // the frame itself is depth 1, so the payload may nest 999 deep
    String deep = "[".repeat(999) + "]".repeat(999);
    assertThat(((Payload.Json) s.decode(false, frame(template, utf8(deep))).payload()).text()).isEqualTo(deep);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void hugeNumbersAreRejected(String name, Serializer s, String template) {
    ProtocolException e = decodeError(s, false, frame(template, utf8("1".repeat(1001))));
    assertThat(e.reason()).startsWith("invalid JSON at byte").contains("Number value length");
    assertThat(decodeError(s, false, frame(template, utf8("0." + "1".repeat(1200)))).reason())
        .contains("Number value length");
    // a large but allowed number is kept as written, not rounded
    String big = "1".repeat(400) + ".5e99999";
    assertThat(((Payload.Json) s.decode(false, frame(template, utf8(big))).payload()).text()).isEqualTo(big);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void lonelyEscapedSurrogatesArePassedThroughAsWritten(String name, Serializer s, String template) {
    // JSON allows them and browsers' JSON.parse accepts them; the bytes are forwarded untouched
    byte[] payload = utf8("\"\\ud800\"");
    assertThat(s.decode(false, frame(template, payload)).payload().bytes()).containsExactly(payload);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void brokenEscapesAreRejected(String name, Serializer s, String template) {
    assertThat(decodeError(s, false, frame(template, utf8("\"\\x\""))).reason()).startsWith("invalid JSON");
    assertThat(decodeError(s, false, frame(template, utf8("\"\\u12\""))).reason()).startsWith("invalid JSON");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serializers")
  void truncatedFramesAreRejected(String name, Serializer s, String template) {
    byte[] valid = frame(template, utf8("{\"a\":[1,2,\"x\"]}"));
    for (int len = 0; len < valid.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(valid, len);
      ProtocolException e = decodeError(s, false, cut);
      assertThat(e.reason()).as("%s cut at %d", name, len).isNotBlank();
    }
  }
}
