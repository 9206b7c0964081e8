package io.herald.node.api;

import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.presence.Presence;
import io.herald.node.socket.SocketDirectory;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.node.topic.TopicEntity;
import java.util.function.Function;
import org.apache.pekko.actor.typed.RecipientRef;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the internal API port (Pekko HTTP) and unbinds it on shutdown. */
public final class ApiServer {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final ServerBinding binding;

  private ApiServer(ServerBinding binding) {
    this.binding = binding;
  }

  public static ApiServer bind(
      HeraldSettings.Api settings,
      ActorSystem<?> system,
      ActorRef<NodePublisher.Command> publisher,
      ActorRef<NodeFanout.Command> fanout,
      ActorRef<SocketDirectory.Command> localDirectory,
      IntSupplier openSockets,
      NodeMetrics metrics,
      Presence presence,
      Function<String, RecipientRef<TopicEntity.Command>> owners)
      throws Exception {
    ApiRoutes routes = new ApiRoutes(settings, system, publisher, fanout, localDirectory, openSockets, metrics, presence, owners);
    ServerBinding binding =
        Http.get(system)
            .newServerAt(settings.bindHost(), settings.port())
            .bind(routes.routes())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system);
    if (settings.key().isEmpty()) {
      log.warn("HTTP API on {}: no API key configured (HERALD_API_KEY), answering loopback callers only",
          binding.localAddress());
    } else {
      log.info("HTTP API on {} (bearer API key required)", binding.localAddress());
    }
    return new ApiServer(binding);
  }

  public int port() {
    return binding.localAddress().getPort();
  }
}
