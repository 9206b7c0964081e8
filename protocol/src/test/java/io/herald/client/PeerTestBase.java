package io.herald.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link PhoenixPeer} per test, and sockets that are disconnected after it. */
abstract class PeerTestBase {
  static {
    TestSupport.init();
  }

  PhoenixPeer peer;
  final List<Socket> sockets = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startPeer() throws InterruptedException {
    peer = PhoenixPeer.start();
  }

  @AfterEach
  void stopPeer() {
    sockets.forEach(Socket::disconnect);
    peer.close();
  }

  static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }

  /** Fast defaults for tests: short backoff and rejoin schedule. */
  SocketOptions.Builder options() {
    return SocketOptions.builder(peer.endpoint())
        .reconnectBackoff(ms(10), ms(100))
        .rejoinAfter(ms(50), ms(100));
  }

  Socket socket(UnaryOperator<SocketOptions.Builder> configure) {
    Socket s = new Socket(configure.apply(options()).build());
    sockets.add(s);
    return s;
  }

  /** A connected socket; also waits until the peer registered the connection (its side may lag). */
  Socket connected(UnaryOperator<SocketOptions.Builder> configure) {
    int before = peer.connections.size();
    Socket s = socket(configure);
    TestSupport.get(s.connect());
    TestSupport.await("the peer's side of the connection", () -> peer.connections.size() > before);
    return s;
  }

  Socket connected() {
    return connected(b -> b);
  }
}
