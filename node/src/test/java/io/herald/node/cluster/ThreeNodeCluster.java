package io.herald.node.cluster;

import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.node.HeraldNode;
import io.herald.node.TestNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Three nodes in one JVM for a test class, each a real cluster member with Artery remoting, its node
 * links and its own WebSocket port on loopback, and the Java client's sockets to them (closed after
 * each test).
 */
abstract class ThreeNodeCluster {
  static List<HeraldNode> nodes;
  private static HttpClient http;
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = TestNode.startCluster(3, TestNode.FAST_CLIENTS);
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopCluster() {
    if (nodes != null) {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
      nodes = null;
    }
  }

  @AfterEach
  void closeSockets() {
    sockets.forEach(Socket::close);
  }

  /** A connected socket to {@code node}, closed after the test. */
  Socket connect(HeraldNode node) {
    Socket socket = connected(node, http);
    sockets.add(socket);
    return socket;
  }

  /** A socket of the Java client connected to {@code node}, pushes answered within 30 s. */
  static Socket connected(HeraldNode node, HttpClient http) {
    Socket socket =
        new Socket(SocketOptions.builder(TestNode.endpoint(node)).httpClient(http).pushTimeout(Duration.ofSeconds(30)).build());
    socket.connect().join();
    return socket;
  }
}
