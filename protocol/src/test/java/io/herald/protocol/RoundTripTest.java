package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Client-encode then server-decode, and server-encode then client-decode, give back what went in. */
class RoundTripTest {
  private static final long SEED = 0x4E52_414C_4421L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final List<String> PAYLOADS = List.of(
      "{}", "{\"a\":1}", "{ \"a\" : [ 1, 2 ] }", "[1,\"x\",null]", "\"str\"", "42", "-1.5e3", "true", "null",
      "{\"nested\":{\"deep\":[{\"x\":\"é😀\\\"\\\\\\u0000\"}]}}");

  /** Strings mixing every character class the escaper handles; lone surrogates only if allowed. */
  static String randomString(Random r, int maxLen, boolean loneSurrogates) {
    int len = 1 + r.nextInt(maxLen);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < len) {
      switch (r.nextInt(loneSurrogates ? 8 : 7)) {
        case 0, 1 -> sb.append((char) ('a' + r.nextInt(26)));
        case 2 -> sb.append("\"\\/:*_-. ".charAt(r.nextInt(9)));
        case 3 -> sb.append((char) r.nextInt(0x20));
        case 4 -> sb.append((char) (0x80 + r.nextInt(0x780)));
        case 5 -> {
          char c = (char) (0x800 + r.nextInt(0x10000 - 0x800));
          sb.append(Character.isSurrogate(c) ? 'x' : c);
        }
        case 6 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
        default -> sb.append((char) (0xD800 + r.nextInt(0x800)));
      }
    }
    return sb.toString();
  }

  private static String maybe(Random r, String s) {
    return r.nextInt(4) == 0 ? null : s;
  }

  private static Payload.Json randomJson(Random r) throws Exception {
    if (r.nextBoolean()) {
      return Payload.json(PAYLOADS.get(r.nextInt(PAYLOADS.size())));
    }
    ObjectNode node = MAPPER.createObjectNode();
    node.put(randomString(r, 8, false), randomString(r, 30, false));
    node.putArray("n").add(r.nextLong()).add(r.nextDouble());
    return new Payload.Json(MAPPER.writeValueAsBytes(node));
  }

  private static Payload.Binary randomBinary(Random r) {
    byte[] b = new byte[r.nextInt(64)];
    r.nextBytes(b);
    return Payload.binary(b);
  }

  @Test
  void clientEncodeThenServerDecodeGivesTheSameMessage() throws Exception {
    Random r = new Random(SEED);
    for (int i = 0; i < 3_000; i++) {
      boolean binary = i % 3 == 0;
      Payload payload = binary ? randomBinary(r) : randomJson(r);
      Message m = new Message(maybe(r, randomString(r, 12, !binary)), maybe(r, randomString(r, 12, !binary)),
          randomString(r, 40, !binary), randomString(r, 20, !binary), payload);
      for (Serializer s : binary ? List.of(Serializers.V2) : List.<Serializer>of(Serializers.V1, Serializers.V2)) {
        EncodedFrame f = s.encodeClientMessage(m);
        assertThat(f.binary()).isEqualTo(binary);
        assertThat(s.decode(f.binary(), f.bytes())).as("seed=%d i=%d %s %s", SEED, i, s.vsn(), m).isEqualTo(m);
      }
    }
  }

  @Test
  void serverEncodeThenClientDecodeGivesTheSameFrame() throws Exception {
    Random r = new Random(SEED + 1);
    for (int i = 0; i < 3_000; i++) {
      boolean binary = i % 3 == 0;
      Payload payload = binary ? randomBinary(r) : randomJson(r);
      String joinRef = maybe(r, randomString(r, 12, !binary));
      String ref = maybe(r, randomString(r, 12, !binary));
      String topic = randomString(r, 40, !binary);
      String event = randomString(r, 20, !binary);
      String status = r.nextBoolean() ? "ok" : randomString(r, 10, !binary);
      String why = "seed=" + (SEED + 1) + " i=" + i;

      Serializer v2 = Serializers.V2;
      assertThat(decode(v2, v2.encodeReply(new Reply(joinRef, ref, topic, status, payload)))).as(why)
          .isEqualTo(new Reply(joinRef, ref, topic, status, payload));
      assertThat(decode(v2, v2.encodePush(joinRef, topic, event, payload))).as(why)
          .isEqualTo(new Message(joinRef, null, topic, event, payload));
      assertThat(decode(v2, v2.encodeBroadcast(topic, event, payload))).as(why)
          .isEqualTo(new Message(null, null, topic, event, payload));

      if (!binary) {
        // V1 servers send no join_ref
        Serializer v1 = Serializers.V1;
        assertThat(decode(v1, v1.encodeReply(new Reply(joinRef, ref, topic, status, payload)))).as(why)
            .isEqualTo(new Reply(null, ref, topic, status, payload));
        assertThat(decode(v1, v1.encodePush(joinRef, topic, event, payload))).as(why)
            .isEqualTo(new Message(null, null, topic, event, payload));
        assertThat(decode(v1, v1.encodeBroadcast(topic, event, payload))).as(why)
            .isEqualTo(new Message(null, null, topic, event, payload));
      }
    }
  }

  private static ServerFrame decode(Serializer s, EncodedFrame f) {
    return s.decodeServerFrame(f.binary(), f.bytes());
  }

  @Test
  void encodedTextFramesAreValidJsonForAnyStrings() throws Exception {
    Random r = new Random(SEED + 2);
    for (int i = 0; i < 2_000; i++) {
      String topic = randomString(r, 30, true);
      byte[] frame = Serializers.V2.encodeBroadcast(topic, "e", Payload.EMPTY_OBJECT).bytes();
      assertThat(Utf8.firstInvalid(frame, 0, frame.length)).isEqualTo(-1);
      assertThat(MAPPER.readTree(frame).get(2).textValue()).as("seed=%d i=%d", SEED + 2, i).isEqualTo(topic);
    }
  }
}
