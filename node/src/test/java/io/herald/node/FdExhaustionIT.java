package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Running out of file descriptors, for real: the shaded jar runs under {@code ulimit -n 400}, so
 * {@code max-connections} defaults to 400 minus the reserve. Past it connects are refused with 503;
 * a flood of raw connections beyond the descriptors left is cut at accept (or fails there with
 * "Too many open files"). Through all of it, every socket already open keeps working. Phoenix's
 * listener crashes in this situation and drops every socket.
 */
class FdExhaustionIT {
  private static final int FD_LIMIT = 400;
  private static final int FD_RESERVE = 150;
  private static final int FLOOD = 300;
  private static final String V2 = "/socket/websocket?vsn=2.0.0";

  /** The default: max-connections follows the descriptor limit, so connects past it get 503. */
  @Test
  void connectsPastTheDescriptorBudgetAreRefusedAndOpenSocketsKeepWorking() throws Exception {
    run("-Dherald.http.fd-reserve=" + FD_RESERVE, true);
  }

  /**
   * A max-connections set above what the descriptors allow: the flood runs the process out of
   * descriptors, accept fails with "Too many open files", and still no open socket is touched.
   */
  @Test
  void runningOutOfDescriptorsAtAcceptLeavesOpenSocketsAlone() throws Exception {
    run("-Dherald.http.max-connections=5000", false);
  }

  private void run(String systemProperties, boolean expectRefusal) throws Exception {
    Path jar = Path.of("target", "herald-node.jar");
    assertThat(jar).exists();
    int httpPort = freePort();
    Path log = Files.createTempFile("herald-fd", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                "-c",
                "ulimit -n " + FD_LIMIT + " && exec \"$0\" " + systemProperties + " -jar \"$1\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("HERALD_HTTP_PORT", Integer.toString(httpPort));
    pb.environment().put("HERALD_HTTP_HOST", "127.0.0.1");
    pb.environment().put("HERALD_CLUSTER_PORT", Integer.toString(freePort()));
    pb.environment().put("HERALD_API_PORT", Integer.toString(freePort()));
    pb.environment().put("HERALD_API_HOST", "127.0.0.1");
    pb.environment().put("HERALD_MANAGEMENT_PORT", Integer.toString(freePort()));
    pb.environment().put("HERALD_LINK_PORT", Integer.toString(freePort())); // chosen with the others, not left to 0
    pb.environment().put("HERALD_NEW_CONNECTIONS_PER_SECOND", "0");
    pb.environment().put("HERALD_WARM_UP", "false"); // the descriptor count here is the test's alone
    Process node = pb.start();
    List<RawWebSocket> open = new ArrayList<>();
    List<Socket> flood = new ArrayList<>();
    try {
      awaitListening(node, httpPort, log);
      int refusedAt = -1;
      int budget = FD_LIMIT - FD_RESERVE;
      for (int i = 0; i < (expectRefusal ? FD_LIMIT : budget); i++) {
        RawWebSocket ws = RawWebSocket.connect(httpPort, V2);
        if (ws.status != 101) {
          assertThat(ws.status).isEqualTo(503);
          assertThat(ws.headers).containsKey("retry-after");
          ws.close();
          refusedAt = i;
          break;
        }
        ws.sendText("[\"1\",\"1\",\"room:fd\",\"phx_join\",{}]");
        assertThat(ws.readTextOrClose().text()).contains("\"ok\"");
        open.add(ws);
      }
      if (expectRefusal) {
        assertThat(refusedAt).as("connects past max-connections (%d - %d) are refused", FD_LIMIT, FD_RESERVE).isEqualTo(budget);
      }

      for (int i = 0; i < FLOOD; i++) { // raw connections that never send a request
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", httpPort), 5_000);
        flood.add(s);
      }
      Thread.sleep(500);
      if (!expectRefusal) {
        assertThat(Files.readString(log)).as("the flood ran the node out of descriptors").contains("accepting connections failed");
      }

      // Every open socket still works: a heartbeat round trip, and a broadcast reaches all of them.
      for (RawWebSocket ws : open) {
        ws.sendText("[null,\"2\",\"phoenix\",\"heartbeat\",{}]");
        assertThat(readSkippingPresence(ws)).isEqualTo("[null,\"2\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]");
      }
      open.get(0).sendText("[\"1\",\"3\",\"room:fd\",\"shout\",{\"n\":1}]");
      for (RawWebSocket ws : open) {
        String frame;
        do {
          frame = readSkippingPresence(ws);
        } while (frame.contains("phx_reply"));
        // room:* keeps history by default: the broadcast's ref is its seq
        assertThat(frame).matches("\\[null,\"\\d+\",\"room:fd\",\"shout\",\\{\"n\":1}]");
      }

      for (Socket s : flood) {
        s.close();
      }
      flood.clear();
      open.remove(open.size() - 1).close();
      awaitUpgrade(httpPort); // room again once a socket closed: the node still accepts
      assertThat(node.isAlive()).isTrue();
    } finally {
      for (RawWebSocket ws : open) {
        ws.close();
      }
      for (Socket s : flood) {
        s.close();
      }
      node.destroy();
      if (!node.waitFor(30, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
  }

  private static void awaitListening(Process node, int port, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (RawWebSocket ws = RawWebSocket.connect(port, V2)) {
        if (ws.status == 101) {
          return;
        }
      } catch (IOException notYet) {
        assertThat(node.isAlive()).as("node exited early; log: %s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("node did not listen in 60 s").isLessThan(deadline);
        Thread.sleep(250);
      }
    }
  }

  private static void awaitUpgrade(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try (RawWebSocket ws = RawWebSocket.connect(port, V2)) {
        if (ws.status == 101) {
          return;
        }
      } catch (IOException cutAtAccept) {
        // the accept pause after a descriptor shortage may still be running
      }
      assertThat(System.nanoTime()).as("a connect upgrades again").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The next frame but a presence_state (room:* has presence on by default; these sockets track nobody). */
  private static String readSkippingPresence(RawWebSocket ws) throws Exception {
    String frame;
    do {
      frame = ws.readTextOrClose().text();
    } while (frame.contains("\"presence_state\""));
    return frame;
  }
}
