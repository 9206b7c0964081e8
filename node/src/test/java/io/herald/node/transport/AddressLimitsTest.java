package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.node.config.HeraldSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressLimitsTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static InetSocketAddress remote(String literal) throws Exception {
    return new InetSocketAddress(ip(literal), 40000);
  }

  @Test
  void theConnectTableStaysWithinItsSizeHoweverManyAddressesCome() throws Exception {
    AddressLimits limits = new AddressLimits(new HeraldSettings.PerAddress(1, 1, 0, 100, List.of()));
    for (int i = 0; i < 10_000; i++) {
      InetAddress client = limits.clientOf(remote("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF)));
      assertThat(limits.takeConnect(client, 0)).isZero();
    }
    assertThat(limits.trackedAddresses()).isEqualTo(100);
  }

  @Test
  void pendingUpgradesAreCountedPerAddressAndForgottenAtZero() throws Exception {
    AddressLimits limits = new AddressLimits(new HeraldSettings.PerAddress(0, 1, 2, 100, List.of()));
    InetAddress a = limits.clientOf(remote("192.0.2.1"));
    assertThat(limits.openPending(a)).isTrue();
    assertThat(limits.openPending(a)).isTrue();
    assertThat(limits.openPending(a)).as("a third").isFalse();
    assertThat(limits.openPending(limits.clientOf(remote("192.0.2.2")))).as("another address").isTrue();
    limits.pendingEnded(a);
    assertThat(limits.openPending(a)).isTrue();
    limits.pendingEnded(a);
    limits.pendingEnded(a);
    assertThat(limits.pending(a)).isZero();
    limits.pendingEnded(a); // once more than counted: stays at zero, no entry left behind
    assertThat(limits.pending(a)).isZero();
  }

  @Test
  void anIpv6ClientIsCountedByItsSlash64() throws Exception {
    AddressLimits limits = new AddressLimits(new HeraldSettings.PerAddress(1, 1, 0, 100, List.of()));
    InetAddress one = limits.clientOf(remote("2001:db8:1:2::1"));
    InetAddress other = limits.clientOf(remote("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    assertThat(one).isEqualTo(other).isEqualTo(ip("2001:db8:1:2::"));
    assertThat(limits.takeConnect(one, 0)).isZero();
    assertThat(limits.takeConnect(other, 0)).as("the same /64 shares one bucket").isEqualTo(1);
    assertThat(limits.takeConnect(limits.clientOf(remote("2001:db8:1:3::1")), 0)).isZero();
  }

  @Test
  void exemptBlocksAreNotLimited() throws Exception {
    AddressLimits limits =
        new AddressLimits(new HeraldSettings.PerAddress(1, 1, 1, 100, List.of("127.0.0.0/8", "::1/128", "10.1.0.0/17")));
    assertThat(limits.clientOf(remote("127.0.0.2"))).isNull();
    assertThat(limits.clientOf(remote("::1"))).isNull();
    assertThat(limits.clientOf(remote("10.1.127.255"))).isNull();
    assertThat(limits.clientOf(remote("10.1.128.0"))).isEqualTo(ip("10.1.128.0"));
    assertThat(limits.clientOf(remote("128.0.0.1"))).isEqualTo(ip("128.0.0.1"));
  }

  @Test
  void addressBlocksParseStrictly() {
    assertThat(AddressBlock.parse(" 192.0.2.0/24 ").contains(InetAddress.getLoopbackAddress())).isFalse();
    assertThat(AddressBlock.parse("0.0.0.0/0").toString()).isEqualTo("0.0.0.0/0");
    for (String bad : List.of("", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/x", "10.0.0.0/-1", "example.com/8")) {
      assertThatThrownBy(() -> AddressBlock.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
