package io.herald.node.presence;

/**
 * One tracked presence, as replicated: the node that tracks it (its unique address, so that a restarted
 * node's entries are told from its previous life's), the topic, the key (a user id), the entry's
 * {@code phx_ref}, the ref it replaced on an update (or null), the meta, a JSON object's text without
 * {@code phx_ref} fields, and when the tracking node made it (its wall clock, epoch milliseconds: the
 * start of the replication lag other nodes measure, {@link ReplicationLag}). Serialized by
 * {@link PresenceEntrySerializer}.
 */
public record PresenceEntry(String node, String topic, String key, String ref, String prevRef, String meta, long madeAtMillis) {}
