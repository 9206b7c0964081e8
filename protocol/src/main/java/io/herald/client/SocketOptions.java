package io.herald.client;

import io.herald.protocol.Serializer;
import io.herald.protocol.Serializers;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * How a {@link Socket} connects and behaves. Build one with {@link #builder(URI)}; {@code null}
 * components passed to the canonical constructor take their defaults.
 *
 * @param endpoint the full WebSocket URL, for example {@code ws://127.0.0.1:4000/socket/websocket}
 *     (as phoenix.js, the {@code /websocket} suffix is part of it here)
 * @param params connect parameters, evaluated at every (re)connect and appended to the query string,
 *     URL-encoded, before {@code vsn}. A {@code "vsn"} entry replaces the serializer's version (to test
 *     a server's refusal of a wrong version).
 * @param httpClient the client to open WebSockets with; share one across many sockets. Its executor, if
 *     it was built with one, also runs this library's callbacks. {@code null}: one default client (and
 *     pool of daemon threads) shared by all sockets created without one.
 * @param serializer the wire format; default {@link Serializers#V2}
 * @param heartbeatInterval time between a heartbeat reply and the next heartbeat, and how long a
 *     heartbeat may wait for its reply; default 30 s; {@link Duration#ZERO} disables heartbeats
 * @param reconnectBase backoff ceiling of the first reconnect; default 10 ms. Delays are drawn with
 *     full jitter, see {@link Backoff}.
 * @param reconnectMax largest backoff ceiling; default 5 s. The attempt count restarts after a
 *     connection stayed open that long (or on an explicit {@code connect()}), so that a server that
 *     accepts and drops at once still sees growing delays.
 * @param pushTimeout default timeout of pushes, joins and leaves; default 10 s
 * @param rejoinAfter delays before rejoining an errored channel, by attempt; the last one repeats;
 *     default 1 s, 2 s, 5 s, 10 s (phoenix.js's {@code rejoinAfterMs})
 * @param authToken sent as the subprotocol {@code base64url.bearer.phx.<base64 without padding>} next
 *     to {@code phoenix}, as phoenix.js 1.8; {@code null} for none
 * @param scheduler runs timers and, on occasions, callbacks; {@code null}: one daemon thread shared by
 *     all sockets created without one. Pushes cancel their timeout on reply, so a
 *     {@code ScheduledThreadPoolExecutor} given here should have {@code setRemoveOnCancelPolicy(true)}.
 * @param sendBufferSize how many pushes a socket holds while it cannot send them (disconnected, or the
 *     channel not joined yet); beyond it a push fails at once; default 1,000
 * @param connectTimeout the WebSocket opening handshake timeout; default 10 s
 * @param alternateEndpoints other nodes' endpoints, tried in turn after a connection fails or breaks
 *     (for clusters without a load balancer in front); default none
 * @param idleProbe when input stops for this long after some input, write three WebSocket pings (100
 *     ms apart); default 1 s; {@link Duration#ZERO} disables. Why: java.net.http (17, and 25 still)
 *     loses the end of stream of a server that closes right after sending a message, so such a
 *     connection would only be found dead by the next heartbeat timeout. Writing to it fails within
 *     three writes instead (the peer answers the first with a reset). Costs three tiny frames per quiet
 *     period, none while traffic flows; the server answers them with pongs, which are ignored.
 */
public record SocketOptions(
    URI endpoint,
    Supplier<Map<String, String>> params,
    HttpClient httpClient,
    Serializer serializer,
    Duration heartbeatInterval,
    Duration reconnectBase,
    Duration reconnectMax,
    Duration pushTimeout,
    List<Duration> rejoinAfter,
    String authToken,
    ScheduledExecutorService scheduler,
    int sendBufferSize,
    Duration connectTimeout,
    Duration idleProbe,
    List<URI> alternateEndpoints) {

  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RECONNECT_BASE = Duration.ofMillis(10);
  public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(5);
  public static final Duration DEFAULT_PUSH_TIMEOUT = Duration.ofSeconds(10);
  public static final List<Duration> DEFAULT_REJOIN_AFTER = List.of(
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10));
  public static final int DEFAULT_SEND_BUFFER_SIZE = 1_000;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_PROBE = Duration.ofSeconds(1);

  /** The subprotocol phoenix servers answer with when a client sends a token. */
  public static final String PHOENIX_SUBPROTOCOL = "phoenix";
  /** Prefix of the token subprotocol (the encoding is standard base64 despite the name, as Phoenix). */
  public static final String AUTH_TOKEN_PREFIX = "base64url.bearer.phx.";

  public SocketOptions {
    Objects.requireNonNull(endpoint, "endpoint");
    String scheme = endpoint.getScheme();
    if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("endpoint must be a ws:// or wss:// URI: " + endpoint);
    }
    if (endpoint.getRawAuthority() == null) {
      throw new IllegalArgumentException("endpoint has no host: " + endpoint);
    }
    params = params == null ? Map::of : params;
    serializer = serializer == null ? Serializers.V2 : serializer;
    heartbeatInterval = nonNegative("heartbeatInterval", heartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL);
    reconnectBase = nonNegative("reconnectBase", reconnectBase, DEFAULT_RECONNECT_BASE);
    reconnectMax = nonNegative("reconnectMax", reconnectMax, DEFAULT_RECONNECT_MAX);
    pushTimeout = positive("pushTimeout", pushTimeout, DEFAULT_PUSH_TIMEOUT);
    connectTimeout = positive("connectTimeout", connectTimeout, DEFAULT_CONNECT_TIMEOUT);
    idleProbe = nonNegative("idleProbe", idleProbe, DEFAULT_IDLE_PROBE);
    alternateEndpoints = alternateEndpoints == null ? List.of() : List.copyOf(alternateEndpoints);
    rejoinAfter = rejoinAfter == null ? DEFAULT_REJOIN_AFTER : List.copyOf(rejoinAfter);
    if (rejoinAfter.isEmpty()) {
      throw new IllegalArgumentException("rejoinAfter needs at least one delay");
    }
    for (Duration d : rejoinAfter) {
      nonNegative("rejoinAfter", d, null);
    }
    if (sendBufferSize < 0) {
      throw new IllegalArgumentException("sendBufferSize must be >= 0: " + sendBufferSize);
    }
    if (authToken != null) {
      authTokenProtocol(authToken); // fail at build time rather than at every connect
    }
  }

  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  public static Builder builder(String endpoint) {
    return new Builder(URI.create(endpoint));
  }

  public Builder toBuilder() {
    Builder b = new Builder(endpoint);
    b.params = params;
    b.httpClient = httpClient;
    b.serializer = serializer;
    b.heartbeatInterval = heartbeatInterval;
    b.reconnectBase = reconnectBase;
    b.reconnectMax = reconnectMax;
    b.pushTimeout = pushTimeout;
    b.rejoinAfter = rejoinAfter;
    b.authToken = authToken;
    b.scheduler = scheduler;
    b.sendBufferSize = sendBufferSize;
    b.connectTimeout = connectTimeout;
    b.idleProbe = idleProbe;
    b.alternateEndpoints = alternateEndpoints;
    return b;
  }

  /** The delay before rejoin number {@code attempt} (0-based); the last configured delay repeats. */
  public Duration rejoinDelay(int attempt) {
    return rejoinAfter.get(Math.min(Math.max(attempt, 0), rejoinAfter.size() - 1));
  }

  /** The reconnect backoff these options describe. */
  public Backoff backoff() {
    return new Backoff(reconnectBase, reconnectMax);
  }

  /**
   * The token subprotocol, {@code base64url.bearer.phx.} + standard base64 without padding, exactly
   * as phoenix.js ({@code btoa(token).replace(/=/g, "")}) and as Phoenix decodes it.
   *
   * @throws IllegalArgumentException when the encoding holds a '/', which is not an RFC 7230 token
   *     character: java.net.http refuses such a subprotocol (browsers do too), and url-safe base64
   *     would not decode on a Phoenix server
   */
  static String authTokenProtocol(String token) {
    String encoded = Base64.getEncoder().withoutPadding()
        .encodeToString(token.getBytes(StandardCharsets.UTF_8));
    if (encoded.indexOf('/') >= 0) {
      throw new IllegalArgumentException("authToken cannot be sent: its standard base64 encoding contains"
          + " '/', which is not allowed in a WebSocket subprotocol; use a token without that property"
          + " or pass it as a connect param");
    }
    return AUTH_TOKEN_PREFIX + encoded;
  }

  private static Duration nonNegative(String name, Duration d, Duration dflt) {
    if (d == null) {
      if (dflt == null) {
        throw new NullPointerException(name);
      }
      return dflt;
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
    return d;
  }

  private static Duration positive(String name, Duration d, Duration dflt) {
    Duration v = nonNegative(name, d, dflt);
    if (v.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
    return v;
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private final URI endpoint;
    private Supplier<Map<String, String>> params;
    private HttpClient httpClient;
    private Serializer serializer;
    private Duration heartbeatInterval;
    private Duration reconnectBase;
    private Duration reconnectMax;
    private Duration pushTimeout;
    private List<Duration> rejoinAfter;
    private String authToken;
    private ScheduledExecutorService scheduler;
    private int sendBufferSize = DEFAULT_SEND_BUFFER_SIZE;
    private Duration connectTimeout;
    private Duration idleProbe;

    private List<URI> alternateEndpoints = List.of();

    private Builder(URI endpoint) {
      this.endpoint = endpoint;
    }

    /** Connect params, called again at every reconnect (so that a token can be refreshed). */
    public Builder params(Supplier<Map<String, String>> params) {
      this.params = params;
      return this;
    }

    /** Fixed connect params; the order of the map is kept. */
    public Builder params(Map<String, String> params) {
      Map<String, String> copy = new LinkedHashMap<>(params);
      this.params = () -> copy;
      return this;
    }

    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    public Builder serializer(Serializer serializer) {
      this.serializer = serializer;
      return this;
    }

    public Builder heartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = heartbeatInterval;
      return this;
    }

    public Builder reconnectBackoff(Duration base, Duration max) {
      this.reconnectBase = base;
      this.reconnectMax = max;
      return this;
    }

    public Builder pushTimeout(Duration pushTimeout) {
      this.pushTimeout = pushTimeout;
      return this;
    }

    public Builder rejoinAfter(List<Duration> rejoinAfter) {
      this.rejoinAfter = rejoinAfter;
      return this;
    }

    public Builder rejoinAfter(Duration... rejoinAfter) {
      this.rejoinAfter = List.of(rejoinAfter);
      return this;
    }

    public Builder authToken(String authToken) {
      this.authToken = authToken;
      return this;
    }

    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    public Builder sendBufferSize(int sendBufferSize) {
      this.sendBufferSize = sendBufferSize;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder idleProbe(Duration idleProbe) {
      this.idleProbe = idleProbe;
      return this;
    }

    public SocketOptions build() {
      return new SocketOptions(endpoint, params, httpClient, serializer, heartbeatInterval,
          reconnectBase, reconnectMax, pushTimeout, rejoinAfter, authToken, scheduler, sendBufferSize,
          connectTimeout, idleProbe, alternateEndpoints);
    }

    /**
     * Other nodes of the same cluster (when there is no load balancer in front): after a connection
     * fails or breaks, the next attempt goes to the next endpoint in turn.
     */
    public Builder alternateEndpoints(List<URI> alternateEndpoints) {
      this.alternateEndpoints = alternateEndpoints;
      return this;
    }
  }
}
