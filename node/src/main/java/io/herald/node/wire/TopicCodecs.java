package io.herald.node.wire;

import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.TopicEntity;
import java.util.List;

/**
 * The codec of every message of the topic package that crosses nodes. To add a message: one entry
 * here (a new manifest, its fields written and read in one order) and its class in
 * {@code serialization-bindings} of herald-pekko.conf; {@code WireSerializerTest} fails for a remote
 * message that has neither.
 *
 * <p>Epochs are random 63-bit numbers: fixed 8 bytes. Seqs, tags and wall-clock millis are varints.
 */
final class TopicCodecs {
  private TopicCodecs() {}

  static final List<MessageCodec<?>> ALL =
      List.of(
          MessageCodec.of(
              NodeFanout.Deliver.class,
              "D",
              (m, out) -> {
                out.string(m.topic());
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
                out.string(m.event());
                out.bytes(m.payload());
                out.bool(m.binary());
                out.varLong(m.numberedAtMillis());
              },
              in -> new NodeFanout.Deliver(in.string(), in.fixedLong(), in.varLong(), in.string(), in.bytes(), in.bool(), in.varLong())),
          MessageCodec.of(
              NodeFanout.TopicRegistered.class,
              "TR",
              (m, out) -> {
                out.string(m.topic());
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
              },
              in -> new NodeFanout.TopicRegistered(in.string(), in.fixedLong(), in.varLong())),
          MessageCodec.of(
              NodeFanout.InterestQuery.class,
              "IQ",
              (m, out) -> {
                out.string(m.topic());
                out.ref(m.entity());
              },
              in -> new NodeFanout.InterestQuery(in.string(), in.ref())),
          MessageCodec.of(
              TopicEntity.Register.class,
              "R",
              (m, out) -> out.ref(m.node()),
              in -> new TopicEntity.Register(in.ref())),
          MessageCodec.of(
              TopicEntity.Unregister.class,
              "U",
              (m, out) -> out.ref(m.node()),
              in -> new TopicEntity.Unregister(in.ref())),
          MessageCodec.of(
              TopicEntity.Interest.class,
              "I",
              (m, out) -> {
                out.ref(m.node());
                out.bool(m.interested());
              },
              in -> new TopicEntity.Interest(in.ref(), in.bool())),
          MessageCodec.of(
              TopicEntity.Publish.class,
              "P",
              (m, out) -> {
                out.string(m.event());
                out.bytes(m.payload());
                out.bool(m.binary());
                out.ref(m.publisher());
                out.varLong(m.pseq());
                out.varLong(m.after());
                out.bool(m.wantOwner());
                out.nullableString(m.idempotencyKey());
              },
              in -> new TopicEntity.Publish(
                  in.string(), in.bytes(), in.bool(), in.ref(), in.varLong(), in.varLong(), in.bool(), in.nullableString())),
          MessageCodec.of(
              TopicEntity.WhoOwns.class,
              "W",
              (m, out) -> out.ref(m.publisher()),
              in -> new TopicEntity.WhoOwns(in.ref())),
          MessageCodec.of(
              NodePublisher.Accepted.class,
              "A",
              (m, out) -> {
                out.string(m.topic());
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
                out.varLong(m.pseq());
                out.nullableRef(m.owner());
              },
              in -> new NodePublisher.Accepted(in.string(), in.fixedLong(), in.varLong(), in.varLong(), in.nullableRef())),
          MessageCodec.of(
              NodePublisher.Owner.class,
              "O",
              (m, out) -> {
                out.string(m.topic());
                out.fixedLong(m.epoch());
                out.ref(m.owner());
              },
              in -> new NodePublisher.Owner(in.string(), in.fixedLong(), in.ref())));
}
