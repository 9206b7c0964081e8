package io.herald.node.channel;

import com.typesafe.config.Config;
import io.herald.protocol.TopicPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Topic patterns and their handlers, first match wins (as Phoenix's {@code channel/3} declarations). */
public final class ChannelRoutes {

  /** One declared pattern and the handler that serves it. */
  public record Route(TopicPattern pattern, ChannelHandler handler) {}

  private final List<Route> routes;

  private ChannelRoutes(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public static ChannelRoutes of(List<Route> routes) {
    return new ChannelRoutes(routes);
  }

  /**
   * Reads {@code herald.channels}: a list of {@code {pattern, handler}} where handler is
   * {@code "broadcast"} (the built-in) or the class name of a {@link ChannelHandler} with a public
   * no-argument constructor, and {@code presence} (on or off, default off) turns presence on for the
   * built-in handler.
   */
  public static ChannelRoutes fromConfig(Config herald) {
    List<Route> routes = new ArrayList<>();
    for (Config entry : herald.getConfigList("channels")) {
      String pattern = entry.getString("pattern");
      String handler = entry.getString("handler");
      boolean presence = entry.hasPath("presence") && entry.getBoolean("presence");
      if (presence && !"broadcast".equals(handler)) {
        throw new IllegalArgumentException(
            "herald.channels: presence = on is for the built-in \"broadcast\" handler; " + handler + " decides with presence()");
      }
      ChannelHandler instance =
          presence
              ? new BroadcastHandler(true, (int) herald.getMemorySize("presence.max-meta-size").toBytes())
              : instantiate(handler);
      routes.add(new Route(TopicPattern.parse(pattern), instance));
    }
    return new ChannelRoutes(routes);
  }

  /** These routes after {@code first} (which therefore take precedence). */
  public ChannelRoutes after(List<Route> first) {
    List<Route> all = new ArrayList<>(first);
    all.addAll(routes);
    return new ChannelRoutes(all);
  }

  public Optional<ChannelHandler> handlerFor(String topic) {
    for (Route route : routes) {
      if (route.pattern().matches(topic)) {
        return Optional.of(route.handler());
      }
    }
    return Optional.empty();
  }

  private static ChannelHandler instantiate(String handler) {
    if ("broadcast".equals(handler)) {
      return new BroadcastHandler();
    }
    try {
      Class<?> type = Class.forName(handler);
      return (ChannelHandler) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException(
          "herald.channels: handler '" + handler + "' is neither \"broadcast\" nor a ChannelHandler class"
              + " with a public no-argument constructor",
          e);
    }
  }
}
