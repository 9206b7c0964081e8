package io.herald.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.client.Channel;
import io.herald.client.Socket;
import io.herald.client.SocketOptions;
import io.herald.protocol.Message;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import io.herald.protocol.Serializers;
import io.herald.protocol.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hostile sockets send every kind of broken frame while well-behaved clients share a room with a steady
 * publisher: the well-behaved clients must not notice, every hostile frame gets its documented answer
 * (an error reply, silence, or a close code), and the node serves on afterwards.
 */
class HostileSocketTest {
  private static final Logger log = LoggerFactory.getLogger(HostileSocketTest.class);

  private static final String V2 = "/socket/websocket?vsn=2.0.0";
  private static final String VICTIM_ROOM = "room:victims";
  private static final int WELL_BEHAVED_CLIENTS = 100;
  /** One push every 4 ms: 250 messages a second, each delivered to 101 sockets. */
  private static final long PUBLISH_INTERVAL_MILLIS = 4;
  private static final int HOSTILE_FRAMES = 10_000;
  /** Threads sending hostile frames, each on its own socket at a time. */
  private static final int HOSTILE_WORKERS = 8;
  private static final int MAX_FRAME_SIZE = 64 * 1024;
  /** Past Jackson's default limit of 1,000 digits for one number. */
  private static final int HUGE_DIGITS = 2_000;
  /** Past the decoder's nesting limit of 1,000. */
  private static final int TOO_DEEP = 5_000;
  /** Wrong answers kept for the failure message. */
  private static final int MAX_REPORTED = 30;

  private static final Pattern N = Pattern.compile("^\\{\"n\":(\\d+)\\}$");
  private static final Pattern REASON = Pattern.compile("\"reason\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  // ---- what the server may answer a hostile frame with ----

  static final String MALFORMED_REPLY = "error reply: malformed message";
  static final String UNMATCHED_REPLY = "error reply: unmatched topic";
  static final String DROPPED = "no answer, socket stays";
  static final String PONG = "pong";
  static final String CUT = "cut without a close frame";

  static String closed(int code) {
    return "close " + code;
  }

  /** The hostile frame classes of the issue; every one must be sent at least once. */
  enum FrameClass {
    INVALID_JSON,
    WRONG_ARITY,
    WRONG_TYPE,
    V1_OBJECT_ON_V2,
    INVALID_UTF8,
    LYING_BINARY,
    EMPTY,
    HUGE_NUMBER,
    DEEP_NESTING,
    OVERSIZED,
    FRAGMENTS,
    BAD_CONTROL,
    UNJOINED_PUSH,
    UNMATCHED_JOIN,
    STALE_JOIN_REF
  }

  /** Sends one hostile frame (or fragment sequence) and returns the ref a reply to it would carry. */
  @FunctionalInterface
  interface Attack {
    String send(HostileSession session, String ref) throws IOException;
  }

  record Variant(FrameClass frameClass, String name, String expected, Attack attack) {
    boolean closes() {
      return expected.startsWith("close ") || expected.equals(CUT);
    }
  }

  @Test
  void hostileFramesGetTheirDocumentedAnswersWhileWellBehavedClientsMissNothing() throws Exception {
    HeraldNode node = TestNode.start(List.of(), nodeSettings());
    HttpClient http = HttpClient.newHttpClient();
    List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
    ScheduledExecutorService publishTimer = Executors.newSingleThreadScheduledExecutor();
    ExecutorService hostileThreads = Executors.newFixedThreadPool(HOSTILE_WORKERS);
    try {
      long started = System.nanoTime();
      List<ConcurrentLinkedQueue<Integer>> received = new ArrayList<>();
      AtomicInteger wellBehavedCloses = new AtomicInteger();
      List<CompletableFuture<Reply>> joins = new ArrayList<>();
      for (int i = 0; i < WELL_BEHAVED_CLIENTS; i++) {
        ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
        received.add(seen);
        Socket socket = connect(node, http, sockets);
        socket.onClose(e -> wellBehavedCloses.incrementAndGet());
        // Every broadcast on the room, whatever its event: a hostile frame that leaked would show here.
        socket.onMessage(
            f -> {
              if (f instanceof Message m && VICTIM_ROOM.equals(m.topic()) && m.joinRef() == null && m.ref() == null) {
                seen.add(number(m));
              }
            });
        joins.add(socket.channel(VICTIM_ROOM, () -> Payload.EMPTY_OBJECT).join());
      }
      for (CompletableFuture<Reply> join : joins) {
        assertThat(join.get(30, TimeUnit.SECONDS).ok()).isTrue();
      }

      Channel publisher = connect(node, http, sockets).channel(VICTIM_ROOM, () -> Payload.EMPTY_OBJECT);
      assertThat(publisher.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      List<CompletableFuture<Reply>> pushes = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger published = new AtomicInteger();
      publishTimer.scheduleAtFixedRate(
          () -> pushes.add(publisher.push("msg", Payload.json("{\"n\":" + published.getAndIncrement() + "}"))),
          0,
          PUBLISH_INTERVAL_MILLIS,
          TimeUnit.MILLISECONDS);

      List<Variant> variants = variants();
      List<Variant> plan = plan(variants);
      Map<String, LongAdder> answers = new ConcurrentHashMap<>();
      ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
      AtomicInteger reconnects = new AtomicInteger();
      long hostileStarted = System.nanoTime();
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < HOSTILE_WORKERS; w++) {
        List<Variant> share = new ArrayList<>();
        for (int i = w; i < plan.size(); i += HOSTILE_WORKERS) {
          share.add(plan.get(i));
        }
        int worker = w;
        workers.add(
            hostileThreads.submit(
                () -> {
                  runHostile(node.port(), worker, share, answers, wrongAnswers, reconnects);
                  return null;
                }));
      }
      for (Future<?> worker : workers) {
        worker.get(120, TimeUnit.SECONDS);
      }
      long hostileMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hostileStarted);

      publishTimer.shutdown();
      assertThat(publishTimer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      int messages = published.get();
      for (CompletableFuture<Reply> push : pushes) {
        assertThat(push.get(30, TimeUnit.SECONDS).ok()).isTrue();
      }
      awaitAll(received, messages);
      Thread.sleep(200); // anything extra (a duplicate, a leaked hostile event) would have arrived by now

      String summary = summary(answers);
      log.info(
          "{} hostile frames in {} ms over {} connections while {} messages reached {} clients; answers: {}",
          plan.size(), hostileMillis, reconnects.get(), messages, WELL_BEHAVED_CLIENTS, summary);

      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < messages; i++) {
        expected.add(i);
      }
      for (int c = 0; c < WELL_BEHAVED_CLIENTS; c++) {
        assertThat(new ArrayList<>(received.get(c)))
            .as("well-behaved client %d received every message once, in order, and nothing else", c)
            .isEqualTo(expected);
      }
      assertThat(wellBehavedCloses.get()).as("well-behaved sockets closed").isZero();
      assertThat(wrongAnswers).as("hostile frames answered otherwise than documented (the first %d; %s)", MAX_REPORTED, summary).isEmpty();
      for (FrameClass frameClass : FrameClass.values()) {
        assertThat(answers.keySet()).as("answers to %s", frameClass).anyMatch(k -> k.startsWith(frameClass + "|"));
      }
      for (String answer : List.of(MALFORMED_REPLY, UNMATCHED_REPLY, DROPPED, PONG, closed(1002), closed(1007), closed(1009))) {
        assertThat(answers.keySet()).as("some frame was answered with %s", answer).anyMatch(k -> k.endsWith("|" + answer));
      }
      // Every close the server makes carries a close frame with its code and reason.
      assertThat(answers.keySet()).as("frames answered by cutting the connection").noneMatch(k -> k.endsWith("|" + CUT));

      // The node serves on: a fresh client joins and round-trips, and no hostile connection is left open.
      Channel fresh = connect(node, http, sockets).channel("room:after-the-attack", () -> Payload.EMPTY_OBJECT);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      fresh.on("hello", m -> echoed.complete(new String(m.payload().bytes(), StandardCharsets.UTF_8)));
      assertThat(fresh.join().get(10, TimeUnit.SECONDS).ok()).isTrue();
      assertThat(fresh.push("hello", Payload.json("{\"still\":\"serving\"}")).get(10, TimeUnit.SECONDS).ok()).isTrue();
      assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("{\"still\":\"serving\"}");
      int expectedOpen = WELL_BEHAVED_CLIENTS + 2;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (node.openSockets() != expectedOpen && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(node.openSockets()).as("sockets open on the node after the hostile ones closed").isEqualTo(expectedOpen);
      log.info("hostile socket test took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    } finally {
      publishTimer.shutdownNow();
      hostileThreads.shutdownNow();
      sockets.forEach(Socket::close);
      node.close();
    }
  }

  /**
   * Limits set explicitly, so that the test keeps meaning what it says when the defaults move: hostile
   * sockets must reach the decoder (no rate limit in the way), reconnects must be accepted.
   */
  private static Map<String, Object> nodeSettings() {
    return Map.ofEntries(
        Map.entry("herald.http.max-frame-size", MAX_FRAME_SIZE),
        Map.entry("herald.http.new-connections-per-second", 0),
        Map.entry("herald.http.max-connections", 10_000),
        Map.entry("herald.socket.max-payload-size", MAX_FRAME_SIZE),
        Map.entry("herald.socket.max-topic-length", 255),
        Map.entry("herald.socket.rate-limit.messages-per-second", 1_000_000),
        Map.entry("herald.socket.rate-limit.burst", 1_000_000),
        Map.entry("herald.socket.rate-limit.max-rejected", 1_000_000),
        Map.entry("herald.socket.idle-timeout", "120s"));
  }

  private static Socket connect(HeraldNode node, HttpClient http, List<Socket> sockets) {
    Socket socket =
        new Socket(
            SocketOptions.builder(TestNode.endpoint(node)).httpClient(http).pushTimeout(Duration.ofSeconds(60)).build());
    sockets.add(socket);
    socket.connect().join();
    return socket;
  }

  /** The publisher's number, or -1 for any other payload (which would be a leak). */
  private static int number(Message m) {
    Matcher matcher = N.matcher(new String(m.payload().bytes(), StandardCharsets.UTF_8));
    return "msg".equals(m.event()) && matcher.matches() ? Integer.parseInt(matcher.group(1)) : -1;
  }

  private static void awaitAll(List<ConcurrentLinkedQueue<Integer>> received, int messages) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.stream().anyMatch(q -> q.size() < messages) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /**
   * HOSTILE_FRAMES in a fixed shuffled order, every variant about equally often except that those the
   * socket survives come three times as often: each close costs a reconnect, the slow part of the test.
   */
  private static List<Variant> plan(List<Variant> variants) {
    List<Variant> weighted = new ArrayList<>();
    for (Variant v : variants) {
      for (int i = v.closes() ? 1 : 3; i > 0; i--) {
        weighted.add(v);
      }
    }
    List<Variant> plan = new ArrayList<>(HOSTILE_FRAMES);
    for (int i = 0; i < HOSTILE_FRAMES; i++) {
      plan.add(weighted.get(i % weighted.size()));
    }
    Collections.shuffle(plan, new Random(42));
    return plan;
  }

  private static String key(Variant v, String answer) {
    return v.frameClass() + "|" + answer;
  }

  /** One line: per class, how many frames got which answer. */
  private static String summary(Map<String, LongAdder> answers) {
    Map<String, Map<String, Long>> byClass = new TreeMap<>();
    answers.forEach(
        (k, n) -> {
          String[] parts = k.split("\\|", 2);
          byClass.computeIfAbsent(parts[0], c -> new TreeMap<>()).put(parts[1], n.sum());
        });
    Map<String, Long> totals = new TreeMap<>();
    byClass.values().forEach(m -> m.forEach((a, n) -> totals.merge(a, n, Long::sum)));
    return totals + " by class " + byClass.entrySet().stream().map(e -> e.getKey() + e.getValue()).collect(Collectors.joining(" "));
  }

  // ---- the hostile side ----

  /** Sends {@code share} in order, reconnecting whenever the server closed the socket. */
  private static void runHostile(
      int port,
      int worker,
      List<Variant> share,
      Map<String, LongAdder> answers,
      ConcurrentLinkedQueue<String> wrongAnswers,
      AtomicInteger reconnects)
      throws IOException {
    HostileSession session = null;
    int ref = 0;
    try {
      for (Variant v : share) {
        if (session == null) {
          session = new HostileSession(RawFrameSocket.open(port, V2, 0));
          reconnects.incrementAndGet();
        }
        String frameRef = worker + "0" + (++ref);
        String answer;
        try {
          String replyRef = v.attack().send(session, frameRef);
          answer = v.closes() ? session.awaitClose() : session.probe(replyRef, "9" + frameRef);
        } catch (IOException e) {
          // A write refused after the server closed: what it sent before is the answer.
          answer = session.awaitClose();
        }
        if (!session.open) {
          session.close();
          session = null;
        }
        answers.computeIfAbsent(key(v, answer), k -> new LongAdder()).increment();
        if (!answer.equals(v.expected()) && wrongAnswers.size() < MAX_REPORTED) {
          wrongAnswers.add(v.name() + " (" + v.frameClass() + "): expected " + v.expected() + ", got " + answer + lastReason(session));
        }
        if (session != null && session.leaked != null && wrongAnswers.size() < MAX_REPORTED) {
          wrongAnswers.add("a hostile event was broadcast back: " + session.leaked);
          session.leaked = null;
        }
      }
    } finally {
      if (session != null) {
        session.close();
      }
    }
  }

  private static String lastReason(HostileSession s) {
    return s == null ? "" : s.lastReason == null ? "" : " (" + s.lastReason + ")";
  }

  /** One hostile connection: reads what the server answers and remembers its joins. */
  static final class HostileSession implements AutoCloseable {
    final RawFrameSocket ws;
    boolean open = true;
    /** The join_ref replaced by a second join of the victim room, once {@link #staleJoinRef(String)} ran. */
    String stale;
    String leaked;
    String lastReason;

    HostileSession(RawFrameSocket ws) {
      this.ws = ws;
    }

    /** Joins the victim room twice, so that the first join_ref is stale; returns it. */
    String staleJoinRef(String ref) throws IOException {
      if (stale == null) {
        String first = "a" + ref;
        String second = "b" + ref;
        ws.sendText(v2(first, first, VICTIM_ROOM, "phx_join", "{}"));
        expectOk(first);
        ws.sendText(v2(second, second, VICTIM_ROOM, "phx_join", "{}"));
        expectOk(second); // the phx_close of the first join comes before it
        stale = first;
      }
      return stale;
    }

    boolean joinedVictimRoom() {
      return stale != null;
    }

    private void expectOk(String ref) throws IOException {
      while (true) {
        RawFrameSocket.Frame f = ws.read();
        if (f.isClose()) {
          throw new IOException("closed with " + f.closeCode() + " while joining");
        }
        if (decode(f) instanceof Reply r && ref.equals(r.ref())) {
          if (!r.ok()) {
            throw new IOException("join refused: " + f.text());
          }
          return;
        }
      }
    }

    /**
     * Sends a heartbeat and reads until its reply: what came before it answered the hostile frame.
     * The socket handles frames in order, so any reply to the hostile frame precedes the heartbeat's.
     */
    String probe(String replyRef, String heartbeatRef) throws IOException {
      ws.sendText(v2(null, heartbeatRef, "phoenix", "heartbeat", "{}"));
      String answer = DROPPED;
      while (true) {
        RawFrameSocket.Frame f;
        try {
          f = ws.read();
        } catch (SocketTimeoutException e) {
          return "no heartbeat reply";
        } catch (IOException e) {
          open = false;
          return CUT;
        }
        if (f.isClose()) {
          return closeAnswer(f);
        }
        if (f.opcode() == RawFrameSocket.PONG) {
          answer = answer.equals(DROPPED) ? PONG : answer;
          continue;
        }
        ServerFrame frame = decode(f);
        if (frame instanceof Reply r) {
          if (heartbeatRef.equals(r.ref())) {
            return answer;
          }
          if (replyRef != null && replyRef.equals(r.ref())) {
            answer = replyAnswer(r);
          }
        } else if (frame instanceof Message m && m.payload().bytes().length < 200
            && new String(m.payload().bytes(), StandardCharsets.UTF_8).contains("hostile")) {
          leaked = f.text();
        }
      }
    }

    /** Reads until the server's close frame (answered, as a client does) or the end of the connection. */
    String awaitClose() {
      try {
        while (true) {
          RawFrameSocket.Frame f = ws.read();
          if (f.isClose()) {
            return closeAnswer(f);
          }
        }
      } catch (SocketTimeoutException e) {
        return "still open";
      } catch (IOException e) {
        open = false;
        return CUT;
      }
    }

    private String closeAnswer(RawFrameSocket.Frame close) {
      open = false;
      lastReason = close.closeReason();
      try {
        ws.send(RawFrameSocket.CLOSE, close.payload());
      } catch (IOException e) {
        // the server may already have cut the connection, as it does after a protocol violation
      }
      int code = close.closeCode();
      // Herald's own 1007 carries the documented reason; any other text is a different answer.
      if (code == 1007 && !lastReason.startsWith("malformed message: ")) {
        return closed(code) + " (" + lastReason + ")";
      }
      return closed(code);
    }

    private String replyAnswer(Reply r) {
      String response = new String(r.response().bytes(), StandardCharsets.UTF_8);
      Matcher reason = REASON.matcher(response);
      String text = reason.find() ? reason.group(1) : response;
      lastReason = text;
      if (r.ok()) {
        return "ok reply";
      }
      return text.startsWith("malformed message: ") ? MALFORMED_REPLY : "error reply: " + text;
    }

    private static ServerFrame decode(RawFrameSocket.Frame f) {
      return Serializers.V2.decodeServerFrame(f.opcode() == RawFrameSocket.BINARY, f.payload());
    }

    @Override
    public void close() throws IOException {
      ws.close();
    }
  }

  // ---- the catalogue of hostile frames ----

  /** A V2 text frame; null join_ref or ref is written as null. */
  static String v2(String joinRef, String ref, String topic, String event, String payload) {
    return "[" + quoted(joinRef) + "," + quoted(ref) + "," + quoted(topic) + "," + quoted(event) + "," + payload + "]";
  }

  private static String quoted(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }

  private static Attack text(String template) {
    return (s, ref) -> {
      s.ws.sendText(template.replace("REF", ref));
      return ref;
    };
  }

  private static Attack textBytes(byte[] prefix, String rest) {
    return (s, ref) -> {
      byte[] tail = rest.replace("REF", ref).getBytes(StandardCharsets.UTF_8);
      s.ws.send(RawFrameSocket.TEXT, concat(prefix, tail));
      return ref;
    };
  }

  /** A text frame whose middle holds {@code bad} bytes that are not UTF-8. */
  private static Attack badUtf8(byte... bad) {
    return (s, ref) -> {
      byte[] head = ("[\"1\",\"" + ref + "\",\"room:x\",\"ev\",{\"s\":\"").getBytes(StandardCharsets.UTF_8);
      s.ws.send(RawFrameSocket.TEXT, concat(head, bad, "\"}]".getBytes(StandardCharsets.UTF_8)));
      return ref;
    };
  }

  private static Attack frame(int firstByte, boolean masked, byte[] payload) {
    return (s, ref) -> {
      s.ws.sendFrame(firstByte, masked, payload, payload.length);
      return ref;
    };
  }

  /**
   * A binary frame: the kind byte, one size byte per entry of {@code sizes} (-1: the true size of the
   * field at the same index; anything else is written as given, so it may lie), then {@code fields}
   * (any beyond the sizes are the data).
   */
  private static Attack binary(int kind, int[] sizes, String... fields) {
    return (s, ref) -> {
      byte[][] encoded = new byte[fields.length][];
      for (int i = 0; i < fields.length; i++) {
        encoded[i] = fields[i].replace("REF", ref).getBytes(StandardCharsets.UTF_8);
      }
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(kind);
      for (int i = 0; i < sizes.length; i++) {
        b.write(sizes[i] == -1 ? encoded[i].length : sizes[i]);
      }
      for (byte[] field : encoded) {
        b.writeBytes(field);
      }
      s.ws.send(RawFrameSocket.BINARY, b.toByteArray());
      return ref;
    };
  }

  /** Sends {@code parts} as one fragmented text message (text, continuations, the last one final). */
  private static Attack fragments(String... parts) {
    return (s, ref) -> {
      for (int i = 0; i < parts.length; i++) {
        int opcode = i == 0 ? RawFrameSocket.TEXT : RawFrameSocket.CONTINUATION;
        int fin = i == parts.length - 1 ? RawFrameSocket.FIN : 0;
        byte[] part = parts[i].replace("REF", ref).getBytes(StandardCharsets.UTF_8);
        s.ws.sendFrame(fin | opcode, true, part, part.length);
      }
      return ref;
    };
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private static byte[] closePayload(int code, byte... reason) {
    return concat(new byte[] {(byte) (code >>> 8), (byte) code}, reason);
  }

  private static String nested(String open, String close, int depth, String inner) {
    return open.repeat(depth) + inner + close.repeat(depth);
  }

  private static byte[] bytes(int length, int value) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) value);
    return b;
  }

  /** Every hostile frame with the answer the protocol documents for it. */
  static List<Variant> variants() {
    String huge = "9".repeat(HUGE_DIGITS);
    String valid = "[\"1\",\"REF\",\"room:x\",\"ev\",{}]";
    String pad = "x".repeat(MAX_FRAME_SIZE + 1_000);
    List<Variant> v = new ArrayList<>();
    FrameClass c;

    c = FrameClass.INVALID_JSON;
    v.add(new Variant(c, "not json", closed(1007), text("not json at all")));
    v.add(new Variant(c, "open bracket only", closed(1007), text("[")));
    v.add(new Variant(c, "single quotes", closed(1007), text("['1','REF','room:x','ev',{}]")));
    v.add(new Variant(c, "bad value in payload", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{\"a\":}]")));
    v.add(new Variant(c, "unterminated array", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{}")));
    v.add(new Variant(c, "trailing data", MALFORMED_REPLY, text(valid + " []")));
    v.add(new Variant(c, "byte order mark", closed(1007), textBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, valid)));
    v.add(new Variant(c, "leading NUL", closed(1007), textBytes(new byte[] {0}, valid)));
    v.add(new Variant(c, "whitespace only", closed(1007), text("   ")));

    c = FrameClass.WRONG_ARITY;
    v.add(new Variant(c, "empty array", closed(1007), text("[]")));
    v.add(new Variant(c, "one element", closed(1007), text("[\"1\"]")));
    v.add(new Variant(c, "two elements", closed(1007), text("[\"1\",\"REF\"]")));
    v.add(new Variant(c, "three elements", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\"]")));
    v.add(new Variant(c, "four elements", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\"]")));
    // Extra elements are ignored, as Phoenix does: a push to a topic this socket never joined.
    v.add(new Variant(c, "six elements", UNMATCHED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{},\"extra\"]")));

    c = FrameClass.WRONG_TYPE;
    v.add(new Variant(c, "join_ref object", MALFORMED_REPLY, text("[{},\"REF\",\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "join_ref boolean", MALFORMED_REPLY, text("[true,\"REF\",\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "ref object", closed(1007), text("[\"1\",{\"r\":\"REF\"},\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "ref decimal", closed(1007), text("[\"1\",1.5,\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "ref array", closed(1007), text("[\"1\",[\"REF\"],\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "topic number", closed(1007), text("[\"1\",\"REF\",42,\"ev\",{}]")));
    v.add(new Variant(c, "topic empty", closed(1007), text("[\"1\",\"REF\",\"\",\"ev\",{}]")));
    v.add(new Variant(c, "topic null", closed(1007), text("[\"1\",\"REF\",null,\"ev\",{}]")));
    v.add(new Variant(c, "event number", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",42,{}]")));
    v.add(new Variant(c, "event null", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",null,{}]")));
    v.add(new Variant(c, "event object", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",{},{}]")));
    v.add(new Variant(c, "event empty", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"\",{}]")));

    c = FrameClass.V1_OBJECT_ON_V2;
    v.add(new Variant(c, "V1 join", closed(1007), text("{\"topic\":\"room:x\",\"event\":\"phx_join\",\"payload\":{},\"ref\":\"REF\"}")));
    v.add(new Variant(c, "V1 push", closed(1007),
        text("{\"topic\":\"" + VICTIM_ROOM + "\",\"event\":\"shout\",\"payload\":{\"hostile\":\"v1\"},\"ref\":\"REF\",\"join_ref\":\"1\"}")));
    v.add(new Variant(c, "empty object", closed(1007), text("{}")));

    c = FrameClass.INVALID_UTF8;
    v.add(new Variant(c, "stray continuation byte", closed(1007), badUtf8((byte) 0x80)));
    v.add(new Variant(c, "overlong slash", closed(1007), badUtf8((byte) 0xC0, (byte) 0xAF)));
    v.add(new Variant(c, "surrogate", closed(1007), badUtf8((byte) 0xED, (byte) 0xA0, (byte) 0x80)));
    v.add(new Variant(c, "truncated sequence", closed(1007), badUtf8((byte) 0xE2, (byte) 0x82)));
    v.add(new Variant(c, "0xFF byte", closed(1007), badUtf8((byte) 0xFF)));
    v.add(new Variant(c, "above U+10FFFF", closed(1007), badUtf8((byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80)));

    c = FrameClass.LYING_BINARY;
    v.add(new Variant(c, "unknown kind", closed(1007), binary(7, new int[] {1, -1, 6, 2}, "1", "REF", "room:x", "ev")));
    v.add(new Variant(c, "kind 255", closed(1007), binary(255, new int[] {})));
    v.add(new Variant(c, "reply kind from a client", closed(1007), binary(1, new int[] {1, -1, 6, 2}, "1", "REF", "room:x", "ok")));
    v.add(new Variant(c, "broadcast kind from a client", closed(1007), binary(2, new int[] {6, 2}, "room:x", "ev")));
    v.add(new Variant(c, "header truncated", closed(1007), binary(0, new int[] {1, 1})));
    v.add(new Variant(c, "ref size lies", closed(1007), binary(0, new int[] {1, 200, 6, 2}, "1", "REF", "room:x", "ev")));
    v.add(new Variant(c, "topic size lies", closed(1007), binary(0, new int[] {1, -1, 200, 2}, "1", "REF", "room:x", "ev")));
    v.add(new Variant(c, "topic empty", closed(1007), binary(0, new int[] {1, -1, 0, 2}, "1", "REF", "", "ev")));
    v.add(new Variant(c, "event size lies", MALFORMED_REPLY, binary(0, new int[] {1, -1, 6, 250}, "1", "REF", "room:x", "ev")));
    v.add(new Variant(c, "JSON in a binary frame", closed(1007), (s, ref) -> {
      s.ws.send(RawFrameSocket.BINARY, valid.replace("REF", ref).getBytes(StandardCharsets.UTF_8));
      return ref;
    }));

    c = FrameClass.EMPTY;
    v.add(new Variant(c, "empty text", closed(1007), frame(RawFrameSocket.FIN | RawFrameSocket.TEXT, true, new byte[0])));
    v.add(new Variant(c, "empty binary", closed(1007), frame(RawFrameSocket.FIN | RawFrameSocket.BINARY, true, new byte[0])));

    c = FrameClass.HUGE_NUMBER;
    // A long integer ref is kept as its text, as the codec documents: the push is then simply unjoined.
    v.add(new Variant(c, "40-digit integer ref", UNMATCHED_REPLY, (s, ref) -> {
      String digits = "1" + ref + "0".repeat(40);
      s.ws.sendText("[\"1\"," + digits + ",\"room:x\",\"ev\",{}]");
      return digits;
    }));
    v.add(new Variant(c, "huge join_ref", closed(1007), text("[" + huge + ",\"REF\",\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "huge ref", closed(1007), text("[\"1\"," + huge + ",\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "huge integer in payload", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{\"n\":" + huge + "}]")));
    v.add(new Variant(c, "huge decimal in payload", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{\"n\":0." + huge + "}]")));
    v.add(new Variant(c, "huge exponent in payload", UNMATCHED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\",{\"n\":1e999999999}]")));
    v.add(new Variant(c, "frame length with the top bit set", closed(1002), (s, ref) -> {
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.TEXT, true, new byte[8], Long.MIN_VALUE + 8);
      return ref;
    }));

    c = FrameClass.DEEP_NESTING;
    v.add(new Variant(c, "deep arrays in payload", MALFORMED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\"," + nested("[", "]", TOO_DEEP, "") + "]")));
    v.add(new Variant(c, "deep objects in payload", MALFORMED_REPLY,
        text("[\"1\",\"REF\",\"room:x\",\"ev\"," + nested("{\"a\":", "}", TOO_DEEP, "1") + "]")));
    v.add(new Variant(c, "deep arrays as join_ref", closed(1007), text("[" + nested("[", "]", TOO_DEEP, "") + ",\"REF\",\"room:x\",\"ev\",{}]")));
    v.add(new Variant(c, "nesting within the limit", UNMATCHED_REPLY, text("[\"1\",\"REF\",\"room:x\",\"ev\"," + nested("[", "]", 500, "") + "]")));

    c = FrameClass.OVERSIZED;
    v.add(new Variant(c, "text over the frame limit", closed(1009), text("[\"1\",\"REF\",\"room:x\",\"ev\",{\"pad\":\"" + pad + "\"}]")));
    v.add(new Variant(c, "binary over the frame limit", closed(1009), binary(0, new int[] {1, -1, 6, 2}, "1", "REF", "room:x", "ev", pad)));
    v.add(new Variant(c, "header claims a terabyte", closed(1009), (s, ref) -> {
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.TEXT, true, "[\"1\"".getBytes(StandardCharsets.UTF_8), 1L << 40);
      return ref;
    }));
    v.add(new Variant(c, "fragments adding up past the limit", closed(1009),
        fragments("[\"1\",\"REF\",\"room:x\",\"ev\",{\"pad\":\"", pad.substring(0, MAX_FRAME_SIZE / 2), pad.substring(0, MAX_FRAME_SIZE / 2), "\"}]")));

    c = FrameClass.FRAGMENTS;
    v.add(new Variant(c, "continuation without a start", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.CONTINUATION, true, valid.getBytes(StandardCharsets.UTF_8))));
    v.add(new Variant(c, "new message inside a fragmented one", closed(1002), (s, ref) -> {
      byte[] half = "[\"1\",".getBytes(StandardCharsets.UTF_8);
      s.ws.sendFrame(RawFrameSocket.TEXT, true, half, half.length);
      s.ws.sendText(valid.replace("REF", ref));
      return ref;
    }));
    v.add(new Variant(c, "fragmented message with a bad event", MALFORMED_REPLY, (s, ref) -> {
      byte[] head = ("[\"1\",\"" + ref + "\",\"room:x\",").getBytes(StandardCharsets.UTF_8);
      byte[] tail = "42,{}]".getBytes(StandardCharsets.UTF_8);
      s.ws.sendFrame(RawFrameSocket.TEXT, true, head, head.length);
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.CONTINUATION, true, tail, tail.length);
      return ref;
    }));
    v.add(new Variant(c, "reassembled unmatched join", UNMATCHED_REPLY, fragments("[\"REF\",\"REF\",", "\"lobby:fragmented\",\"phx_", "join\",{}]")));
    v.add(new Variant(c, "character split across fragments", UNMATCHED_REPLY, (s, ref) -> {
      byte[] all = ("[\"REF\",\"REF\",\"lobby:\u00e9t\u00e9\",\"phx_join\",{}]").replace("REF", ref).getBytes(StandardCharsets.UTF_8);
      int split = 0;
      while (all[split] != (byte) 0xC3) {
        split++;
      }
      split++; // between the two bytes of the first é
      s.ws.sendFrame(RawFrameSocket.TEXT, true, Arrays.copyOfRange(all, 0, split), split);
      byte[] rest = Arrays.copyOfRange(all, split, all.length);
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.CONTINUATION, true, rest, rest.length);
      return ref;
    }));
    v.add(new Variant(c, "ping between fragments", UNMATCHED_REPLY, (s, ref) -> {
      byte[] head = ("[\"1\",\"" + ref + "\",").getBytes(StandardCharsets.UTF_8);
      byte[] tail = "\"room:x\",\"ev\",{}]".getBytes(StandardCharsets.UTF_8);
      s.ws.sendFrame(RawFrameSocket.TEXT, true, head, head.length);
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.PING, true, new byte[] {1, 2, 3}, 3);
      s.ws.sendFrame(RawFrameSocket.FIN | RawFrameSocket.CONTINUATION, true, tail, tail.length);
      return ref;
    }));

    c = FrameClass.BAD_CONTROL;
    v.add(new Variant(c, "ping over 125 bytes", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.PING, true, bytes(126, 'p'))));
    v.add(new Variant(c, "fragmented ping", closed(1002), frame(RawFrameSocket.PING, true, bytes(4, 'p'))));
    v.add(new Variant(c, "close with a one-byte body", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.CLOSE, true, new byte[] {3})));
    v.add(new Variant(c, "close with reserved code 1005", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.CLOSE, true, closePayload(1005))));
    v.add(new Variant(c, "close with code 999", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.CLOSE, true, closePayload(999))));
    v.add(new Variant(c, "close with a reason that is not UTF-8", closed(1007),
        frame(RawFrameSocket.FIN | RawFrameSocket.CLOSE, true, closePayload(1000, (byte) 0xC0, (byte) 0xAF))));
    v.add(new Variant(c, "reserved opcode 3", closed(1002), frame(RawFrameSocket.FIN | 0x3, true, valid.getBytes(StandardCharsets.UTF_8))));
    v.add(new Variant(c, "reserved control opcode 11", closed(1002), frame(RawFrameSocket.FIN | 0xB, true, new byte[] {1})));
    v.add(new Variant(c, "RSV1 without an extension", closed(1002), frame(RawFrameSocket.FIN | 0x40 | RawFrameSocket.TEXT, true, valid.getBytes(StandardCharsets.UTF_8))));
    v.add(new Variant(c, "unmasked client frame", closed(1002), frame(RawFrameSocket.FIN | RawFrameSocket.TEXT, false, valid.getBytes(StandardCharsets.UTF_8))));
    v.add(new Variant(c, "unsolicited pong with garbage", DROPPED, frame(RawFrameSocket.FIN | RawFrameSocket.PONG, true, bytes(125, 0xFF))));
    v.add(new Variant(c, "ping with garbage", PONG, frame(RawFrameSocket.FIN | RawFrameSocket.PING, true, bytes(125, 0xFE))));

    c = FrameClass.UNJOINED_PUSH;
    v.add(new Variant(c, "push to the victims' room without joining", UNMATCHED_REPLY, (s, ref) -> {
      String topic = s.joinedVictimRoom() ? "room:never-joined" : VICTIM_ROOM;
      s.ws.sendText(v2(null, ref, topic, "shout", "{\"hostile\":\"unjoined\"}"));
      return ref;
    }));
    v.add(new Variant(c, "push with a made-up join_ref", UNMATCHED_REPLY, text(v2("77", "REF", "room:never-joined", "shout", "{\"hostile\":\"unjoined\"}"))));
    v.add(new Variant(c, "non-heartbeat event on the phoenix topic", UNMATCHED_REPLY, text(v2(null, "REF", "phoenix", "shout", "{\"hostile\":\"phoenix\"}"))));
    v.add(new Variant(c, "binary push without joining", UNMATCHED_REPLY, binary(0, new int[] {0, -1, -1, -1}, "", "REF", "room:never-joined", "shout", "{\"hostile\":1}")));

    c = FrameClass.UNMATCHED_JOIN;
    v.add(new Variant(c, "join of another namespace", UNMATCHED_REPLY, text(v2("REF", "REF", "lobby:1", "phx_join", "{}"))));
    v.add(new Variant(c, "join of the bare prefix", UNMATCHED_REPLY, text(v2("REF", "REF", "room", "phx_join", "{}"))));
    v.add(new Variant(c, "join with the wrong case", UNMATCHED_REPLY, text(v2("REF", "REF", "ROOM:1", "phx_join", "{}"))));
    v.add(new Variant(c, "join of the phoenix topic", UNMATCHED_REPLY, text(v2("REF", "REF", "phoenix", "phx_join", "{}"))));

    c = FrameClass.STALE_JOIN_REF;
    v.add(new Variant(c, "push with the replaced join_ref", DROPPED, (s, ref) -> {
      s.ws.sendText(v2(s.staleJoinRef(ref), ref, VICTIM_ROOM, "shout", "{\"hostile\":\"stale\"}"));
      return ref;
    }));
    v.add(new Variant(c, "leave with the replaced join_ref", DROPPED, (s, ref) -> {
      s.ws.sendText(v2(s.staleJoinRef(ref), ref, VICTIM_ROOM, "phx_leave", "{}"));
      return ref;
    }));
    return v;
  }
}
