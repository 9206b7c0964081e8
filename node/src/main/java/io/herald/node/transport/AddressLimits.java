package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The limits one client address is held to, so that one host cannot use up what the node shares among
 * all: new connects per second (a token bucket per address) and connections that have not upgraded yet.
 * An address is an IPv4 address or the /64 of an IPv6 one (what one host or subscriber usually holds).
 *
 * <p>Memory stays bounded whatever the number of addresses: connect buckets are kept for at most
 * {@code tracked-addresses}, the least recently seen forgotten first (a forgotten address starts again
 * with a full bucket, which is as much as a new address gets anyway); pending counts exist only for
 * addresses with a pending connection, each of which holds an open connection.
 *
 * <p>Thread-safe: shared by every event loop of the edge. Each call holds a lock for a map operation.
 */
final class AddressLimits {
  /** Bytes of an IPv6 address that name its /64. */
  private static final int IPV6_PREFIX_BYTES = 8;

  private final double connectsPerSecond;
  private final int connectBurst;
  private final int maxPending;
  private final List<AddressBlock> exempt;
  private final Map<InetAddress, TokenBucket> buckets;
  private final Map<InetAddress, Integer> pending = new HashMap<>();

  AddressLimits(HeraldSettings.PerAddress settings) {
    this.connectsPerSecond = settings.connectsPerSecond();
    this.connectBurst = settings.connectBurst();
    this.maxPending = settings.maxPendingUpgrades();
    this.exempt = settings.exempt().stream().map(AddressBlock::parse).toList();
    int tracked = settings.trackedAddresses();
    this.buckets =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
            return size() > tracked;
          }
        };
  }

  /** What the limits count {@code remote} as, or null when no limit applies to it (exempt, or not IP). */
  InetAddress clientOf(SocketAddress remote) {
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return null;
    }
    InetAddress address = inet.getAddress();
    for (AddressBlock block : exempt) {
      if (block.contains(address)) {
        return null;
      }
    }
    if (address instanceof Inet6Address) {
      byte[] prefix = address.getAddress();
      for (int i = IPV6_PREFIX_BYTES; i < prefix.length; i++) {
        prefix[i] = 0;
      }
      try {
        return InetAddress.getByAddress(prefix);
      } catch (UnknownHostException impossible) { // only thrown for a wrong length
        throw new IllegalStateException(impossible);
      }
    }
    return address;
  }

  /** Counts a new connection of {@code client} as pending; false (and not counted) when it has too many. */
  boolean openPending(InetAddress client) {
    if (maxPending == 0) {
      return true;
    }
    synchronized (pending) {
      int now = pending.getOrDefault(client, 0);
      if (now >= maxPending) {
        return false;
      }
      pending.put(client, now + 1);
      return true;
    }
  }

  /** A connection counted by {@link #openPending} upgraded or closed. */
  void pendingEnded(InetAddress client) {
    if (maxPending == 0) {
      return;
    }
    synchronized (pending) {
      pending.computeIfPresent(client, (k, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** Connections of {@code client} that have not upgraded yet (for tests and metrics). */
  int pending(InetAddress client) {
    synchronized (pending) {
      return pending.getOrDefault(client, 0);
    }
  }

  /** Takes a connect token of {@code client}: 0 when there was one, else the seconds until the next. */
  long takeConnect(InetAddress client, long nowNanos) {
    if (connectsPerSecond == 0) {
      return 0;
    }
    synchronized (buckets) {
      TokenBucket bucket =
          buckets.computeIfAbsent(client, k -> new TokenBucket(connectsPerSecond, connectBurst, nowNanos));
      return bucket.tryTake(nowNanos) ? 0 : bucket.secondsUntilNextToken();
    }
  }

  /** Addresses whose connect buckets are kept now (for tests). */
  int trackedAddresses() {
    synchronized (buckets) {
      return buckets.size();
    }
  }

  String describe() {
    return String.format(
        "per address %s connects/s (burst %d), %s pending upgrades, exempt %s",
        connectsPerSecond == 0 ? "unlimited" : connectsPerSecond,
        connectBurst,
        maxPending == 0 ? "unlimited" : maxPending,
        exempt.isEmpty() ? "none" : exempt);
  }
}
