package io.herald.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.herald.node.channel.ChannelRoutes;
import io.herald.node.config.HeraldConfig;
import java.util.List;
import java.util.Map;

/**
 * Starts a real Herald node in this JVM for tests: a one-node cluster with real remoting on
 * loopback, the Netty edge on a free port.
 */
public final class TestNode {
  private TestNode() {}

  /** A node with the default channels ({@code room:*} broadcasts) and {@code extraRoutes} first. */
  public static HeraldNode start(List<ChannelRoutes.Route> extraRoutes) throws Exception {
    return start(extraRoutes, Map.of());
  }

  /** As {@link #start(List)}, with configuration overrides such as {@code herald.socket.max-channels}. */
  public static HeraldNode start(List<ChannelRoutes.Route> extraRoutes, Map<String, Object> overrides)
      throws Exception {
    Config config =
        HeraldConfig.load(
            ConfigFactory.parseMap(overrides)
                .withFallback(
                    ConfigFactory.parseString(
                        """
                        herald.http.host = "127.0.0.1"
                        herald.http.port = 0
                        herald.cluster.port = 0
                        herald.cluster.formation-timeout = 30s
                        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
                        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                        pekko.loglevel = WARNING
                        """)));
    return HeraldNode.start(config, extraRoutes);
  }

  /** The WebSocket URL of {@code node} for protocol version {@code vsn}. */
  public static String url(HeraldNode node, String vsn) {
    return "ws://127.0.0.1:" + node.port() + "/socket/websocket?vsn=" + vsn;
  }

  public static String endpoint(HeraldNode node) {
    return "ws://127.0.0.1:" + node.port() + "/socket/websocket";
  }
}
