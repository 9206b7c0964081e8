package io.herald.node.cluster;

import io.herald.node.topic.NodeFanout;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * A hostile peer's serializer for tests: claims Jackson CBOR's identifier and writes bytes that are
 * not CBOR, under a real message's manifest or under a class that does not exist.
 */
public final class GarbageSerializer extends SerializerWithStringManifest {
  static final int JACKSON_CBOR_ID = 33;

  @Override
  public int identifier() {
    return JACKSON_CBOR_ID;
  }

  @Override
  public String manifest(Object o) {
    return o instanceof NodeFanout.Deliver ? NodeFanout.Deliver.class.getName() : "io.herald.NoSuchMessage";
  }

  @Override
  public byte[] toBinary(Object o) {
    return "\u00ff\u00fe not cbor at all {[".getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    throw new UnsupportedOperationException("a hostile peer never reads");
  }
}
