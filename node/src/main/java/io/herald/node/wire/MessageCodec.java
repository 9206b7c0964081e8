package io.herald.node.wire;

import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One message's binary form: the manifest that names it on the wire, how its fields are written and
 * how they are read back, in the same order. A change of a message's fields takes a new manifest, so
 * that a node of another build refuses it (unknown manifest) instead of misreading it.
 */
public record MessageCodec<T>(Class<T> type, String manifest, BiConsumer<T, WireWriter> write, Function<WireReader, T> read) {

  public static <T> MessageCodec<T> of(Class<T> type, String manifest, BiConsumer<T, WireWriter> write, Function<WireReader, T> read) {
    return new MessageCodec<>(type, manifest, write, read);
  }

  void writeObject(Object message, WireWriter out) {
    write.accept(type.cast(message), out);
  }
}
