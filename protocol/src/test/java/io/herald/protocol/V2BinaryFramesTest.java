package io.herald.protocol;

import static io.herald.protocol.TestFrames.bin;
import static io.herald.protocol.TestFrames.bytes;
import static io.herald.protocol.TestFrames.decodeError;
import static io.herald.protocol.TestFrames.json;
import static io.herald.protocol.TestFrames.protocolError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class V2BinaryFramesTest {
  private final Serializer v2 = Serializers.V2;

  @Test
  void clientPushEncodesToTheVerifiedReferenceBytes() {
    EncodedFrame f = v2.encodeClientMessage(new Message("1", "2", "room:1", "ev", bin(9, 8)));
    assertThat(f.binary()).isTrue();
    assertThat(f.bytes()).containsExactly(bytes(0, 1, 1, 6, 2, "1", "2", "room:1", "ev", 9, 8));
  }

  @Test
  void serverDecodesTheVerifiedClientPush() {
    Message m = v2.decode(true, bytes(0, 1, 1, 6, 2, "1", "2", "room:1", "ev", 9, 8));
    assertThat(m).isEqualTo(new Message("1", "2", "room:1", "ev", bin(9, 8)));
  }

  @Test
  void serverPushUsesKind0WithoutRef() {
    EncodedFrame f = v2.encodePush("12", "room:1", "ev", bin(1, 2, 3));
    assertThat(f.binary()).isTrue();
    assertThat(f.bytes()).containsExactly(bytes(0, 2, 6, 2, "12", "room:1", "ev", 1, 2, 3));
    assertThat(v2.decodeServerFrame(true, f.bytes()))
        .isEqualTo(new Message("12", null, "room:1", "ev", bin(1, 2, 3)));
  }

  @Test
  void binaryReplyUsesKind1WithStatusField() {
    EncodedFrame f = v2.encodeReply(new Reply("1", "34", "room:1", "ok", bin(7)));
    assertThat(f.binary()).isTrue();
    assertThat(f.bytes()).containsExactly(bytes(1, 1, 2, 6, 2, "1", "34", "room:1", "ok", 7));
    assertThat(v2.decodeServerFrame(true, f.bytes())).isEqualTo(new Reply("1", "34", "room:1", "ok", bin(7)));
  }

  @Test
  void binaryBroadcastUsesKind2WithTopicAndEventOnly() {
    EncodedFrame f = v2.encodeBroadcast("room:1", "ev", bin(0, 255));
    assertThat(f.binary()).isTrue();
    assertThat(f.bytes()).containsExactly(bytes(2, 6, 2, "room:1", "ev", 0, 255));
    assertThat(v2.decodeServerFrame(true, f.bytes())).isEqualTo(new Message(null, null, "room:1", "ev", bin(0, 255)));
  }

  @Test
  void nullJoinRefIsAZeroLengthFieldAndDecodesToNull() {
    EncodedFrame push = v2.encodePush(null, "t", "e", bin(5));
    assertThat(push.bytes()).containsExactly(bytes(0, 0, 1, 1, "t", "e", 5));
    assertThat(v2.decodeServerFrame(true, push.bytes())).isEqualTo(new Message(null, null, "t", "e", bin(5)));

    EncodedFrame client = v2.encodeClientMessage(new Message(null, null, "t", "e", bin()));
    assertThat(client.bytes()).containsExactly(bytes(0, 0, 0, 1, 1, "t", "e"));
    assertThat(v2.decode(true, client.bytes())).isEqualTo(new Message(null, null, "t", "e", bin()));

    EncodedFrame reply = v2.encodeReply(new Reply(null, "3", "t", "error", bin()));
    assertThat(reply.bytes()).containsExactly(bytes(1, 0, 1, 1, 5, "3", "t", "error"));
  }

  @Test
  void fieldSizesCountUtf8Bytes() {
    EncodedFrame f = v2.encodeBroadcast("salle:é", "évé", bin(1));
    assertThat(f.bytes()).containsExactly(bytes(2, 8, 5, "salle:é", "évé", 1));
    assertThat(v2.decodeServerFrame(true, f.bytes())).isEqualTo(new Message(null, null, "salle:é", "évé", bin(1)));
  }

  @Test
  void dataMayBeEmptyOrHoldAnyBytes() {
    assertThat(v2.decode(true, bytes(0, 1, 1, 1, 1, "1", "2", "t", "e")).payload()).isEqualTo(bin());
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    Message m = v2.decode(true, bytes(0, 1, 1, 1, 1, "1", "2", "t", "e", all));
    assertThat(m.payload().bytes()).containsExactly(all);
  }

  @Test
  void fieldsOf255BytesFitAnd256DoNot() {
    String max = "t".repeat(255);
    EncodedFrame ok = v2.encodeBroadcast(max, "e", bin());
    assertThat(ok.bytes()[1] & 0xFF).isEqualTo(255);
    assertThat(v2.decodeServerFrame(true, ok.bytes())).isEqualTo(new Message(null, null, max, "e", bin()));

    ProtocolException e = protocolError(() -> v2.encodeBroadcast("t".repeat(256), "e", bin()));
    assertThat(e.reason()).isEqualTo("binary frame field topic is 256 bytes in UTF-8; the limit is 255");

    // 128 two-byte characters: 128 chars but 256 bytes
    ProtocolException multibyte = protocolError(() -> v2.encodePush("1", "t", "é".repeat(128), bin()));
    assertThat(multibyte.reason()).contains("event is 256 bytes");

    assertThat(protocolError(() -> v2.encodeReply(new Reply("j".repeat(300), "1", "t", "ok", bin()))).reason())
        .contains("join_ref is 300 bytes");
    assertThat(protocolError(() -> v2.encodeClientMessage(new Message("1", "r".repeat(256), "t", "e", bin()))).reason())
        .contains("ref is 256 bytes");
    assertThat(protocolError(() -> v2.encodeReply(new Reply("1", "1", "t", "s".repeat(256), bin()))).reason())
        .contains("status is 256 bytes");
  }

  @Test
  void binaryEncodeRefusesLoneSurrogatesAndEmptyNames() {
    assertThat(protocolError(() -> v2.encodeBroadcast("t\ud800", "e", bin())).reason())
        .isEqualTo("topic holds a lone surrogate, which UTF-8 cannot encode");
    assertThat(protocolError(() -> v2.encodeBroadcast("t", "", bin())).reason())
        .isEqualTo("event must be a non-empty string");
    assertThat(protocolError(() -> v2.encodeReply(new Reply("1", "2", "t", "", bin()))).reason())
        .isEqualTo("status must be a non-empty string");
  }

  // ---- malformed ----

  @Test
  void emptyBinaryFrameIsRejected() {
    assertThat(decodeError(v2, true, new byte[0]).reason()).isEqualTo("empty frame");
    assertThat(protocolError(() -> v2.decodeServerFrame(true, new byte[0])).reason()).isEqualTo("empty frame");
  }

  @Test
  void unknownKindIsRejected() {
    assertThat(decodeError(v2, true, bytes(7, 0, 0, 0, 0)).reason()).isEqualTo("unknown binary frame kind 7");
    assertThat(protocolError(() -> v2.decodeServerFrame(true, bytes(200, 1, 1))).reason())
        .isEqualTo("unknown binary frame kind 200");
  }

  @Test
  void serverRefusesReplyAndBroadcastKindsFromAClient() {
    assertThat(decodeError(v2, true, bytes(1, 1, 1, 1, 2, "1", "2", "t", "ok")).reason())
        .isEqualTo("binary frame kind 1 (reply) is only sent by servers; a client sends kind 0 (push)");
    assertThat(decodeError(v2, true, bytes(2, 1, 1, "t", "e")).reason()).contains("kind 2 (broadcast)");
  }

  @Test
  void truncatedHeaderIsRejected() {
    assertThat(decodeError(v2, true, bytes(0, 1, 1)).reason())
        .isEqualTo("binary frame truncated: the push header needs 4 size bytes after the kind, 2 left");
    assertThat(protocolError(() -> v2.decodeServerFrame(true, bytes(1, 1, 1, 1))).reason())
        .isEqualTo("binary frame truncated: the reply header needs 4 size bytes after the kind, 3 left");
    assertThat(protocolError(() -> v2.decodeServerFrame(true, bytes(2))).reason())
        .isEqualTo("binary frame truncated: the broadcast header needs 2 size bytes after the kind, 0 left");
  }

  @Test
  void truncatedFieldIsRejectedWithWhatWasRead() {
    ProtocolException e = decodeError(v2, true, bytes(0, 1, 1, 6, 2, "1", "2", "ro"));
    assertThat(e.reason()).isEqualTo("binary frame truncated: topic needs 6 bytes, 2 left");
    assertThat(e.joinRef()).isEqualTo("1");
    assertThat(e.ref()).isEqualTo("2");
    assertThat(e.topic()).isNull();

    ProtocolException event = decodeError(v2, true, bytes(0, 1, 1, 6, 5, "1", "2", "room:1", "ev"));
    assertThat(event.reason()).isEqualTo("binary frame truncated: event needs 5 bytes, 2 left");
    assertThat(event.topic()).isEqualTo("room:1");
    assertThat(event.canReply()).isTrue();
  }

  @Test
  void emptyTopicOrEventIsRejected() {
    assertThat(decodeError(v2, true, bytes(0, 1, 1, 0, 2, "1", "2", "ev")).reason())
        .isEqualTo("topic must be a non-empty string");
    ProtocolException e = decodeError(v2, true, bytes(0, 1, 1, 6, 0, "1", "2", "room:1", 1, 2));
    assertThat(e.reason()).isEqualTo("event must be a non-empty string");
    assertThat(e.canReply()).isTrue();
    assertThat(protocolError(() -> v2.decodeServerFrame(true, bytes(1, 0, 1, 1, 0, "2", "t"))).reason())
        .isEqualTo("status must be a non-empty string");
  }

  @Test
  void invalidUtf8InAFieldIsRejected() {
    ProtocolException e = decodeError(v2, true, bytes(0, 1, 1, 2, 1, "1", "2", 0xC3, 0x28, "e"));
    assertThat(e.reason()).isEqualTo("topic is not valid UTF-8");
    assertThat(e.ref()).isEqualTo("2");
    assertThat(decodeError(v2, true, bytes(0, 1, 1, 1, 1, 0xFF, "2", "t", "e")).reason())
        .isEqualTo("join_ref is not valid UTF-8");
  }

  @Test
  void jsonSentInABinaryFrameIsRejected() {
    // Phoenix crashes the socket on this (issue #4108); we report it
    ProtocolException e = decodeError(v2, true, TestFrames.utf8("[\"1\",\"2\",\"t\",\"e\",{}]"));
    assertThat(e.reason()).isEqualTo("unknown binary frame kind 91");
  }

  @Test
  void textFrameCarriesJsonEvenWhenTheSameSerializerCanDoBinary() {
    assertThat(v2.encodeBroadcast("t", "e", json("{}")).binary()).isFalse();
  }

  // ---- V1 has no binary ----

  @Test
  void v1RefusesBinaryFramesAndPayloads() {
    Serializer v1 = Serializers.V1;
    assertThat(v1.supportsBinary()).isFalse();
    byte[] frame = bytes(0, 1, 1, 6, 2, "1", "2", "room:1", "ev", 9, 8);
    assertThat(decodeError(v1, true, frame).reason()).isEqualTo("binary frames need protocol version 2.0.0");
    assertThat(protocolError(() -> v1.decodeServerFrame(true, frame)).reason())
        .isEqualTo("binary frames need protocol version 2.0.0");
    assertThat(protocolError(() -> v1.encodeBroadcast("t", "e", bin(1))).reason())
        .isEqualTo("binary payloads need protocol version 2.0.0");
    assertThat(protocolError(() -> v1.encodePush("1", "t", "e", bin(1))).reason()).contains("2.0.0");
    assertThat(protocolError(() -> v1.encodeReply(new Reply("1", "2", "t", "ok", bin(1)))).reason()).contains("2.0.0");
    assertThat(protocolError(() -> v1.encodeClientMessage(new Message("1", "2", "t", "e", bin(1)))).reason())
        .contains("2.0.0");
  }
}
