package io.herald.node.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** A CIDR block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a block of one. */
record AddressBlock(byte[] network, int prefixBits, String text) {

  /**
   * @throws IllegalArgumentException for anything but an IP literal with an optional prefix length that
   *     fits its family (a host name is refused: it would be resolved through DNS at start)
   */
  static AddressBlock parse(String cidr) {
    String text = cidr.strip();
    int slash = text.indexOf('/');
    String literal = slash < 0 ? text : text.substring(0, slash);
    if (literal.isEmpty() || !literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
      throw new IllegalArgumentException("not an IP address block: \"" + cidr + "\" (expected e.g. 10.0.0.0/8 or ::1/128)");
    }
    byte[] address;
    try {
      address = InetAddress.getByName(literal).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address block: \"" + cidr + "\"", e);
    }
    int bits = address.length * Byte.SIZE;
    int prefix;
    try {
      prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in \"" + cidr + "\"", e);
    }
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException("prefix length out of 0.." + bits + " in \"" + cidr + "\"");
    }
    return new AddressBlock(address, prefix, text);
  }

  boolean contains(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != network.length) {
      return false; // IPv4 blocks hold IPv4 addresses only (Java reports IPv4-mapped IPv6 as IPv4)
    }
    int whole = prefixBits / Byte.SIZE;
    for (int i = 0; i < whole; i++) {
      if (bytes[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixBits % Byte.SIZE;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (Byte.SIZE - rest)) & 0xFF;
    return (bytes[whole] & mask) == (network[whole] & mask);
  }

  @Override
  public String toString() {
    return text;
  }
}
