package io.herald.node.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.node.socket.SocketDirectory;
import io.herald.node.config.HeraldSettings;
import io.herald.node.metrics.NodeMetrics;
import io.herald.node.presence.Presence;
import io.herald.node.topic.TopicEntity;
import io.herald.node.topic.NodeFanout;
import io.herald.node.topic.NodePublisher;
import io.herald.protocol.CloseReason;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.RecipientRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The internal HTTP API (for backends and operators, not the public internet): publish to topics,
 * disconnect sockets by id, and read node and cluster stats. JSON in and out; every error is an RFC 9457 problem document.
 */
final class ApiRoutes extends AllDirectives {
  static final ContentType.WithFixedCharset PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

  private final ObjectMapper mapper = new ObjectMapper();
  private final HeraldSettings.Api settings;
  private final ActorSystem<?> system;
  private final ActorRef<NodePublisher.Command> publisher;
  private final ActorRef<NodeFanout.Command> fanout;
  /** This node's socket directory: asked even before the cluster receptionist lists it. */
  private final ActorRef<SocketDirectory.Command> localDirectory;
  private final IntSupplier openSockets;
  private final Executor executor;
  private final byte[] key;
  private final NodeMetrics metrics;
  private final Presence presence;
  private final Function<String, RecipientRef<TopicEntity.Command>> owners;
  private final ContentType metricsContentType = ContentTypes.parse(NodeMetrics.contentType());

  ApiRoutes(
      HeraldSettings.Api settings,
      ActorSystem<?> system,
      ActorRef<NodePublisher.Command> publisher,
      ActorRef<NodeFanout.Command> fanout,
      ActorRef<SocketDirectory.Command> localDirectory,
      IntSupplier openSockets,
      NodeMetrics metrics,
      Presence presence,
      Function<String, RecipientRef<TopicEntity.Command>> owners) {
    this.presence = presence;
    this.owners = owners;
    this.localDirectory = localDirectory;
    this.metrics = metrics;
    this.settings = settings;
    this.system = system;
    this.publisher = publisher;
    this.fanout = fanout;
    this.openSockets = openSockets;
    // Pekko's CompletionStages run plain callbacks on the common pool (one thread on 2 cores).
    this.executor = system.executionContext();
    this.key = settings.key().isEmpty() ? null : settings.key().getBytes(StandardCharsets.UTF_8);
  }

  Route routes() {
    return handleRejections(
        problemRejections(),
        () ->
            concat(
                // Prometheus scrapes without the API key: metrics carry no user data, and the port is internal.
                path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(
                    HttpEntities.create(metricsContentType, metrics.scrape()))))),
            pathPrefix(
                "api",
                () ->
                    authorized(
                        () ->
                            concat(
                                pathPrefix(
                                    "broadcast",
                                    () ->
                                        concat(
                                            pathEnd(() -> post(() -> withBody(this::broadcast))),
                                            path("batch", () -> post(() -> withBody(this::broadcastBatch))))),
                                pathPrefix(
                                    "sockets",
                                    () ->
                                        pathPrefix(
                                            segment(),
                                            id ->
                                                path(
                                                    "disconnect",
                                                    () -> post(() -> withBody(body -> disconnect(id, body)))))),
                                pathPrefix(
                                    "topics",
                                    () ->
                                        pathPrefix(
                                            segment(),
                                            topic ->
                                                concat(
                                                    path("presence", () -> get(() -> presence(topic))),
                                                    path("history", () -> get(() -> parameterOptional("since", since ->
                                                        parameterOptional("limit", limit -> history(topic, since, limit)))))))),
                                path("stats", () -> get(this::stats)))))));
  }

  /**
   * Bearer key, compared in constant time; with no key configured, loopback callers only, judged by
   * the TCP peer's address: X-Forwarded-For and X-Real-IP are the caller's to forge.
   */
  private Route authorized(java.util.function.Supplier<Route> inner) {
    return extractRequest(
        request ->
            optionalHeaderValueByName(
                "Authorization",
                header -> {
                  if (key == null) {
                    return isLoopbackPeer(request)
                        ? inner.get()
                        : complete(problem(Problem.of(403, "forbidden", "Forbidden",
                            "no API key is configured (HERALD_API_KEY): only loopback callers are answered")));
                  }
                  Optional<String> bearer = header.filter(h -> h.startsWith("Bearer ")).map(h -> h.substring(7));
                  if (bearer.isPresent() && MessageDigest.isEqual(key, bearer.get().getBytes(StandardCharsets.UTF_8))) {
                    return inner.get();
                  }
                  return complete(
                      problem(Problem.of(401, "unauthorized", "Unauthorized", "a valid bearer API key is required"))
                          .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "herald"))));
                }));
  }

  /** The TCP peer (pekko.http.server.remote-address-attribute), never a forwarding header. */
  static boolean isLoopbackPeer(HttpRequest request) {
    Optional<InetAddress> address = request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress);
    return address.isPresent() && address.get().isLoopbackAddress();
  }

  /** The request body as bytes, at most max-body-size (413 beyond). */
  private Route withBody(java.util.function.Function<byte[], Route> inner) {
    return extractRequestEntity(
        entity ->
            onComplete(
                entity
                    .withSizeLimit(settings.maxBodySize())
                    .toStrict(settings.publishTimeout().toMillis(), system)
                    .thenApplyAsync(strict -> strict.getData().toArray(), executor),
                body -> {
                  if (body.isSuccess()) {
                    return inner.apply(body.get());
                  }
                  Throwable cause = body.failed().get();
                  if (cause instanceof EntityStreamSizeException
                      || cause.getCause() instanceof EntityStreamSizeException) {
                    return complete(problem(Problem.of(413, "payload-too-large", "Payload too large",
                        "the body is larger than " + settings.maxBodySize() + " bytes (herald.api.max-body-size)")));
                  }
                  return complete(problem(Problem.badRequest("unreadable-body", "the body could not be read")));
                }));
  }

  private Route broadcast(byte[] body) {
    BroadcastRequest.Parsed parsed = BroadcastRequest.parse(mapper, body);
    if (parsed.problem() != null) {
      return complete(problem(parsed.problem()));
    }
    return onComplete(
        publish(parsed.request()),
        result ->
            result.isSuccess()
                ? complete(json(StatusCodes.OK, published(result.get())))
                : complete(problem(unavailable(parsed.request().topic()))));
  }

  private Route broadcastBatch(byte[] body) {
    BroadcastRequest.ParsedBatch batch = BroadcastRequest.parseBatch(mapper, body, settings.maxBatch());
    if (batch.problem() != null) {
      return complete(problem(batch.problem()));
    }
    List<CompletableFuture<ObjectNode>> results = new ArrayList<>();
    for (BroadcastRequest.Parsed item : batch.items()) {
      if (item.problem() != null) {
        results.add(CompletableFuture.completedFuture(errorItem(item.problem())));
      } else {
        results.add(
            publish(item.request())
                .handleAsync(
                    (p, error) -> error == null ? published(p) : errorItem(unavailable(item.request().topic())),
                    executor)
                .toCompletableFuture());
      }
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]));
    return onSuccess(
        all.thenApplyAsync(
            v -> {
              ObjectNode response = mapper.createObjectNode();
              ArrayNode array = response.putArray("results");
              results.forEach(r -> array.add(r.join()));
              return response;
            },
            executor),
        response -> complete(json(StatusCodes.OK, response)));
  }

  /** Who is on {@code topic}, as this node's replica has it, in phoenix.js's presence_state shape. */
  private Route presence(String topic) {
    return complete(
        HttpResponse.create()
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, presence.list(topic).bytes())));
  }

  /**
   * Up to {@code limit} (default 100, at most {@link HistoryQuery#MAX_LIMIT}) messages of a topic's
   * history after {@code since} (default 0), from its owner, and whether they are all there are.
   */
  private Route history(String topic, Optional<String> since, Optional<String> limit) {
    HistoryQuery.Parsed parsed = HistoryQuery.parse(topic, since, limit);
    if (parsed.problem() != null) {
      return complete(problem(parsed.problem()));
    }
    HistoryQuery query = parsed.query();
    CompletionStage<TopicEntity.HistoryPage> page =
        AskPattern.<TopicEntity.Command, TopicEntity.HistoryPage>ask(
                owners.apply(topic),
                replyTo -> new TopicEntity.ReadHistory(query.since(), query.limit(), replyTo),
                settings.publishTimeout(),
                system.scheduler())
            .thenApplyAsync(p -> p, executor);
    return onComplete(
        page,
        result -> {
          if (result.isFailure()) {
            return complete(problem(Problem.of(503, "topic-unavailable", "Topic unavailable",
                "the owner of " + topic + " did not answer within " + settings.publishTimeout() + "; retry")));
          }
          return complete(json(StatusCodes.OK, HistoryQuery.toJson(mapper, topic, result.get())));
        });
  }

  private Route stats() {
    CompletionStage<NodeFanout.LocalStats> local =
        AskPattern.ask(fanout, NodeFanout.GetLocalStats::new, settings.publishTimeout(), system.scheduler());
    return onComplete(
        local,
        result -> {
          ObjectNode response = mapper.createObjectNode();
          Cluster cluster = Cluster.get(system);
          ObjectNode node = response.putObject("node");
          node.put("address", cluster.selfMember().address().toString());
          node.put("status", cluster.selfMember().status().toString());
          node.put("sockets", openSockets.getAsInt());
          if (result.isSuccess()) {
            node.put("topics", result.get().topics());
            node.put("subscriptions", result.get().subscriptions());
          }
          ArrayNode members = response.putObject("cluster").putArray("members");
          for (Member member : cluster.state().getMembers()) {
            ObjectNode m = members.addObject();
            m.put("address", member.address().toString());
            m.put("status", member.status().toString());
            m.put("reachable", !cluster.state().getUnreachable().contains(member));
          }
          return complete(json(StatusCodes.OK, response));
        });
  }

  /**
   * Closes every socket with this id on every node: 1000 by default (phoenix.js does not reconnect:
   * logout, ban), 1001 with {@code "reconnect": true} (it reconnects, as after Phoenix's id-disconnect,
   * e.g. to pick up new permissions). Each node's {@link SocketDirectory} answers how many it closed;
   * nodes that do not answer in time are counted in {@code nodes_unanswered} (the call may be repeated).
   */
  private Route disconnect(String socketId, byte[] body) {
    DisconnectRequest.Parsed parsed = DisconnectRequest.parse(mapper, socketId, body);
    if (parsed.problem() != null) {
      return complete(problem(parsed.problem()));
    }
    boolean reconnect = parsed.request().reconnect();
    CloseReason reason = reconnect ? CloseReason.DISCONNECTED_RECONNECT : CloseReason.DISCONNECTED;
    Duration timeout = settings.publishTimeout();
    CompletionStage<ObjectNode> result =
        AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                system.receptionist(), replyTo -> Receptionist.find(SocketDirectory.KEY, replyTo), timeout, system.scheduler())
            .thenComposeAsync(
                listing -> {
                  List<CompletableFuture<Integer>> answers = new ArrayList<>();
                  // The receptionist's listing lags a registration by up to its gossip interval: a node
                  // just started may not list its own directory yet, so that one is always asked.
                  Set<ActorRef<SocketDirectory.Command>> directories = new HashSet<>(listing.getServiceInstances(SocketDirectory.KEY));
                  directories.add(localDirectory);
                  for (ActorRef<SocketDirectory.Command> directory : directories) {
                    answers.add(
                        AskPattern.<SocketDirectory.Command, SocketDirectory.Disconnected>ask(
                                directory,
                                replyTo -> new SocketDirectory.Disconnect(socketId, reason, !reconnect, replyTo),
                                timeout,
                                system.scheduler())
                            .handle((d, error) -> error == null ? d.sockets() : -1)
                            .toCompletableFuture());
                  }
                  return CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0]))
                      .thenApply(
                          v -> {
                            ObjectNode json = mapper.createObjectNode();
                            json.put("socket_id", socketId);
                            json.put("close_code", reason.code());
                            int sockets = 0;
                            int answered = 0;
                            for (CompletableFuture<Integer> answer : answers) {
                              int n = answer.join();
                              if (n >= 0) {
                                sockets += n;
                                answered++;
                              }
                            }
                            json.put("sockets", sockets);
                            json.put("nodes", answered);
                            json.put("nodes_unanswered", answers.size() - answered);
                            return json;
                          });
                },
                executor);
    return onComplete(
        result,
        r ->
            r.isSuccess()
                ? complete(json(StatusCodes.OK, r.get()))
                : complete(problem(Problem.of(503, "cluster-unavailable", "Cluster unavailable",
                    "the cluster's socket directories could not be listed within " + timeout))));
  }

  private CompletionStage<NodePublisher.Published> publish(BroadcastRequest request) {
    return AskPattern.<NodePublisher.Command, NodePublisher.Published>ask(
            publisher,
            replyTo ->
                new NodePublisher.Publish(
                    request.topic(), request.event(), request.payload(), false, replyTo, 0, request.idempotencyKey()),
            settings.publishTimeout(),
            system.scheduler())
        .thenApplyAsync(p -> p, executor);
  }

  private ObjectNode published(NodePublisher.Published p) {
    ObjectNode json = mapper.createObjectNode();
    if (p.numbered()) {
      json.put("seq", p.seq());
      // As a string: 64-bit epochs do not survive JavaScript numbers.
      json.put("epoch", Long.toString(p.epoch()));
    } else {
      // Delivered straight to the members while the topic's owner was unreachable: no seq, no epoch.
      json.putNull("seq");
      json.putNull("epoch");
    }
    return json;
  }

  private ObjectNode errorItem(Problem problem) {
    ObjectNode json = mapper.createObjectNode();
    json.set("error", problem.toJson(mapper));
    return json;
  }

  private Problem unavailable(String topic) {
    return Problem.of(503, "topic-unavailable", "Topic unavailable",
        "the owner of " + topic + " did not accept the message within " + settings.publishTimeout()
            + "; it may be moving to another node, retry with the same idempotency_key");
  }

  private HttpResponse json(org.apache.pekko.http.javadsl.model.StatusCode status, ObjectNode body) {
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, bytes(body)));
  }

  HttpResponse problem(Problem problem) {
    return HttpResponse.create()
        .withStatus(problem.status())
        .withEntity(HttpEntities.create(PROBLEM_JSON, bytes(problem.toJson(mapper))));
  }

  /** A tree built here always serializes; a failure would be a bug, not bad input. */
  private byte[] bytes(ObjectNode json) {
    try {
      return mapper.writeValueAsBytes(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Pekko's rejections (unknown path, wrong method) as problem documents. */
  private RejectionHandler problemRejections() {
    return RejectionHandler.defaultHandler()
        .mapRejectionResponse(
            response -> {
              int status = response.status().intValue();
              String type = status == 404 ? "not-found" : status == 405 ? "method-not-allowed" : "bad-request";
              String title = response.status().reason();
              String detail = response.entity().isKnownEmpty() ? title : strictText(response);
              return response.withEntity(
                  HttpEntities.create(PROBLEM_JSON, bytes(new Problem(type, title, status, detail).toJson(mapper))));
            });
  }

  private static String strictText(HttpResponse response) {
    if (response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict) {
      return strict.getData().utf8String();
    }
    return response.status().reason();
  }
}
