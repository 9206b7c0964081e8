package io.herald.node.transport;

import io.herald.node.config.HeraldSettings;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that check token signatures, so that the event loops never do: an RSA or EC check takes
 * from 0.05 to several milliseconds, and a flood of forged tokens checked on a loop delays every socket
 * of that loop. A fixed number of threads bounds the CPU such a flood can take; a bounded queue bounds
 * how long a connect waits, and a connect that finds it full is refused before any cryptography.
 */
final class TokenVerificationPool implements AutoCloseable {
  private final ThreadPoolExecutor executor;
  private final int threads;
  private final int queue;

  TokenVerificationPool(HeraldSettings.TokenVerification settings) {
    this.threads =
        settings.threads() > 0 ? settings.threads() : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    this.queue = settings.queue();
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        task -> {
          Thread t = new Thread(task, "herald-token-verification-" + count.incrementAndGet());
          t.setDaemon(true); // it holds no state worth a clean stop
          return t;
        };
    this.executor =
        new ThreadPoolExecutor(
            threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue), factory, new ThreadPoolExecutor.AbortPolicy());
  }

  /** The pool as an executor that refuses with {@link RejectedExecutionException} when its queue is full. */
  Executor executor() {
    return executor;
  }

  String describe() {
    return String.format("token verification on %d thread(s), queue %d", threads, queue);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
