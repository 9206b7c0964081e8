package io.herald.client;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy-on-write list of callbacks: registration is rare, firing is frequent and lock-free.
 * A callback that throws is logged and does not stop the others (nor the socket).
 */
final class Listeners<T> {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  // identity-compared holder: the same lambda registered twice is two registrations
  private static final class Entry<T> {
    final T listener;

    Entry(T listener) {
      this.listener = listener;
    }
  }

  private final CopyOnWriteArrayList<Entry<T>> entries = new CopyOnWriteArrayList<>();

  Subscription add(T listener) {
    Objects.requireNonNull(listener, "listener");
    Entry<T> e = new Entry<>(listener);
    entries.add(e);
    return () -> entries.remove(e);
  }

  void forEach(Consumer<? super T> call) {
    for (Entry<T> e : entries) {
      guarded(() -> call.accept(e.listener));
    }
  }

  /** Runs user code; whatever it throws is logged, never propagated into the socket's threads. */
  static void guarded(Runnable r) {
    try {
      r.run();
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      log.warn("callback threw", t);
    }
  }
}
