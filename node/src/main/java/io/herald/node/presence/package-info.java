/**
 * Presence (Phoenix's {@code Phoenix.Presence}): who is on each topic, on every node. Each node writes
 * only its own entries into Distributed Data ({@link PresenceReplicator}), reads every node's from its
 * replica, and pushes per-topic diffs to its own subscribers in batches. {@link Presence} is what
 * channels and the API use; {@link PresenceStore} is the node's view, a plain thread-safe class.
 */
package io.herald.node.presence;
