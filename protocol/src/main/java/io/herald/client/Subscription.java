package io.herald.client;

/**
 * A registered listener or handler. {@link #cancel()} removes it; it is idempotent and thread-safe.
 * {@link AutoCloseable} so that a test can scope a handler with try-with-resources.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {

  /** Removes the listener; later events no longer reach it. */
  void cancel();

  @Override
  default void close() {
    cancel();
  }
}
