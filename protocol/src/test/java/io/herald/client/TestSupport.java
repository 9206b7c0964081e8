package io.herald.client;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.protocol.Payload;
import io.herald.protocol.Reply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/** Polling helpers (no fixed sleeps) and quiet logging for the client tests. */
final class TestSupport {
  static final Duration WAIT = Duration.ofSeconds(5);

  static {
    // logback's default is DEBUG for everything (Netty included); keep test output readable unless
    // a logback-test.xml says otherwise
    if (TestSupport.class.getResource("/logback-test.xml") == null
        && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
      ctx.getLogger("io.herald.client").setLevel(Level.toLevel(System.getProperty("client.log", "INFO")));
    }
  }

  private TestSupport() {}

  static void init() {
    // forces the static initialiser
  }

  /** Polls {@code condition} every few ms until true; fails after {@link #WAIT}. */
  static void await(String what, BooleanSupplier condition) {
    await(what, condition, WAIT);
  }

  static void await(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what
            + "\n" + clientThreads());
      }
      sleep(5);
    }
  }

  /** Asserts that {@code condition} stays false for {@code window} (for "nothing happens" checks). */
  static void holdsFalse(String what, BooleanSupplier condition, Duration window) {
    long deadline = System.nanoTime() + window.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        throw new AssertionError("unexpected: " + what);
      }
      sleep(5);
    }
  }

  /** Stacks of the threads that run client code, to diagnose a stuck wait. */
  static String clientThreads() {
    StringBuilder sb = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().startsWith("herald-client") || t.getName().startsWith("HttpClient")) {
        sb.append(t.getName()).append(' ').append(t.getState()).append('\n');
        for (StackTraceElement e : stack) {
          sb.append("    at ").append(e).append('\n');
        }
      }
    });
    return sb.toString();
  }

  static <T> T get(CompletableFuture<T> f) {
    try {
      return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete normally: " + e, e);
    }
  }

  static JsonNode json(Payload p) {
    return PhoenixPeer.parse(((Payload.Json) p).text());
  }

  static JsonNode response(Reply r) {
    return json(r.response());
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
