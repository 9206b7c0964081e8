package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated frames: the decoders may only return a well-formed frame or throw
 * ProtocolException. Set -Dherald.fuzz.seed=N to replay another seed.
 */
class FuzzDecodeTest {
  private static final long SEED = Long.getLong("herald.fuzz.seed", 20_240_611L);
  private static final int RANDOM_FRAMES = 20_000;
  private static final int MUTATED_FRAMES = 20_000;
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final String[] TOKENS = {
      "[", "]", "{", "}", ",", ":", "\"", " ", "\\", "\"1\"", "\"2\"", "\"room:1\"", "\"ev\"", "null", "1", "-2.5e3",
      "true", "\"phx_reply\"", "\"status\"", "\"ok\"", "\"response\"", "\"topic\"", "\"event\"", "\"payload\"",
      "\"ref\"", "\"join_ref\"", "é", "😀", "\\u00e9", "\\ud800", "\n", "0", "[]", "{}"};

  @Test
  void v2TextDecodersOnlyReturnFramesOrThrowProtocolException() {
    run(Serializers.V2, false, 1);
  }

  @Test
  void v2BinaryDecodersOnlyReturnFramesOrThrowProtocolException() {
    run(Serializers.V2, true, 2);
  }

  @Test
  void v1TextDecodersOnlyReturnFramesOrThrowProtocolException() {
    run(Serializers.V1, false, 3);
  }

  @Test
  void v1BinaryDecodersOnlyThrowProtocolException() {
    run(Serializers.V1, true, 4);
  }

  private void run(Serializer s, boolean binary, long salt) {
    long seed = SEED * 31 + salt;
    Random r = new Random(seed);
    List<byte[]> valid = validFrames(s, binary, new Random(seed ^ 0x5DEECE66DL));
    int decoded = 0;
    for (int i = 0; i < RANDOM_FRAMES + MUTATED_FRAMES; i++) {
      byte[] frame = i < RANDOM_FRAMES
          ? (binary ? randomBinary(r) : randomText(r))
          : mutate(r, valid.get(r.nextInt(valid.size())));
      String why = "seed=" + seed + " i=" + i + " " + s.vsn() + (binary ? " binary " : " text ") + TestFrames.hex(frame);
      Message m = attempt(why, () -> s.decode(binary, frame));
      if (m != null) {
        decoded++;
        checkMessage(why, s, binary, m);
      }
      ServerFrame sf = attempt(why, () -> s.decodeServerFrame(binary, frame));
      if (sf instanceof Message msg) {
        checkFields(why, msg.topic(), msg.event(), msg.payload(), binary);
      } else if (sf instanceof Reply reply) {
        checkFields(why, reply.topic(), reply.status(), reply.response(), binary);
      }
    }
    if (s.supportsBinary() || !binary) {
      // the mutations must leave some frames valid, or the checks above would be vacuous
      assertThat(decoded).as("seed=%d frames that decoded", seed).isGreaterThan(500);
    } else {
      assertThat(decoded).isZero();
    }
  }

  private static <T> T attempt(String why, Supplier<T> decode) {
    try {
      T result = decode.get();
      if (result == null) {
        fail("decoder returned null: " + why);
      }
      return result;
    } catch (ProtocolException e) {
      if (e.reason() == null || e.reason().isBlank()) {
        fail("ProtocolException without a reason: " + why);
      }
      return null;
    } catch (Throwable t) {
      throw new AssertionError("decoder threw " + t + ": " + why, t);
    }
  }

  private static void checkMessage(String why, Serializer s, boolean binary, Message m) {
    checkFields(why, m.topic(), m.event(), m.payload(), binary);
    // what decodes re-encodes, and decodes to the same message again
    EncodedFrame again = s.encodeClientMessage(m);
    assertThat(again.binary()).as(why).isEqualTo(binary);
    assertThat(s.decode(again.binary(), again.bytes())).as(why).isEqualTo(m);
  }

  private static void checkFields(String why, String topic, String event, Payload payload, boolean binary) {
    assertThat(topic).as(why).isNotEmpty();
    assertThat(event).as(why).isNotEmpty();
    assertThat(payload).as(why).isNotNull();
    if (binary) {
      assertThat(payload).as(why).isInstanceOf(Payload.Binary.class);
    } else {
      assertThat(payload).as(why).isInstanceOf(Payload.Json.class);
      byte[] b = payload.bytes();
      assertThat(Utf8.firstInvalid(b, 0, b.length)).as(why).isEqualTo(-1);
      try {
        STRICT.readTree(b); // exactly one JSON value
      } catch (Exception e) {
        throw new AssertionError("payload is not one JSON value: " + why + " payload=" + new String(b, StandardCharsets.UTF_8), e);
      }
    }
  }

  private static List<byte[]> validFrames(Serializer s, boolean binary, Random r) {
    List<byte[]> frames = new ArrayList<>();
    Serializer maker = binary ? Serializers.V2 : s; // V1 has no binary frames: mutate V2's
    for (int i = 0; i < 50; i++) {
      String topic = RoundTripTest.randomString(r, 12, false);
      String event = RoundTripTest.randomString(r, 8, false);
      String ref = r.nextBoolean() ? null : Integer.toString(r.nextInt(1000));
      Payload payload = binary ? Payload.binary(new byte[] {(byte) i, 2, 3})
          : Payload.json(List.of("{}", "{\"a\":[1,2,{\"b\":null}]}", "\"s\"", "12", "[true,false]").get(i % 5));
      frames.add(maker.encodeClientMessage(new Message(ref, ref == null ? "1" : ref, topic, event, payload)).bytes());
      frames.add(maker.encodeBroadcast(topic, event, payload).bytes());
      frames.add(maker.encodePush("1", topic, event, payload).bytes());
      frames.add(maker.encodeReply(new Reply("1", "2", topic, "ok", payload)).bytes());
    }
    if (!binary) {
      frames.add(TestFrames.utf8("[\"1\",\"2\",\"t\",\"phx_reply\",{\"status\":\"ok\",\"response\":{\"x\":[1]}}]"));
      frames.add(TestFrames.utf8("{\"ref\":1,\"payload\":{\"status\":\"ok\"},\"event\":\"phx_reply\",\"topic\":\"t\"}"));
    }
    return frames;
  }

  private static byte[] randomText(Random r) {
    if (r.nextInt(4) == 0) {
      byte[] b = new byte[r.nextInt(48)];
      r.nextBytes(b);
      return b;
    }
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(24);
    for (int i = 0; i < n; i++) {
      sb.append(TOKENS[r.nextInt(TOKENS.length)]);
    }
    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (b.length > 0 && r.nextInt(8) == 0) {
      b[r.nextInt(b.length)] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static byte[] randomBinary(Random r) {
    byte[] b = new byte[r.nextInt(40)];
    r.nextBytes(b);
    if (b.length > 0 && r.nextBoolean()) {
      // a plausible header, so that decoding gets past the first bytes
      b[0] = (byte) r.nextInt(4);
      for (int i = 1; i < Math.min(5, b.length); i++) {
        b[i] = (byte) r.nextInt(6);
      }
    }
    return b;
  }

  private static byte[] mutate(Random r, byte[] frame) {
    byte[] b = frame.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds; k++) {
      switch (r.nextInt(6)) {
        case 0 -> { // flip a bit
          if (b.length > 0) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> { // replace a byte
          if (b.length > 0) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
          }
        }
        case 2 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length)); // truncate
        case 3 -> { // insert random bytes or a token
          byte[] ins = r.nextBoolean()
              ? new byte[] {(byte) r.nextInt(256)}
              : TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
          b = splice(b, r.nextInt(b.length + 1), 0, ins);
        }
        case 4 -> { // delete a span
          if (b.length > 0) {
            int at = r.nextInt(b.length);
            b = splice(b, at, 1 + r.nextInt(Math.min(4, b.length - at)), new byte[0]);
          }
        }
        default -> { // duplicate a span
          if (b.length > 0) {
            int at = r.nextInt(b.length);
            int len = 1 + r.nextInt(Math.min(8, b.length - at));
            b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
          }
        }
      }
    }
    return b;
  }

  private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }
}
