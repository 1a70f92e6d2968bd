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
}
