package io.herald.node.cluster;

/**
 * Marker for every message that may cross nodes: bound to Pekko's jackson-cbor serializer in
 * reference.conf. Java serialization is off.
 */
public interface CborSerializable {}
