package io.herald.node.dispatch;

import com.typesafe.config.Config;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.ForkJoinExecutorConfigurator;

/**
 * A Pekko executor that runs an actor's mailbox on the socket event loop that scheduled it, and on a
 * fork-join pool when anything else did (a timer, remoting, the HTTP API, tests without an edge).
 *
 * <p>Why: a publish crosses five mailboxes (connection, shard region, shard, topic, node fan-out) and
 * its acknowledgement a sixth. On a pool each hop hands work to another thread, and parking and waking
 * those threads cost about a fifth of the node's CPU (docs/benchmarks.md). Scheduled from the event
 * loop that read the frame, the whole chain runs on that thread, one task after the other, and a
 * connection's replies are written from its own loop without a task hop. The price: a handler that
 * blocks holds up the loop's sockets, so {@code same-loop = off} in the dispatcher's configuration puts
 * these actors back on the pool alone.
 *
 * <p>Configured in a dispatcher's {@code executor} setting ({@code herald.dispatcher}); its
 * {@code fork-join-executor} section sizes the pool.
 */
public final class SameLoopExecutorConfigurator extends ExecutorServiceConfigurator {
  /** The dispatcher of connection actors, topic entities, the node fan-out and sharding's actors. */
  public static final DispatcherSelector DISPATCHER = DispatcherSelector.fromConfig("herald.dispatcher");

  private final ForkJoinExecutorConfigurator pool;
  private final boolean sameLoop;

  public SameLoopExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    this.pool = new ForkJoinExecutorConfigurator(config.getConfig("fork-join-executor"), prerequisites);
    this.sameLoop = config.getBoolean("same-loop");
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    ExecutorServiceFactory poolFactory = pool.createExecutorServiceFactory(id, threadFactory);
    return sameLoop ? () -> new SameLoopExecutor(poolFactory.createExecutorService()) : poolFactory;
  }

  /**
   * Runs a task on the calling event loop when there is one, else on the pool. A mailbox that
   * schedules itself again (it still has messages after its turn) goes to the pool: an actor with a
   * backlog, such as the node fan-out under heavy load, would otherwise keep one loop busy with all of
   * its work while the other loops idle.
   */
  static final class SameLoopExecutor extends AbstractExecutorService {
    /** The task this event loop thread is running for a same-loop executor, if any. */
    private static final FastThreadLocal<Runnable> RUNNING = new FastThreadLocal<>();

    private final ExecutorService pool;

    SameLoopExecutor(ExecutorService pool) {
      this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
      EventExecutor current = ThreadExecutorMap.currentExecutor();
      if (current instanceof EventLoop loop && RUNNING.get() != task && !loop.isShuttingDown()) {
        try {
          loop.execute(() -> runOnLoop(task));
          return;
        } catch (RejectedExecutionException e) {
          // The loop began shutting down just now (node stopping): the pool runs what is left.
        }
      }
      pool.execute(task);
    }

    private static void runOnLoop(Runnable task) {
      RUNNING.set(task);
      try {
        task.run();
      } finally {
        RUNNING.set(null);
      }
    }

    @Override
    public void shutdown() {
      pool.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
      return pool.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return pool.awaitTermination(timeout, unit);
    }
  }
}
