package io.herald.node.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Socket ids disconnected without reconnect (logout, ban), and since when. phoenix.js 1.8 reconnects
 * after any close the server makes, so closing the sockets is not enough: until a revocation expires,
 * a connect with a token of that id issued before it ({@code iat} earlier than the revocation's
 * second, or no {@code iat}) is refused. A token issued afterwards, such as one minted at the next
 * login, is accepted. Held for {@code ttl}; the cluster's {@code RevocationReplica} brings other nodes'
 * revocations in.
 *
 * <p>What keeps a revoked token out after {@code ttl} is its own end: {@code exp}, or {@code iat} plus
 * {@code herald.auth.jwt.max-token-age}; a token ending later (or never) is accepted again. Two rules
 * of the {@link TokenVerifier} keep this comparison honest: an {@code iat} ahead of the clock by more
 * than the skew is refused (it would pass every revocation until that time), and every {@code sub} is
 * one the disconnect API can name.
 *
 * <p>Thread-safe: written by the node's socket directory, read by the socket edge's event loops.
 */
public final class Revocations {
  /** Expired entries are swept when this many are held, so a flood of disconnects stays bounded in time. */
  private static final int SWEEP_AT = 10_000;

  private final ConcurrentHashMap<String, Instant> revokedAt = new ConcurrentHashMap<>();
  private final Duration ttl;
  private final Clock clock;

  public Revocations(Duration ttl, Clock clock) {
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Refuses tokens of {@code subject} issued before now, for the configured time; returns that now. */
  public Instant revoke(String subject) {
    Instant now = clock.instant();
    revoke(subject, now);
    return now;
  }

  /**
   * Refuses tokens of {@code subject} issued before {@code at}, until {@code at} plus the configured
   * time; of two revocations of one subject the later counts. Another node's revocations arrive so.
   */
  public void revoke(String subject, Instant at) {
    revokedAt.merge(subject, at, (earlier, later) -> later.isAfter(earlier) ? later : earlier);
    if (revokedAt.size() >= SWEEP_AT) {
      Instant horizon = clock.instant().minus(ttl);
      revokedAt.values().removeIf(t -> t.isBefore(horizon));
    }
  }

  /** Whether this identity's token was issued before a revocation of its subject that is still in force. */
  public boolean isRevoked(Identity identity) {
    if (identity.subject() == null) {
      return false;
    }
    Instant at = revokedAt.get(identity.subject());
    if (at == null) {
      return false;
    }
    if (clock.instant().isAfter(at.plus(ttl))) {
      revokedAt.remove(identity.subject(), at);
      return false;
    }
    // iat has whole seconds: a token minted in the same second as the revocation is let through
    Instant issued = identity.issuedAt();
    return issued == null || issued.getEpochSecond() < at.getEpochSecond();
  }

  public int size() {
    return revokedAt.size();
  }
}
