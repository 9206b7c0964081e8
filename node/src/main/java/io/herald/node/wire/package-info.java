/**
 * The binary form of the hot messages between nodes (publish, its acknowledgement, the per-node
 * delivery, interest registration): {@link io.herald.node.wire.WireSerializer}, bound to those classes
 * in herald-pekko.conf instead of Jackson CBOR. Every message's codec is in
 * {@link io.herald.node.wire.TopicCodecs}; {@link io.herald.node.wire.WireWriter} and
 * {@link io.herald.node.wire.WireReader} are the primitives they are made of.
 */
package io.herald.node.wire;
