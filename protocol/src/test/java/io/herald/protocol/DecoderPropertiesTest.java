package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.protocol.FrameGenerator.Format;
import io.herald.protocol.FrameGenerator.Frame;
import io.herald.protocol.FrameGenerator.Spec;
import io.herald.protocol.ReferenceDecoder.Held;
import io.herald.protocol.ReferenceDecoder.Kind;
import io.herald.protocol.ReferenceDecoder.Verdict;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Property-based tests of the three client-frame decoders: V1 JSON, V2 JSON and V2 binary. The decoder
 * may only return a message or throw {@link ProtocolException}. The message must say what the frame
 * says. An exception may name only a topic and refs that the frame holds.
 *
 * <p>The {@link ReferenceDecoder} is the oracle: a frame it accepts must decode to the same fields, and
 * a frame it refuses must be refused. Tries are seeded; replay with {@code -Dherald.props.seed=N} and
 * scale up with {@code -Dherald.props.scale=K} (see {@link Tries}).
 */
class DecoderPropertiesTest {
  private static final Logger LOG = LoggerFactory.getLogger(DecoderPropertiesTest.class);

  private static final int WELL_FORMED_TRIES = 4_000;
  // mutated and random frames make 100,000 tries per decoder; the cuts below add about 45,000 more
  private static final int MUTATED_TRIES = 55_000;
  private static final int RANDOM_TRIES = 45_000;
  /** Frames cut at every length: 150 frames give about 45,000 cuts. */
  private static final int TRUNCATED_FRAMES = 150;
  private static final int BROKEN_TRIES = 4_000;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Format.class)
  void wellFormedFramesDecodeToTheFieldsTheyWereWrittenWith(Format f) {
    Tries.run("well-formed " + f, WELL_FORMED_TRIES, r -> FrameGenerator.spec(f, r), FrameGenerator::smaller,
        Spec::toString, DecoderPropertiesTest::decodesToWhatWasWritten);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Format.class)
  void mutatedFramesGiveAMessageOrAProtocolException(Format f) {
    Tally tally = new Tally();
    int n = Tries.run("mutated " + f, MUTATED_TRIES,
        r -> FrameMutations.mutate(FrameGenerator.render(FrameGenerator.spec(f, r)), r),
        Tries::smallerBytes, Tries::show, frame -> onlyAMessageOrAProtocolException(f, frame, tally));
    tally.log("mutated " + f, n);
    // the properties say little unless mutations leave some frames valid and make others invalid
    assertThat(tally.decoded.get()).as("mutated frames that decode").isGreaterThan(n / 50);
    assertThat(tally.refused.get()).as("mutated frames that are refused").isGreaterThan(n / 4);
    assertThat(tally.named.get()).as("refusals that name a topic and ref").isGreaterThan(n / 100);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Format.class)
  void randomBytesGiveAMessageOrAProtocolException(Format f) {
    Tally tally = new Tally();
    int n = Tries.run("random " + f, RANDOM_TRIES, r -> FrameMutations.random(f, r), Tries::smallerBytes,
        Tries::show, frame -> onlyAMessageOrAProtocolException(f, frame, tally));
    tally.log("random " + f, n);
    assertThat(tally.decoded.get()).as("random frames that decode").isGreaterThan(0);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Format.class)
  void everyTruncationIsRefusedAndNamesOnlyWhatWasReadBeforeTheCut(Format f) {
    AtomicLong cuts = new AtomicLong();
    Tries.run("truncated " + f, TRUNCATED_FRAMES, r -> FrameGenerator.spec(f, r), FrameGenerator::smaller,
        Spec::toString, spec -> cutAtEveryLength(spec, cuts));
    LOG.info("truncated {}: {} frames cut at every length, {} decodes", f, TRUNCATED_FRAMES * Tries.SCALE, cuts.get());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Format.class)
  void errorsAfterTheTopicNameTheFramesTopicAndRef(Format f) {
    Tries.run("broken after the topic " + f, BROKEN_TRIES, r -> FrameGenerator.broken(f, r),
        FrameGenerator::smaller, Spec::toString, DecoderPropertiesTest::namesTheFramesTopicAndRef);
  }

  /** Found by the truncation property: a frame cut inside an integer ref named the digits before the cut. */
  @Test
  void anIntegerRefCutByTheEndOfTheFrameIsNotNamed() {
    ProtocolException v1 = TestFrames.decodeError(Serializers.V1, "{\"topic\":\"t\",\"event\":\"e\",\"payload\":{},\"ref\":1");
    assertThat(v1.topic()).isEqualTo("t");
    assertThat(v1.ref()).isNull(); // it may have been 12: an error reply to "1" would answer another push
    assertThat(v1.canReply()).isFalse();

    ProtocolException v1Earlier = TestFrames.decodeError(Serializers.V1, "{\"ref\":\"7\",\"topic\":\"t\",\"ref\":1");
    assertThat(v1Earlier.ref()).isEqualTo("7"); // a complete earlier value still counts

    ProtocolException v2 = TestFrames.decodeError(Serializers.V2, "[1,2");
    assertThat(v2.joinRef()).isEqualTo("1");
    assertThat(v2.ref()).isNull();

    // ended by a delimiter, the same integer is complete and named
    assertThat(TestFrames.decodeError(Serializers.V1, "{\"topic\":\"t\",\"ref\":12 ").ref()).isEqualTo("12");
  }

  // ---- (a) well-formed frames ----

  private static void decodesToWhatWasWritten(Spec spec) {
    Format f = spec.format();
    Frame frame = FrameGenerator.render(spec);
    Message m = decodeValid(f, frame.bytes());
    if (!m.equals(frame.expected())) {
      throw Tries.violated("wrong fields", "decoded " + show(m) + ", written " + show(frame.expected()));
    }
    EncodedFrame again = f.serializer.encodeClientMessage(m);
    if (again.binary() != f.binary) {
      throw Tries.violated("wrong frame type", "encoded as " + (again.binary() ? "binary" : "text"));
    }
    Message back = decodeValid(f, again.bytes());
    if (!back.equals(m)) {
      throw Tries.violated("round trip changed the message", show(m) + " came back as " + show(back));
    }
    // JSON.stringify writes exactly this; the binary layout has a single form
    boolean oneForm = f.binary || (spec.plain() && spec.extras().isEmpty()
        && spec.joinRef().kind() != FrameGenerator.Ref.Kind.NUMBER && spec.ref().kind() != FrameGenerator.Ref.Kind.NUMBER);
    if (oneForm && !Arrays.equals(again.bytes(), frame.bytes())) {
      throw Tries.violated("the encoder writes other bytes", Tries.show(again.bytes()));
    }
  }

  private static Message decodeValid(Format f, byte[] frame) {
    Outcome o = decode(f, frame);
    if (o.error != null) {
      throw Tries.violated("refused a well-formed frame", o.error.reason());
    }
    return o.message;
  }

  // ---- (b) mutated and (c) random frames ----

  private static void onlyAMessageOrAProtocolException(Format f, byte[] frame, Tally tally) {
    Outcome o = decode(f, frame);
    Verdict v = ReferenceDecoder.verdict(f, frame);
    if (o.message != null) {
      tally.decoded.incrementAndGet();
      if (v.kind() == Kind.INVALID) {
        throw Tries.violated("accepted an invalid frame", v.why() + "; decoded " + show(o.message));
      }
      wellFormed(f, o.message, "decoder");
      String mismatch = v.mismatch(o.message);
      if (mismatch != null) {
        throw Tries.violated("wrong fields", mismatch);
      }
      Message back = decodeValid(f, f.serializer.encodeClientMessage(o.message).bytes());
      if (!back.equals(o.message)) {
        throw Tries.violated("round trip changed the message", show(o.message) + " came back as " + show(back));
      }
    } else {
      tally.refused.incrementAndGet();
      if (v.kind() == Kind.VALID) {
        throw Tries.violated("refused a valid frame", o.error.reason());
      }
      if (o.error.canReply()) {
        tally.named.incrementAndGet();
      }
      namesOnlyWhatTheFrameHolds(f, frame, o.error);
    }
    clientDecoderGivesAFrameOrAProtocolException(f, frame);
  }

  /** An exception may only name a join_ref, ref and topic that the frame really holds. */
  private static void namesOnlyWhatTheFrameHolds(Format f, byte[] frame, ProtocolException e) {
    if (e.joinRef() == null && e.ref() == null && e.topic() == null) {
      return;
    }
    if (f.binary) {
      // fields are read in order, so the names are exactly those before the first bad field
      ReferenceDecoder.BinaryFields read = ReferenceDecoder.binaryFields(frame);
      expectNames(e, new String[] {read.joinRef, read.ref, read.topic}, "the fields before the first bad one");
      return;
    }
    Held held = ReferenceDecoder.held(f, frame);
    if (e.topic() != null && !held.topics().contains(e.topic())) {
      throw Tries.violated("names a topic the frame does not hold", Tries.readable(e.topic()) + " not in " + held);
    }
    if (e.ref() != null && !held.refs().contains(e.ref())) {
      throw Tries.violated("names a ref the frame does not hold", Tries.readable(e.ref()) + " not in " + held);
    }
    if (e.joinRef() != null && !held.joinRefs().contains(e.joinRef())) {
      throw Tries.violated("names a join_ref the frame does not hold",
          Tries.readable(e.joinRef()) + " not in " + held);
    }
  }

  /** The client side decodes server frames from the same bytes: a frame or a ProtocolException too. */
  private static void clientDecoderGivesAFrameOrAProtocolException(Format f, byte[] frame) {
    ServerFrame decoded;
    try {
      decoded = f.serializer.decodeServerFrame(f.binary, frame);
    } catch (ProtocolException e) {
      if (e.reason() == null || e.reason().isBlank()) {
        throw Tries.violated("client decoder: exception without a reason", e.toString());
      }
      return;
    } catch (Throwable t) {
      throw Tries.violated("client decoder threw " + t.getClass().getName(), String.valueOf(t), t);
    }
    if (decoded instanceof Message m) {
      wellFormed(f, m, "client decoder");
    } else if (decoded instanceof Reply reply) {
      wellFormed(f, new Message(reply.joinRef(), reply.ref(), reply.topic(), reply.status(), reply.response()),
          "client decoder reply");
    } else {
      throw Tries.violated("client decoder returned " + decoded, "");
    }
  }

  /** Non-empty topic and event, and a payload of the frame's kind: one JSON value in UTF-8, or data. */
  private static void wellFormed(Format f, Message m, String who) {
    if (m.topic() == null || m.topic().isEmpty() || m.event() == null || m.event().isEmpty()) {
      throw Tries.violated(who + ": empty topic or event", show(m));
    }
    if (f.binary) {
      if (!(m.payload() instanceof Payload.Binary)) {
        throw Tries.violated(who + ": not binary data", show(m));
      }
      return;
    }
    if (!(m.payload() instanceof Payload.Json json)) {
      throw Tries.violated(who + ": not a JSON payload", show(m));
    }
    byte[] b = json.bytes();
    if (b.length == 0 || isJsonSpace(b[0]) || isJsonSpace(b[b.length - 1])
        || ReferenceDecoder.strictUtf8(b, 0, b.length) == null || ReferenceDecoder.tree(b) == null) {
      throw Tries.violated(who + ": payload is not exactly one JSON value", show(m));
    }
  }

  private static boolean isJsonSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  // ---- truncation ----

  private static void cutAtEveryLength(Spec spec, AtomicLong cuts) {
    Format f = spec.format();
    Frame frame = FrameGenerator.render(spec);
    byte[] b = frame.bytes();
    for (int len = 0; len < b.length; len++) {
      byte[] prefix = Arrays.copyOf(b, len);
      cuts.incrementAndGet();
      Outcome o = decode(f, prefix);
      String at = "cut at " + len + " of " + b.length;
      if (len >= frame.end()) {
        // only trailing whitespace (text) or data (binary) is missing
        Message whole = frame.expected();
        Message expected = !f.binary ? whole : new Message(whole.joinRef(), whole.ref(), whole.topic(), whole.event(),
            new Payload.Binary(Arrays.copyOfRange(b, frame.end(), len)));
        if (o.message == null) {
          throw Tries.violated("refused a complete frame", at + ": " + o.error.reason());
        }
        if (!o.message.equals(expected)) {
          throw Tries.violated("wrong fields", at + ": " + show(o.message) + ", expected " + show(expected));
        }
        continue;
      }
      if (o.message != null) {
        throw Tries.violated("accepted a cut frame", at + ": " + show(o.message));
      }
      // invalid UTF-8 is refused before anything is read
      boolean readable = f.binary || ReferenceDecoder.strictUtf8(prefix, 0, len) != null;
      expectNames(o.error, readable ? frame.claimsWithin(len) : new String[3], at);
    }
  }

  // ---- errors after the topic ----

  private static void namesTheFramesTopicAndRef(Spec spec) {
    Format f = spec.format();
    Frame frame = FrameGenerator.render(spec);
    Outcome o = decode(f, frame.bytes());
    if (o.message != null) {
      throw Tries.violated("accepted a broken frame", show(o.message));
    }
    expectNames(o.error, frame.claimsWithin(frame.breakAt()), spec.brk().toString());
    // a V1 object may put the payload before the ref and topic; then a syntax error comes first
    boolean readAll = f != Format.V1_TEXT || !spec.brk().stopsInPayload();
    if (readAll && spec.ref().value() != null && !o.error.canReply()) {
      throw Tries.violated("cannot be answered", spec.brk() + ": " + o.error.reason());
    }
    if (readAll && !Objects.equals(o.error.topic(), spec.topic())) {
      throw Tries.violated("does not name the topic", spec.brk() + ": " + o.error.reason());
    }
  }

  private static void expectNames(ProtocolException e, String[] expected, String where) {
    if (!Objects.equals(e.joinRef(), expected[0]) || !Objects.equals(e.ref(), expected[1])
        || !Objects.equals(e.topic(), expected[2])) {
      throw Tries.violated("names other fields than were read", where + ": named join_ref "
          + Tries.readable(e.joinRef()) + ", ref " + Tries.readable(e.ref()) + ", topic " + Tries.readable(e.topic())
          + "; read " + Tries.readable(expected[0]) + ", " + Tries.readable(expected[1]) + ", "
          + Tries.readable(expected[2]) + " (" + e.reason() + ")");
    }
  }

  // ---- decoding ----

  private record Outcome(Message message, ProtocolException error) {}

  /** Decodes a copy; anything but a message or a ProtocolException with a reason is a failure. */
  private static Outcome decode(Format f, byte[] frame) {
    byte[] copy = frame.clone();
    Message m = null;
    ProtocolException error = null;
    try {
      m = f.serializer.decode(f.binary, copy);
    } catch (ProtocolException e) {
      error = e;
    } catch (Throwable t) {
      throw Tries.violated("decoder threw " + t.getClass().getName(), String.valueOf(t), t);
    }
    if (!Arrays.equals(copy, frame)) {
      throw Tries.violated("decoder changed its input", Tries.show(copy));
    }
    if (error != null && (error.reason() == null || error.reason().isBlank())) {
      throw Tries.violated("exception without a reason", error.toString());
    }
    if (m == null && error == null) {
      throw Tries.violated("decoder returned null", "");
    }
    return new Outcome(m, error);
  }

  private static String show(Message m) {
    if (m == null) {
      return "null";
    }
    String payload = m.payload() instanceof Payload.Json j
        ? Tries.readable(j.text().length() > 200 ? j.text().substring(0, 200) + "..." : j.text())
        : String.valueOf(m.payload());
    return "Message[joinRef=" + Tries.readable(m.joinRef()) + ", ref=" + Tries.readable(m.ref()) + ", topic="
        + Tries.readable(m.topic()) + ", event=" + Tries.readable(m.event()) + ", payload=" + payload + "]";
  }

  private static final class Tally {
    final AtomicLong decoded = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong named = new AtomicLong();

    void log(String property, int tries) {
      LOG.info("{}: {} frames, {} decoded, {} refused ({} naming a topic and ref)", property, tries, decoded.get(),
          refused.get(), named.get());
    }
  }
}
