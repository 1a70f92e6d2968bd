package io.flagramp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.it.BenchmarkSupport;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fast a breach becomes a restored ConfigMap, as a multiple of the analysis interval (the machine
 * is noisy, the ratio is what matters), and what a step costs in API writes against the minimum of 2.
 * Not part of ./mvnw verify: run with ./mvnw verify -Pbenchmark. Prints a table; asserts only that
 * each run reverted.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class RevertLatencyBenchmark {

  private static final Logger log = LoggerFactory.getLogger(RevertLatencyBenchmark.class);
  private static final int RUNS = Integer.getInteger("flagramp.bench.runs", 5);

  @Test
  void revertLatencyInAnalysisIntervals(KubeTestCluster cluster, TestPrometheus prometheus) {
    List<String> table = new ArrayList<>();
    try (BenchmarkSupport bench = BenchmarkSupport.start(cluster, prometheus)) {
      for (int failureLimit : new int[] {1, 2, 3}) {
        List<Double> ratios = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
          BenchmarkSupport.Breach breach = bench.breach(failureLimit, Duration.ofSeconds(2));
          ratios.add(breach.latency().toMillis() / 2000.0);
        }
        Collections.sort(ratios);
        table.add(String.format("failureLimit %d: min %.2f, median %.2f, max %.2f intervals (bound %.1f)", failureLimit,
            ratios.get(0), ratios.get(ratios.size() / 2), ratios.get(ratios.size() - 1), failureLimit + 0.5));
      }
      table.add(bench.writesPerStep());
    }
    log.info("revert latency from the first breaching sample scraped to the ConfigMap restored, interval 2s,"
        + " scrape 1s, {} runs each:\n  {}", RUNS, String.join("\n  ", table));
    assertThat(table).hasSize(4);
  }

  /**
   * The same revert while three clients relabel the change continuously, so its status writes meet 409s:
   * from the breaching answer to the ConfigMap restored, against one interval plus 1 s, over at least 20
   * runs ({@code -Dflagramp.bench.contendedRuns}).
   */
  @Test
  void revertLatencyUnderRelabelContention(KubeTestCluster cluster, TestPrometheus prometheus) {
    int runs = Integer.getInteger("flagramp.bench.contendedRuns", 20);
    Duration interval = Duration.ofSeconds(2);
    List<Long> millis = new ArrayList<>();
    long relabels = 0;
    double conflicts = 0;
    try (BenchmarkSupport bench = BenchmarkSupport.start(cluster, prometheus)) {
      for (int run = 0; run < runs; run++) {
        BenchmarkSupport.ContendedBreach breach = bench.breachUnderContention(interval, 3);
        millis.add(breach.latency().toMillis());
        relabels += breach.relabels();
        conflicts += breach.conflicts();
      }
    }
    Collections.sort(millis);
    long bound = interval.plusSeconds(1).toMillis();
    long p99 = millis.get(Math.min(millis.size() - 1, (int) Math.ceil(millis.size() * 0.99) - 1));
    log.info("revert under relabel contention (3 clients, interval 2s, failureLimit 1), {} runs, {} relabels, {} status"
        + " 409s met: from the breaching answer to the ConfigMap restored p50 {} ms, p99 {} ms, max {} ms; bound"
        + " interval + 1s = {} ms; p99 / bound = {}", runs, relabels, (long) conflicts, millis.get(millis.size() / 2),
        p99, millis.get(millis.size() - 1), bound, String.format("%.2f", p99 / (double) bound));
    assertThat(millis).hasSize(runs);
  }
}
