package io.herald.loadtest.fanout;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One server endpoint ({@code ws://host:port/path?query}) and the HTTP upgrade request for it, built
 * once: every connection to it sends the same bytes.
 */
record Target(String url, InetSocketAddress address, byte[] upgradeRequest) {
  /**
   * The key of RFC 6455's example handshake, and the accept value it must produce. A fixed key is
   * fine for a load generator (the server only echoes its hash) and lets the harness check the
   * answer without hashing per connection.
   */
  static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  static Target of(String url) {
    URI uri = URI.create(url);
    if (!"ws".equals(uri.getScheme())) throw new IllegalArgumentException("only ws:// URLs: " + url);
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    String request = "GET " + path + " HTTP/1.1\r\n"
        + "Host: " + uri.getHost() + ":" + port + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + KEY + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + "\r\n";
    return new Target(url, new InetSocketAddress(uri.getHost(), port), request.getBytes(StandardCharsets.US_ASCII));
  }

  static List<Target> all(List<String> urls) {
    if (urls.isEmpty()) throw new IllegalArgumentException("--url: at least one URL");
    List<Target> out = new ArrayList<>();
    for (String u : urls) out.add(of(u));
    return out;
  }

  boolean isIpv4Loopback() {
    byte[] a = address.getAddress() == null ? null : address.getAddress().getAddress();
    return a != null && a.length == 4 && a[0] == 127;
  }

  /**
   * Local addresses to bind before connecting: 127.0.0.1 .. 127.0.0.K. One source address reaches one
   * server port from at most ~28k ephemeral ports; {@code auto} takes one address per 20,000
   * connections, none (the kernel's choice) when one is enough.
   */
  static List<InetSocketAddress> sourceAddresses(String spec, List<Target> targets, int connections) {
    boolean loopback = targets.stream().allMatch(Target::isIpv4Loopback);
    int k;
    if (spec.equals("auto")) {
      if (!loopback) return List.of();
      k = Math.max(1, (connections + 19_999) / 20_000);
      if (k == 1) return List.of();
    } else {
      k = Integer.parseInt(spec);
      if (k < 0 || k > 254) throw new IllegalArgumentException("--src-addrs: 0..254 or auto");
      if (k == 0) return List.of();
      if (!loopback) throw new IllegalArgumentException("--src-addrs needs IPv4 loopback (127.x.x.x) URLs");
    }
    List<InetSocketAddress> out = new ArrayList<>();
    for (int i = 1; i <= k; i++) out.add(new InetSocketAddress("127.0.0." + i, 0));
    return out;
  }
}
