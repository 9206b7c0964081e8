package io.herald.node.wire;

import io.herald.node.topic.HistoryEntry;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.TopicEntity;
import java.util.ArrayList;
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
              "D2",
              (m, out) -> {
                out.string(m.topic());
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
                out.string(m.event());
                out.bytes(m.payload());
                out.bool(m.binary());
                out.varLong(m.numberedAtMillis());
                out.varInt(m.origin());
                out.varLong(m.pseq());
                out.bool(m.acknowledge());
              },
              in -> new NodeFanout.Deliver(
                  in.string(), in.fixedLong(), in.varLong(), in.string(), in.bytes(), in.bool(), in.varLong(), in.varInt(), in.varLong(),
                  in.bool())),
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
              TopicEntity.Recover.class,
              "RC",
              (m, out) -> {
                out.ref(m.node());
                out.varLong(m.request());
                out.varLong(m.since());
                out.fixedLong(m.epoch());
              },
              in -> new TopicEntity.Recover(in.ref(), in.varLong(), in.varLong(), in.fixedLong())),
          MessageCodec.of(
              NodeFanout.Replayed.class,
              "RP",
              (m, out) -> {
                out.string(m.topic());
                out.varLong(m.request());
                out.varLong(m.seq());
                out.string(m.event());
                out.bytes(m.payload());
                out.bool(m.binary());
                out.varLong(m.atMillis());
              },
              in -> new NodeFanout.Replayed(in.string(), in.varLong(), in.varLong(), in.string(), in.bytes(), in.bool(), in.varLong())),
          MessageCodec.of(
              NodeFanout.ReplayEnd.class,
              "RE",
              (m, out) -> {
                out.string(m.topic());
                out.varLong(m.request());
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
                out.bool(m.history());
                out.bool(m.recovered());
                out.string(m.reason());
              },
              in -> new NodeFanout.ReplayEnd(in.string(), in.varLong(), in.fixedLong(), in.varLong(), in.bool(), in.bool(), in.string())),
          MessageCodec.of(
              TopicEntity.ReadHistory.class,
              "RH",
              (m, out) -> {
                out.varLong(m.since());
                out.varInt(m.limit());
                out.ref(m.replyTo());
              },
              in -> new TopicEntity.ReadHistory(in.varLong(), in.varInt(), in.ref())),
          MessageCodec.of(
              TopicEntity.HistoryPage.class,
              "HP",
              (m, out) -> {
                out.fixedLong(m.epoch());
                out.varLong(m.seq());
                out.bool(m.history());
                out.varInt(m.entries().size());
                for (HistoryEntry e : m.entries()) {
                  out.varLong(e.seq());
                  out.string(e.event());
                  out.bytes(e.payload());
                  out.bool(e.binary());
                  out.varLong(e.atMillis());
                }
                out.bool(m.complete());
                out.bool(m.more());
              },
              in -> {
                long epoch = in.fixedLong();
                long seq = in.varLong();
                boolean history = in.bool();
                int n = in.count();
                List<HistoryEntry> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                  entries.add(new HistoryEntry(in.varLong(), in.string(), in.bytes(), in.bool(), in.varLong()));
                }
                return new TopicEntity.HistoryPage(epoch, seq, history, entries, in.bool(), in.bool());
              }),
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
