package io.herald.protocol;

import static io.herald.protocol.TestFrames.decodeError;
import static io.herald.protocol.TestFrames.json;
import static io.herald.protocol.TestFrames.protocolError;
import static io.herald.protocol.TestFrames.text;
import static io.herald.protocol.TestFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class V2JsonSerializerTest {
  private final Serializer v2 = Serializers.V2;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Message decode(String frame) {
    return v2.decode(false, utf8(frame));
  }

  @Test
  void v2SpeaksVersion2WithBinary() {
    assertThat(v2.vsn()).isEqualTo("2.0.0");
    assertThat(v2.supportsBinary()).isTrue();
  }

  @Nested
  class ServerDecodesText {
    @Test
    void v2DecodeReadsTheFiveFields() {
      Message m = decode("[\"1\",\"2\",\"room:1\",\"new_msg\",{\"body\":\"hi\"}]");
      assertThat(m).isEqualTo(new Message("1", "2", "room:1", "new_msg", json("{\"body\":\"hi\"}")));
    }

    @Test
    void v2DecodeReadsTheGuideExamples() {
      assertThat(decode("[\"0\",\"0\",\"miami:weather\",\"phx_join\",{\"some\":\"param\"}]"))
          .isEqualTo(new Message("0", "0", "miami:weather", "phx_join", json("{\"some\":\"param\"}")));
      assertThat(decode("[\"0\",\"1\",\"miami:weather\",\"phx_leave\",{}]"))
          .isEqualTo(new Message("0", "1", "miami:weather", "phx_leave", Payload.EMPTY_OBJECT));
      assertThat(decode("[null,\"2\",\"phoenix\",\"heartbeat\",{}]"))
          .isEqualTo(new Message(null, "2", "phoenix", "heartbeat", Payload.EMPTY_OBJECT));
    }

    /** Small refs are shared strings (sockets keep their join refs); every ref still reads as sent. */
    @Test
    void v2DecodeSharesSmallRefsAndReadsEveryRefAsSent() {
      Message a = decode("[\"1\",\"42\",\"room:1\",\"e\",{}]");
      Message b = decode("[\"1\",42,\"room:1\",\"e\",{}]");
      assertThat(b.joinRef()).isSameAs(a.joinRef()).isEqualTo("1");
      assertThat(b.ref()).isSameAs(a.ref()).isEqualTo("42");
      assertThat(decode("[\"999\",\"0\",\"t\",\"e\",{}]")).extracting(Message::joinRef, Message::ref).containsExactly("999", "0");
      assertThat(decode("[\"1000\",\"007\",\"t\",\"e\",{}]")).extracting(Message::joinRef, Message::ref).containsExactly("1000", "007");
      assertThat(decode("[\"\",\"-1\",\"t\",\"e\",{}]")).extracting(Message::joinRef, Message::ref).containsExactly("", "-1");
      assertThat(decode("[\"1a\",\"a1\",\"t\",\"e\",{}]")).extracting(Message::joinRef, Message::ref).containsExactly("1a", "a1");
      assertThat(decode("[null,\"00\",\"t\",\"e\",{}]")).extracting(Message::joinRef, Message::ref).containsExactly(null, "00");
    }

    @Test
    void v2DecodeKeepsPayloadBytesExactly() {
      String payload = "{ \"b\" : [1 , 2.50, 1.0e+2, \"\\u00e9\", \"é\", \"\\\"q\\\"\", true],\n\t\"a\":null , \"z\":{} }";
      Message m = decode("[ \"1\" , \"2\" , \"room:1\" , \"ev\" ,  " + payload + "  ]");
      assertThat(((Payload.Json) m.payload()).text()).isEqualTo(payload);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"text\"", "\"with \\\"escapes\\\" \\\\ \\n\"", "\"\"", "0", "-12", "3.25e-7",
        "true", "false", "null", "[]", "[1,[2,[3]]]", "{}", "\"é😀\""})
    void v2DecodeKeepsAnyPayloadValueExactly(String payload) {
      Message m = decode("[\"1\",\"2\",\"t\",\"e\", " + payload + " ]");
      assertThat(((Payload.Json) m.payload()).text()).isEqualTo(payload);
      Message tight = decode("[\"1\",\"2\",\"t\",\"e\"," + payload + "]");
      assertThat(((Payload.Json) tight.payload()).text()).isEqualTo(payload);
    }

    @Test
    void v2DecodeTurnsIntegerRefsIntoTheirText() {
      Message m = decode("[1,22,\"room:1\",\"ev\",{}]");
      assertThat(m.joinRef()).isEqualTo("1");
      assertThat(m.ref()).isEqualTo("22");
      assertThat(decode("[-3,123456789012345678901234567890,\"t\",\"e\",{}]").ref())
          .isEqualTo("123456789012345678901234567890");
    }

    @Test
    void v2DecodeIgnoresExtraTrailingElements() {
      Message m = decode("[\"1\",\"2\",\"room:1\",\"ev\",{\"a\":1},\"extra\",[1,{\"x\":[]}],{\"y\":2},null]");
      assertThat(m).isEqualTo(new Message("1", "2", "room:1", "ev", json("{\"a\":1}")));
    }

    @Test
    void v2DecodeAcceptsWhitespaceAroundTheFrame() {
      assertThat(decode(" \r\n\t[\"1\",\"2\",\"t\",\"e\",{}] \n").topic()).isEqualTo("t");
    }

    @Test
    void v2DecodeUnescapesStringFields() {
      Message m = decode("[\"a\\\"b\",\"\\u0031\",\"room:\\u00e9\\n\\ud83d\\ude00\",\"ev\\\\\",{}]");
      assertThat(m.joinRef()).isEqualTo("a\"b");
      assertThat(m.ref()).isEqualTo("1");
      assertThat(m.topic()).isEqualTo("room:é\n😀");
      assertThat(m.event()).isEqualTo("ev\\");
    }
  }

  @Nested
  class ServerEncodesText {
    @Test
    void v2EncodeReplyWritesStatusAndRawResponse() {
      EncodedFrame f = v2.encodeReply(new Reply("1", "2", "room:1", "ok", json("{\"a\": 1}")));
      assertThat(f.binary()).isFalse();
      assertThat(text(f)).isEqualTo("[\"1\",\"2\",\"room:1\",\"phx_reply\",{\"status\":\"ok\",\"response\":{\"a\": 1}}]");
    }

    @Test
    void v2EncodeHeartbeatReplyHasNullJoinRef() {
      EncodedFrame f = v2.encodeReply(new Reply(null, "3", "phoenix", "ok", Payload.EMPTY_OBJECT));
      assertThat(text(f)).isEqualTo("[null,\"3\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
    }

    @Test
    void v2EncodePushHasNoRef() {
      EncodedFrame f = v2.encodePush("1", "room:1", "ev", json("{\"x\":1}"));
      assertThat(f.binary()).isFalse();
      assertThat(text(f)).isEqualTo("[\"1\",null,\"room:1\",\"ev\",{\"x\":1}]");
    }

    @Test
    void v2EncodeBroadcastHasNeitherRef() {
      EncodedFrame f = v2.encodeBroadcast("room:1", "ev", json("{\"x\":1}"));
      assertThat(f.binary()).isFalse();
      assertThat(text(f)).isEqualTo("[null,null,\"room:1\",\"ev\",{\"x\":1}]");
    }

    @Test
    void v2EncodeCopiesPayloadBytesVerbatim() {
      String odd = "{ \"k\" :\t[1 ,2.50 ,\"\\u00e9\"] }";
      assertThat(text(v2.encodeBroadcast("t", "e", json(odd)))).isEqualTo("[null,null,\"t\",\"e\"," + odd + "]");
    }

    @Test
    void v2EncodeEscapesStrings() throws Exception {
      String nasty = "q\"b\\s/n\nr\rt\tc\u0001\u001f del\u007f é € 😀 lone\ud800x end\udc00";
      EncodedFrame f = v2.encodeBroadcast(nasty, "e\"v", Payload.EMPTY_OBJECT);
      JsonNode node = MAPPER.readTree(f.bytes());
      assertThat(node.get(2).textValue()).isEqualTo(nasty);
      assertThat(node.get(3).textValue()).isEqualTo("e\"v");
      assertThat(text(f)).contains("q\\\"b\\\\s/n\\nr\\rt\\tc\\u0001\\u001f del\u007f é € 😀 lone\\ud800x end\\udc00");
      // and our own decoder reads back the same strings
      assertThat(v2.decodeServerFrame(false, f.bytes())).isEqualTo(new Message(null, null, nasty, "e\"v", Payload.EMPTY_OBJECT));
    }

    @Test
    void v2EncodeRefusesMissingFields() {
      assertThat(protocolError(() -> v2.encodeBroadcast(null, "e", Payload.EMPTY_OBJECT)).reason())
          .isEqualTo("topic must be a non-empty string");
      assertThat(protocolError(() -> v2.encodePush("1", "t", "", Payload.EMPTY_OBJECT)).reason())
          .isEqualTo("event must be a non-empty string");
      assertThat(protocolError(() -> v2.encodePush("1", "t", "e", null)).reason()).contains("payload");
      assertThat(protocolError(() -> v2.encodeBroadcast("t", "e", json(""))).reason())
          .contains("payload must hold one JSON value");
      assertThat(protocolError(() -> v2.encodeReply(new Reply("1", "2", "t", null, Payload.EMPTY_OBJECT))).reason())
          .isEqualTo("status must be a non-empty string");
      assertThat(protocolError(() -> v2.encodeReply(null)).reason()).contains("reply");
      assertThat(protocolError(() -> v2.encodeClientMessage(null)).reason()).contains("message");
    }
  }

  @Nested
  class ClientSide {
    @Test
    void v2EncodeClientMessageWritesTheArray() {
      EncodedFrame f = v2.encodeClientMessage(new Message("1", "2", "room:1", "ev", json("{\"a\":[1]}")));
      assertThat(f.binary()).isFalse();
      assertThat(text(f)).isEqualTo("[\"1\",\"2\",\"room:1\",\"ev\",{\"a\":[1]}]");
      assertThat(text(v2.encodeClientMessage(new Message(null, "7", "phoenix", "heartbeat", Payload.EMPTY_OBJECT))))
          .isEqualTo("[null,\"7\",\"phoenix\",\"heartbeat\",{}]");
    }

    @Test
    void v2DecodeServerFrameTurnsPhxReplyIntoReply() {
      ServerFrame f = v2.decodeServerFrame(false,
          utf8("[\"1\",\"2\",\"room:1\",\"phx_reply\",{\"response\": {\"id\" : 5},\"status\":\"error\"}]"));
      assertThat(f).isEqualTo(new Reply("1", "2", "room:1", "error", json("{\"id\" : 5}")));
    }

    @Test
    void v2DecodeServerFrameGivesEmptyObjectWhenResponseIsAbsent() {
      ServerFrame f = v2.decodeServerFrame(false, utf8("[null,\"9\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\"}]"));
      assertThat(f).isEqualTo(new Reply(null, "9", "phoenix", "ok", Payload.EMPTY_OBJECT));
    }

    @Test
    void v2DecodeServerFrameKeepsScalarResponses() {
      ServerFrame f = v2.decodeServerFrame(false,
          utf8("[\"1\",\"2\",\"t\",\"phx_reply\",{\"status\":\"ok\",\"response\":\"done\",\"extra\":[1]}]"));
      assertThat(((Reply) f).response()).isEqualTo(json("\"done\""));
    }

    @Test
    void v2DecodeServerFrameReturnsOtherEventsAsMessages() {
      assertThat(v2.decodeServerFrame(false, utf8("[\"1\",null,\"room:1\",\"phx_close\",{}]")))
          .isEqualTo(new Message("1", null, "room:1", "phx_close", Payload.EMPTY_OBJECT));
      assertThat(v2.decodeServerFrame(false, utf8("[\"1\",\"1\",\"room:1\",\"phx_error\",{\"reason\":\"channel_crash\"}]")))
          .isEqualTo(new Message("1", "1", "room:1", "phx_error", json("{\"reason\":\"channel_crash\"}")));
    }

    @Test
    void v2DecodeServerFrameRejectsMalformedReplies() {
      ProtocolException notObject = protocolError(() ->
          v2.decodeServerFrame(false, utf8("[\"1\",\"2\",\"room:1\",\"phx_reply\",[\"ok\"]]")));
      assertThat(notObject.reason()).startsWith("phx_reply payload must be a JSON object");
      assertThat(notObject.topic()).isEqualTo("room:1");
      assertThat(notObject.ref()).isEqualTo("2");

      ProtocolException noStatus = protocolError(() ->
          v2.decodeServerFrame(false, utf8("[\"1\",\"2\",\"room:1\",\"phx_reply\",{\"response\":{}}]")));
      assertThat(noStatus.reason()).isEqualTo("phx_reply payload has no status");

      ProtocolException badStatus = protocolError(() ->
          v2.decodeServerFrame(false, utf8("[\"1\",\"2\",\"room:1\",\"phx_reply\",{\"status\":200}]")));
      assertThat(badStatus.reason()).isEqualTo("phx_reply status must be a non-empty string, got an integer");
    }
  }

  @Nested
  class Malformed {
    @Test
    void v2RejectsInvalidJson() {
      ProtocolException e = decodeError(v2, "[\"1\",\"2\",\"room:1\",\"ev\",{\"a\":}]");
      assertThat(e.reason()).startsWith("invalid JSON at byte ");
      assertThat(e.getCause()).isNotNull();
      // the fields read before the error are kept, so the server can address an error reply
      assertThat(e.topic()).isEqualTo("room:1");
      assertThat(e.ref()).isEqualTo("2");
      assertThat(e.canReply()).isTrue();
    }

    @Test
    void v2RejectsAnUnterminatedArray() {
      ProtocolException e = decodeError(v2, "[\"1\",\"2\",\"room:1\"");
      assertThat(e.reason()).startsWith("invalid JSON");
      assertThat(e.topic()).isEqualTo("room:1");
    }

    @Test
    void v2RejectsAV1Object() {
      ProtocolException e = decodeError(v2, "{\"topic\":\"room:1\",\"event\":\"ev\",\"payload\":{},\"ref\":\"1\"}");
      assertThat(e.reason()).isEqualTo(
          "expected a JSON array of 5 elements [join_ref, ref, topic, event, payload], got a JSON object (a protocol 1.0.0 message?)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"str\"", "42", "null", "true", "1.5"})
    void v2RejectsScalarFrames(String frame) {
      assertThat(decodeError(v2, frame).reason()).startsWith("expected a JSON array of 5 elements");
    }

    @Test
    void v2RejectsTooFewElements() {
      ProtocolException e = decodeError(v2, "[\"1\",\"2\",\"room:1\",\"ev\"]");
      assertThat(e.reason()).isEqualTo(
          "expected a JSON array of 5 elements [join_ref, ref, topic, event, payload], got 4 elements");
      assertThat(e.topic()).isEqualTo("room:1");
      assertThat(e.ref()).isEqualTo("2");
      assertThat(decodeError(v2, "[]").reason()).endsWith("got 0 elements");
      assertThat(decodeError(v2, "[null]").reason()).endsWith("got 1 element");
    }

    @Test
    void v2RejectsANumericEventButKeepsTopicAndRef() {
      ProtocolException e = decodeError(v2, "[\"1\",\"2\",\"room:1\",42,{}]");
      assertThat(e.reason()).isEqualTo("event must be a non-empty string, got an integer");
      assertThat(e.joinRef()).isEqualTo("1");
      assertThat(e.ref()).isEqualTo("2");
      assertThat(e.topic()).isEqualTo("room:1");
      assertThat(e.canReply()).isTrue();
    }

    @Test
    void v2ReportsABadJoinRefWithTheTopicAndRefReadAfterIt() {
      ProtocolException e = decodeError(v2, "[{\"x\":1},\"2\",\"room:1\",\"ev\",{}]");
      assertThat(e.reason()).isEqualTo("join_ref must be a string, an integer or null, got a JSON object");
      assertThat(e.topic()).isEqualTo("room:1");
      assertThat(e.ref()).isEqualTo("2");
      assertThat(e.joinRef()).isNull();
    }

    @Test
    void v2RejectsWrongElementTypes() {
      assertThat(decodeError(v2, "[\"1\",[2],\"t\",\"e\",{}]").reason())
          .isEqualTo("ref must be a string, an integer or null, got a JSON array");
      assertThat(decodeError(v2, "[\"1\",2.5,\"t\",\"e\",{}]").reason())
          .isEqualTo("ref must be a string, an integer or null, got a decimal number");
      assertThat(decodeError(v2, "[\"1\",true,\"t\",\"e\",{}]").reason())
          .isEqualTo("ref must be a string, an integer or null, got true");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"\",\"e\",{}]").reason())
          .isEqualTo("topic must be a non-empty string, got an empty string");
      assertThat(decodeError(v2, "[\"1\",\"2\",null,\"e\",{}]").reason())
          .isEqualTo("topic must be a non-empty string, got null");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",{},{}]").reason())
          .isEqualTo("event must be a non-empty string, got a JSON object");
    }

    @Test
    void v2RejectsTrailingData() {
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",{}] x").reason()).startsWith("invalid JSON at byte");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",{}]]").reason()).startsWith("invalid JSON at byte");
      ProtocolException second = decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",{}][\"1\",\"2\",\"t\",\"e\",{}]");
      assertThat(second.reason()).isEqualTo("invalid JSON: trailing data after the array");
      assertThat(second.topic()).isEqualTo("t");
    }

    @Test
    void v2RejectsEmptyFrames() {
      assertThat(decodeError(v2, "").reason()).isEqualTo("empty frame");
      assertThat(decodeError(v2, false, null).reason()).isEqualTo("empty frame");
      assertThat(decodeError(v2, " \n ").reason()).isEqualTo("frame holds no JSON value");
    }

    @Test
    void v2RejectsNonStandardJson() {
      assertThat(decodeError(v2, "['1','2','t','e',{}]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",{a:1}]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",{}, ]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",NaN]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",/*c*/{}]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",[01]]").reason()).startsWith("invalid JSON");
      assertThat(decodeError(v2, "[\"1\",\"2\",\"t\",\"e\",\"tab\tinside\"]").reason()).startsWith("invalid JSON");
    }
  }
}
