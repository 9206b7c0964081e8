package io.herald.node.cluster;

import io.herald.node.topic.NodeFanout;
import io.herald.node.wire.WireSerializer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * A hostile peer's serializer for tests: claims Herald's wire serializer's identifier and writes bytes
 * that are not a message, under a delivery's manifest or under one that does not exist.
 */
public final class GarbageWireSerializer extends SerializerWithStringManifest {
  /** The wire serializer's manifest of a {@link NodeFanout.Deliver}. */
  static final String DELIVER_MANIFEST = "D2";

  @Override
  public int identifier() {
    return WireSerializer.IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return o instanceof NodeFanout.Deliver ? DELIVER_MANIFEST : "no-such-manifest";
  }

  @Override
  public byte[] toBinary(Object o) {
    return "\u00ff\u00fe\u00ff\u00fe not a message".getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    throw new UnsupportedOperationException("a hostile peer never reads");
  }
}
