package io.herald.protocol;

import static io.herald.protocol.TestFrames.decodeError;
import static io.herald.protocol.TestFrames.json;
import static io.herald.protocol.TestFrames.protocolError;
import static io.herald.protocol.TestFrames.text;
import static io.herald.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class V1JsonSerializerTest {
  private final Serializer v1 = Serializers.V1;

  private Message decode(String frame) {
    return v1.decode(false, utf8(frame));
  }

  @Test
  void v1SpeaksVersion1WithoutBinary() {
    assertThat(v1.vsn()).isEqualTo("1.0.0");
    assertThat(v1.supportsBinary()).isFalse();
  }

  @Test
  void v1DecodeReadsTheObject() {
    Message m = decode("{\"topic\":\"room:1\",\"event\":\"new_msg\",\"payload\":{\"body\":\"hi\"},\"ref\":\"2\"}");
    assertThat(m).isEqualTo(new Message(null, "2", "room:1", "new_msg", json("{\"body\":\"hi\"}")));
  }

  @Test
  void v1DecodeAcceptsKeysInAnyOrderWithOptionalJoinRefAndUnknownKeys() {
    Message m = decode("{\"extra\":[1,{\"a\":2}],\"ref\":5,\"payload\" : [ 1 ,2 ] ,\"join_ref\":\"3\","
        + "\"event\":\"ev\",\"topic\":\"room:1\"}");
    assertThat(m).isEqualTo(new Message("3", "5", "room:1", "ev", json("[ 1 ,2 ]")));
  }

  @Test
  void v1DecodeAcceptsANullRef() {
    assertThat(decode("{\"topic\":\"t\",\"event\":\"e\",\"payload\":{},\"ref\":null,\"join_ref\":null}"))
        .isEqualTo(new Message(null, null, "t", "e", Payload.EMPTY_OBJECT));
  }

  @Test
  void v1DecodeKeepsPayloadBytesExactly() {
    String payload = "{ \"b\" : [1 , 2.50, \"\\u00e9\", \"é\"],\n\"a\":null }";
    Message m = decode("{\"topic\":\"t\",\"event\":\"e\",\"payload\":" + payload + ",\"ref\":\"1\"}");
    assertThat(((Payload.Json) m.payload()).text()).isEqualTo(payload);
    assertThat(((Payload.Json) decode("{\"topic\":\"t\",\"event\":\"e\",\"payload\": \"s\" ,\"ref\":\"1\"}")
        .payload()).text()).isEqualTo("\"s\"");
  }

  @Test
  void v1EncodeReplyHasPhxReplyEventAndNoJoinRef() {
    EncodedFrame f = v1.encodeReply(new Reply("1", "2", "room:1", "ok", json("{\"a\":1}")));
    assertThat(f.binary()).isFalse();
    assertThat(text(f)).isEqualTo(
        "{\"topic\":\"room:1\",\"event\":\"phx_reply\",\"payload\":{\"status\":\"ok\",\"response\":{\"a\":1}},\"ref\":\"2\"}");
  }

  @Test
  void v1EncodePushAndBroadcastHaveANullRefAndNoJoinRef() {
    assertThat(text(v1.encodePush("1", "room:1", "ev", json("{\"x\":1}"))))
        .isEqualTo("{\"topic\":\"room:1\",\"event\":\"ev\",\"payload\":{\"x\":1},\"ref\":null}");
    assertThat(text(v1.encodeBroadcast("room:1", "ev", json("[1]"))))
        .isEqualTo("{\"topic\":\"room:1\",\"event\":\"ev\",\"payload\":[1],\"ref\":null}");
  }

  @Test
  void v1EncodeClientMessageIncludesJoinRefOnlyWhenPresent() {
    assertThat(text(v1.encodeClientMessage(new Message("1", "2", "room:1", "phx_join", Payload.EMPTY_OBJECT))))
        .isEqualTo("{\"topic\":\"room:1\",\"event\":\"phx_join\",\"payload\":{},\"ref\":\"2\",\"join_ref\":\"1\"}");
    assertThat(text(v1.encodeClientMessage(new Message(null, "3", "phoenix", "heartbeat", Payload.EMPTY_OBJECT))))
        .isEqualTo("{\"topic\":\"phoenix\",\"event\":\"heartbeat\",\"payload\":{},\"ref\":\"3\"}");
  }

  @Test
  void v1EncodeEscapesStrings() {
    assertThat(text(v1.encodeBroadcast("a\"b\\c\n", "é", Payload.EMPTY_OBJECT)))
        .isEqualTo("{\"topic\":\"a\\\"b\\\\c\\n\",\"event\":\"é\",\"payload\":{},\"ref\":null}");
  }

  @Test
  void v1DecodeServerFrameTurnsPhxReplyIntoReplyWhateverTheKeyOrder() {
    // the payload comes before the event here, so the reply is recognised after the whole object is read
    ServerFrame f = v1.decodeServerFrame(false, utf8(
        "{\"payload\":{\"status\":\"ok\",\"response\":{\"n\": 1}},\"ref\":\"2\",\"event\":\"phx_reply\",\"topic\":\"room:1\"}"));
    assertThat(f).isEqualTo(new Reply(null, "2", "room:1", "ok", json("{\"n\": 1}")));
  }

  @Test
  void v1DecodeServerFrameReturnsPushesAsMessages() {
    ServerFrame f = v1.decodeServerFrame(false,
        utf8("{\"topic\":\"room:1\",\"event\":\"ev\",\"payload\":{\"x\":1},\"ref\":null}"));
    assertThat(f).isEqualTo(new Message(null, null, "room:1", "ev", json("{\"x\":1}")));
  }

  // ---- malformed ----

  @ParameterizedTest
  @ValueSource(strings = {"topic", "event", "payload", "ref"})
  void v1RejectsAMissingKey(String key) {
    String all = "{\"topic\":\"room:1\",\"event\":\"ev\",\"payload\":{},\"ref\":\"2\"}";
    String without = all.replaceFirst("\"" + key + "\":(\"[^\"]*\"|\\{\\}),?", "").replace(",}", "}");
    ProtocolException e = decodeError(v1, without);
    assertThat(e.reason()).isEqualTo("missing key \"" + key + "\" (a 1.0.0 message has topic, event, payload and ref)");
    if (!key.equals("topic") && !key.equals("ref")) {
      assertThat(e.topic()).isEqualTo("room:1");
      assertThat(e.ref()).isEqualTo("2");
    }
  }

  @Test
  void v1RejectsAV2Array() {
    assertThat(decodeError(v1, "[\"1\",\"2\",\"t\",\"e\",{}]").reason()).isEqualTo(
        "expected a JSON object {\"topic\",\"event\",\"payload\",\"ref\"}, got a JSON array (a protocol 2.0.0 message?)");
  }

  @Test
  void v1RejectsWrongValueTypesButKeepsTopicAndRef() {
    ProtocolException e = decodeError(v1, "{\"event\":7,\"topic\":\"room:1\",\"payload\":{},\"ref\":\"2\"}");
    assertThat(e.reason()).isEqualTo("event must be a non-empty string, got an integer");
    assertThat(e.topic()).isEqualTo("room:1");
    assertThat(e.ref()).isEqualTo("2");
    assertThat(e.canReply()).isTrue();

    assertThat(decodeError(v1, "{\"topic\":[],\"event\":\"e\",\"payload\":{},\"ref\":\"2\"}").reason())
        .isEqualTo("topic must be a non-empty string, got a JSON array");
    assertThat(decodeError(v1, "{\"topic\":\"t\",\"event\":\"e\",\"payload\":{},\"ref\":{}}").reason())
        .isEqualTo("ref must be a string, an integer or null, got a JSON object");
    assertThat(decodeError(v1, "{\"topic\":\"t\",\"event\":\"e\",\"payload\":{},\"ref\":\"1\",\"join_ref\":false}").reason())
        .isEqualTo("join_ref must be a string, an integer or null, got false");
  }

  @Test
  void v1RejectsInvalidJsonWithWhatWasRead() {
    ProtocolException e = decodeError(v1, "{\"topic\":\"room:1\",\"ref\":\"2\",\"payload\":{\"a\" 1}}");
    assertThat(e.reason()).startsWith("invalid JSON at byte");
    assertThat(e.topic()).isEqualTo("room:1");
    assertThat(e.ref()).isEqualTo("2");
  }

  @Test
  void v1RejectsTrailingDataAndEmptyFrames() {
    assertThat(decodeError(v1, "{\"topic\":\"t\",\"event\":\"e\",\"payload\":{},\"ref\":\"1\"}{}").reason())
        .isEqualTo("invalid JSON: trailing data after the object");
    assertThat(decodeError(v1, "").reason()).isEqualTo("empty frame");
    assertThat(decodeError(v1, "  ").reason()).isEqualTo("frame holds no JSON value");
    assertThat(decodeError(v1, "\"x\"").reason()).startsWith("expected a JSON object");
  }

  @Test
  void v1DecodeServerFrameRejectsAReplyWithoutStatus() {
    ProtocolException e = protocolError(() -> v1.decodeServerFrame(false,
        utf8("{\"topic\":\"room:1\",\"event\":\"phx_reply\",\"payload\":{},\"ref\":\"2\"}")));
    assertThat(e.reason()).isEqualTo("phx_reply payload has no status");
    assertThat(e.canReply()).isTrue();
  }
}
