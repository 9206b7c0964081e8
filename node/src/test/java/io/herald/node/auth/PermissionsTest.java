package io.herald.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PermissionsTest {

  @Test
  void anActionIsAllowedWhenAMatchingPatternListsIt() throws TokenRejected {
    Permissions p = Permissions.fromClaim(Map.of(
        "room:*", List.of("join", "publish"),
        "user:42", List.of("join"),
        "lobby", List.of("presence")));
    assertThat(p.allows("room:1", Action.PUBLISH)).isTrue();
    assertThat(p.allows("room:", Action.JOIN)).as("a prefix alone matches its wildcard").isTrue();
    assertThat(p.allows("room:1", Action.PRESENCE)).isFalse();
    assertThat(p.allows("user:42", Action.JOIN)).isTrue();
    assertThat(p.allows("user:42", Action.PUBLISH)).isFalse();
    assertThat(p.allows("user:420", Action.JOIN)).as("exact pattern").isFalse();
    assertThat(p.allows("lobby", Action.PRESENCE)).isTrue();
    assertThat(p.allows("lobby", Action.JOIN)).isFalse();
    assertThat(p.allows("rooms", Action.JOIN)).isFalse();
    assertThat(p.allows(null, Action.JOIN)).isFalse();
  }

  @Test
  void overlappingPatternsAddUp() throws TokenRejected {
    Permissions p = Permissions.fromClaim(Map.of("room:*", List.of("join"), "room:vip", List.of("publish")));
    assertThat(p.allows("room:vip", Action.JOIN)).isTrue();
    assertThat(p.allows("room:vip", Action.PUBLISH)).isTrue();
    assertThat(p.allows("room:1", Action.PUBLISH)).isFalse();
  }

  @Test
  void allAndNone() throws TokenRejected {
    assertThat(Permissions.all().allows("anything", Action.PRESENCE)).isTrue();
    assertThat(Permissions.none().allows("anything", Action.JOIN)).isFalse();
    assertThat(Permissions.fromClaim(null).allows("room:1", Action.JOIN)).isFalse();
    assertThat(Permissions.fromClaim(Map.of()).allows("room:1", Action.JOIN)).isFalse();
    assertThat(Permissions.fromClaim(Map.of("room:*", List.of())).allows("room:1", Action.JOIN)).isFalse();
  }

  @Test
  void anythingElseIsMalformed() {
    for (Object bad : List.of(
        "room:*",
        List.of("room:*"),
        Map.of("room:*", "join"),
        Map.of("room:*", List.of("join", 1)),
        Map.of("room:*", List.of("JOIN")),
        Map.of("room:*", List.of("join", "admin")),
        Map.of("ro*om", List.of("join")),
        Map.of("", List.of("join")))) {
      assertThatThrownBy(() -> Permissions.fromClaim(bad)).as("claim %s", bad)
          .isInstanceOfSatisfying(TokenRejected.class, e -> assertThat(e.reason()).isEqualTo("malformed permissions"));
    }
  }

  @Test
  void actionsParseFromTheirClaimNames() {
    assertThat(Action.parse("join")).isEqualTo(Action.JOIN);
    assertThat(Action.parse("publish")).isEqualTo(Action.PUBLISH);
    assertThat(Action.parse("presence")).isEqualTo(Action.PRESENCE);
    assertThat(Action.PRESENCE.claimName()).isEqualTo("presence");
    assertThatThrownBy(() -> Action.parse("leave")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Action.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anonymousIdentityHasEverythingAndNoExpiry() {
    Identity anonymous = Identity.anonymous();
    assertThat(anonymous.isAnonymous()).isTrue();
    assertThat(anonymous.subject()).isNull();
    assertThat(anonymous.expiresAt()).isNull();
    assertThat(anonymous.expiredAt(Instant.MAX)).isFalse();
    assertThat(anonymous.permissions().allows("room:1", Action.PUBLISH)).isTrue();
    Identity user = new Identity("u", Instant.parse("2030-01-01T00:00:00Z"), null, Permissions.none());
    assertThat(user.isAnonymous()).isFalse();
    assertThat(user.expiredAt(Instant.parse("2029-12-31T23:59:59Z"))).isFalse();
    assertThat(user.expiredAt(Instant.parse("2030-01-01T00:00:00Z"))).isTrue();
  }

  @Test
  void rejectionReasonIsItsMessage() {
    TokenRejected e = new TokenRejected(TokenRejected.EXPIRED);
    assertThat(e.reason()).isEqualTo("expired");
    assertThat(e.getMessage()).isEqualTo("expired");
  }
}
