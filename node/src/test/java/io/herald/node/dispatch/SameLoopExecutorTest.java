package io.herald.node.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SameLoopExecutorTest {
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-pool"));
  private final SameLoopExecutorConfigurator.SameLoopExecutor executor =
      new SameLoopExecutorConfigurator.SameLoopExecutor(pool);

  @AfterEach
  void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    pool.shutdownNow();
  }

  @Test
  void taskScheduledFromAnEventLoopRunsOnThatLoop() throws Exception {
    for (EventLoop loop : List.of(loops.next(), loops.next())) {
      CompletableFuture<Thread> ranOn = new CompletableFuture<>();
      Thread loopThread =
          loop.submit(
                  () -> {
                    executor.execute(() -> ranOn.complete(Thread.currentThread()));
                    return Thread.currentThread();
                  })
              .get(5, TimeUnit.SECONDS);
      assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(loopThread);
    }
  }

  @Test
  void tasksScheduledFromALoopRunInTheOrderScheduled() throws Exception {
    List<Integer> order = new ArrayList<>(); // only the loop's thread touches it
    CompletableFuture<List<Integer>> done = new CompletableFuture<>();
    loops.next()
        .execute(
            () -> {
              for (int i = 0; i < 100; i++) {
                int n = i;
                executor.execute(() -> order.add(n));
              }
              executor.execute(() -> done.complete(List.copyOf(order)));
            });
    assertThat(done.get(5, TimeUnit.SECONDS)).hasSize(100).isSorted();
  }

  @Test
  void taskThatSchedulesItselfAgainMovesToThePool() throws Exception {
    CompletableFuture<String> secondRunOn = new CompletableFuture<>();
    Runnable task =
        new Runnable() {
          int runs;

          @Override
          public void run() {
            if (++runs == 1) {
              executor.execute(this); // as a Pekko mailbox does when messages are left after its turn
            } else {
              secondRunOn.complete(Thread.currentThread().getName());
            }
          }
        };
    loops.next().execute(() -> executor.execute(task));
    assertThat(secondRunOn.get(5, TimeUnit.SECONDS)).isEqualTo("test-pool");
  }

  @Test
  void taskScheduledFromAnyOtherThreadRunsOnThePool() throws Exception {
    CompletableFuture<String> ranOn = new CompletableFuture<>();
    executor.execute(() -> ranOn.complete(Thread.currentThread().getName()));
    assertThat(ranOn.get(5, TimeUnit.SECONDS)).isEqualTo("test-pool");
  }

  @Test
  void taskScheduledFromALoopThatIsShuttingDownRunsOnThePool() throws Exception {
    CompletableFuture<String> ranOn = new CompletableFuture<>();
    EventLoop loop = loops.next();
    loop.execute(
        () -> {
          loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
          executor.execute(() -> ranOn.complete(Thread.currentThread().getName()));
        });
    assertThat(ranOn.get(5, TimeUnit.SECONDS)).isEqualTo("test-pool");
  }
}
