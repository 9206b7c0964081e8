package io.herald.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A small property runner on plain JUnit Jupiter. It runs a check over many generated inputs. Each try
 * has its own seed, derived from one run seed, so a failure can be replayed. A failing input is shrunk
 * before it is reported. A try that never returns is reported with its input instead of hanging the
 * build.
 *
 * <p>It stands in for jqwik. From 1.10 on, jqwik's maintainers ask that AI coding agents not use it,
 * and these tests were written by one. Replay a run with {@code -Dherald.props.seed=N}; run K times
 * as many tries with {@code -Dherald.props.scale=K}.
 */
final class Tries {
  private Tries() {}

  static final long RUN_SEED = Long.getLong("herald.props.seed", 0x6865_7261_6C64L);
  static final int SCALE = Math.max(1, Integer.getInteger("herald.props.scale", 1));

  /** Far above what a try costs (microseconds); only a try that never returns gets near it. */
  private static final long HANG_NANOS =
      TimeUnit.SECONDS.toNanos(Long.getLong("herald.props.hangSeconds", 60));
  /** Bounds the work spent shrinking one counterexample. */
  private static final int MAX_SHRINK_RUNS = 20_000;

  interface Generator<T> {
    T generate(Random random);
  }

  interface Check<T> {
    void check(T input) throws Exception;
  }

  /** Smaller variants of a failing input, most aggressive first; empty when nothing is smaller. */
  interface Shrinker<T> {
    List<T> smaller(T input);
  }

  /** A failed check: {@code kind} groups failures of the same sort, so shrinking does not drift between bugs. */
  static AssertionError violated(String kind, String details) {
    return new AssertionError(kind + ": " + details);
  }

  static AssertionError violated(String kind, String details, Throwable cause) {
    return new AssertionError(kind + ": " + details, cause);
  }

  /**
   * Runs {@code tries} checks (times {@link #SCALE}) of generated inputs; returns how many ran. On a
   * failure it throws an AssertionError that names the run seed, the try, and the shrunk and original
   * inputs.
   */
  static <T> int run(String property, int tries, Generator<T> generator, Shrinker<T> shrinker,
      Function<T, String> show, Check<T> check) {
    int n = tries * SCALE;
    Watch watch = new Watch();
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tries-" + property);
      t.setDaemon(true); // a try that hangs cannot be stopped; it must not keep the JVM alive
      return t;
    });
    try {
      Future<?> done = worker.submit(() -> {
        for (int i = 0; i < n; i++) {
          T input = generator.generate(new Random(trySeed(property, i)));
          watch.start(input);
          Throwable failure = failure(check, input);
          if (failure != null) {
            throw counterexample(property, i, n, input, failure, shrinker, show, check, watch);
          }
        }
        watch.start(null);
        return null;
      });
      await(property, done, watch, show);
    } finally {
      worker.shutdownNow();
    }
    return n;
  }

  private static long trySeed(String property, int i) {
    long h = RUN_SEED ^ (property.hashCode() * 0x9E37_79B9_7F4A_7C15L) ^ (i * 0xC2B2_AE3D_27D4_EB4FL);
    h ^= h >>> 33;
    h *= 0xFF51_AFD7_ED55_8CCDL;
    return h ^ (h >>> 33);
  }

  private static <T> Throwable failure(Check<T> check, T input) {
    try {
      check.check(input);
      return null;
    } catch (Throwable t) { // StackOverflowError and OutOfMemoryError are failures too
      return t;
    }
  }

  private static String signature(Throwable t) {
    if (t instanceof AssertionError && t.getMessage() != null) {
      int colon = t.getMessage().indexOf(": ");
      return colon < 0 ? t.getMessage() : t.getMessage().substring(0, colon);
    }
    return t.getClass().getName();
  }

  @SuppressWarnings("unchecked")
  private static <T> AssertionError counterexample(String property, int index, int n, T input, Throwable failure,
      Shrinker<T> shrinker, Function<T, String> show, Check<T> check, Watch watch) {
    String kind = signature(failure);
    T smallest = input;
    Throwable smallestFailure = failure;
    int steps = 0;
    int runs = 0;
    boolean progress = true;
    while (progress && runs < MAX_SHRINK_RUNS) {
      progress = false;
      for (T candidate : shrinker.smaller(smallest)) {
        if (++runs > MAX_SHRINK_RUNS) {
          break;
        }
        watch.start(candidate);
        Throwable f = failure(check, candidate);
        if (f != null && signature(f).equals(kind)) {
          smallest = candidate;
          smallestFailure = f;
          steps++;
          progress = true;
          break;
        }
      }
    }
    return new AssertionError("property \"" + property + "\" failed on try " + index + " of " + n
        + " (run seed " + RUN_SEED + "; replay with -Dherald.props.seed=" + RUN_SEED + ")\n"
        + "  failure: " + smallestFailure + "\n"
        + "  shrunk input (" + steps + " steps, " + runs + " runs): " + show.apply(smallest) + "\n"
        + "  original input: " + show.apply(input), smallestFailure);
  }

  private static <T> void await(String property, Future<?> done, Watch watch, Function<T, String> show) {
    while (true) {
      try {
        done.get(100, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        long runningFor = watch.runningFor();
        if (runningFor > HANG_NANOS) {
          @SuppressWarnings("unchecked")
          T input = (T) watch.input;
          throw new AssertionError("property \"" + property + "\": a try has not returned after "
              + TimeUnit.NANOSECONDS.toSeconds(runningFor) + " s (run seed " + RUN_SEED + "); input: "
              + show.apply(input));
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AssertionError a) {
          throw a;
        }
        throw new AssertionError("property \"" + property + "\": the runner failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** What the worker is doing, for the hang report. */
  private static final class Watch {
    volatile Object input;
    volatile long startedAt = System.nanoTime();

    void start(Object in) {
      input = in;
      startedAt = System.nanoTime();
    }

    long runningFor() {
      return input == null ? 0 : System.nanoTime() - startedAt;
    }
  }

  // ---- shrinking and showing byte frames ----

  /**
   * Deletes spans, longest first. A small frame loses every span at every offset. A larger one loses
   * aligned chunks of halving size, which keeps the number of candidates near twice its length.
   */
  static List<byte[]> smallerBytes(byte[] b) {
    List<byte[]> out = new ArrayList<>();
    boolean small = b.length <= 64;
    for (int size = small ? b.length - 1 : b.length / 2; size >= 1; size = small ? size - 1 : size / 2) {
      for (int at = 0; at + size <= b.length; at += small ? 1 : size) {
        byte[] c = new byte[b.length - size];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, at + size, c, at, b.length - at - size);
        out.add(c);
      }
    }
    return out;
  }

  /** Length, hex and a readable rendering of a frame, cut when long. */
  static String show(byte[] b) {
    int max = 400;
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < Math.min(b.length, max); i++) {
      hex.append(String.format("%02x", b[i] & 0xFF));
    }
    return b.length + " bytes, hex " + hex + (b.length > max ? "..." : "")
        + ", text " + readable(new String(b, 0, Math.min(b.length, max), StandardCharsets.UTF_8));
  }

  /** A Java-literal-like rendering: control characters and non-ASCII as escapes, so reports stay printable. */
  static String readable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7F) {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.append('"').toString();
  }
}
