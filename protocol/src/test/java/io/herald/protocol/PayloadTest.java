package io.herald.protocol;

import static io.herald.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a payload prints as: a client's handler that prints a payload sees what the peer sent. */
class PayloadTest {

  @Test
  void aJsonPayloadPrintsAsItsJsonText() {
    assertThat(Payload.json("{\"body\":\"hello\"}")).hasToString("{\"body\":\"hello\"}");
    assertThat(Payload.EMPTY_OBJECT).hasToString("{}");
    assertThat(String.valueOf(Payload.json("[1,true,null]"))).isEqualTo("[1,true,null]");
  }

  @Test
  void aDecodedPayloadPrintsExactlyAsTheFrameCarriedIt() {
    String payload = "{\"body\":\"caf\u00e9 \\\"quoted\\\" \\u00e9\", \"n\": 1.50}";
    Message message =
        Serializers.V2.decode(false, utf8("[null,null,\"room:1\",\"shout\"," + payload + "]"));
    assertThat(message.payload()).hasToString(payload);
  }

  @Test
  void aBinaryPayloadPrintsItsSizeNotItsBytes() {
    assertThat(Payload.binary(new byte[] {1, 2, 3})).hasToString("Binary[3 bytes]");
  }
}
