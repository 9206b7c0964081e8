package io.herald.loadtest.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void cpuTicksAreUtimePlusStimeWhateverTheCommandName() {
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 1500 250 0 0 20 0 40 0 100 0 0";
    assertThat(ProcStats.cpuTicks(stat)).isEqualTo(1750);
  }

  @Test
  void statusLinesInKilobytesOrPlain() {
    String status = "Name:\tjava\nVmRSS:\t  123456 kB\nThreads:\t41\n";
    assertThat(ProcStats.statusKb(status, "VmRSS")).isEqualTo(123456);
    assertThat(ProcStats.statusKb(status, "Threads")).isEqualTo(41);
    assertThat(ProcStats.statusKb(status, "VmSwap")).isZero();
  }

  @Test
  void machineBusyCountsEverythingButIdleAndIowait() {
    ProcStats p = new ProcStats(List.of(), 100);
    double[] m = p.machine("cpu  100 5 50 1000 20 3 7 0 0 0\ncpu0 1 2 3\n");
    assertThat(m[0]).isEqualTo(1.65); // user+nice+system+irq+softirq+steal = 165 ticks
    assertThat(m[1]).isEqualTo(11.85);
    assertThat(m[2]).isEqualTo(0.07);
  }

  @Test
  void readsThisProcess() {
    long self = ProcessHandle.current().pid();
    ProcStats p = new ProcStats(List.of(self), ProcStats.clockTicksPerSecond());
    ProcStats.Sample s = p.sample();
    assertThat(s.serverRss()).isPositive();
    assertThat(s.serverThreads()).isPositive();
    assertThat(s.serverCpu()).isGreaterThanOrEqualTo(0);
    assertThat(s.loadavg()).matches("[0-9.]+ [0-9.]+ [0-9.]+");
    assertThat(ProcStats.maxOpenFiles("self")).isNotZero();
    assertThatThrownBy(() -> new ProcStats(List.of(Long.MAX_VALUE), 100)).hasMessageContaining("no such process");
  }
}
