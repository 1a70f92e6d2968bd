package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Timestamps;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.testbed.Counters;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.TestPrometheus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** The operator, a Prometheus and a test app, for the benchmarks in io.flagramp.bench. */
public final class BenchmarkSupport implements AutoCloseable {

  private final OperatorHarness harness;
  private final TestPrometheus prometheus;
  private int runs;
  private String lastNamespace;

  private BenchmarkSupport(OperatorHarness harness, TestPrometheus prometheus) {
    this.harness = harness;
    this.prometheus = prometheus;
  }

  public static BenchmarkSupport start(KubeTestCluster cluster, TestPrometheus prometheus) {
    return new BenchmarkSupport(OperatorHarness.start(cluster, OperatorHarness.FAST,
        new SharedQueries(new PrometheusClient()), UnaryOperator.identity()), prometheus);
  }

  /** One breach at weight 5 and its revert. */
  public record Breach(Duration latency) {}

  public Breach breach(int failureLimit, Duration interval) {
    return new Breach(run("bench-" + failureLimit, failureLimit, interval, 0).fromFirstScrape());
  }

  /** One breach under a relabel storm: from the breaching answer to the ConfigMap restored. */
  public record ContendedBreach(Duration latency, long relabels, double conflicts) {}

  /**
   * A breach at weight 5 (failureLimit 1) while {@code clients} relabel the change as fast as the API
   * server takes it. The latency runs from the breaching answer (its evaluation time, status.metrics
   * measuredAt of the measurement that failed) to the restore seen by a watch.
   */
  public ContendedBreach breachUnderContention(Duration interval, int clients) {
    Run run = run("contended", 1, interval, clients);
    return new ContendedBreach(run.fromAnswer(), run.relabels(), run.conflicts());
  }

  /** What one breach run saw. */
  private record Run(Instant firstScrape, Instant answered, Instant restored, long relabels, double conflicts) {

    Duration fromFirstScrape() {
      return Duration.between(firstScrape, restored);
    }

    Duration fromAnswer() {
      return Duration.between(answered, restored);
    }
  }

  /**
   * A change entered at weight 5, the app then failing half its requests, until the change is reverted
   * and its ConfigMap restored; with {@code clients} relabelling the change meanwhile.
   */
  private Run run(String prefix, int failureLimit, Duration interval, int clients) {
    String ns = harness.cluster.createNamespace(prefix + "-" + (++runs));
    lastNamespace = ns;
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    AtomicReference<Instant> restoredAt = new AtomicReference<>();
    double conflictsBefore = conflicts();
    try (TestApp app = new TestApp(prometheus.registry(), ns); Watch watch = onRestore(ns, restoredAt);
        RelabelStorm storm = new RelabelStorm(harness.client, ns, "use-redis", clients)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> !prometheus.server().instantQuery("count_over_time(("
          + app.p99Query() + ")[6s:1s]) > 5", Instant.now()).isEmpty());
      ScalingChange sc = change(ns, "use-redis", step(1, "3s"), step(5, "1h"), step(100, null));
      sc.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
      sc.getSpec().getAnalysis().setInterval(interval.toSeconds() + "s");
      sc.getSpec().getAnalysis().getMetrics().get(0).setFailureLimit(failureLimit);
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(60)).until(() -> "5".equals(
          harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));
      app.errorRate(0.5);
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack
          && restoredAt.get() != null);
      Instant answered = harness.get(ns, "use-redis").getStatus().getMetrics().stream()
          .filter(m -> m.getName().equals("error-rate")).map(m -> Timestamps.parse(m.getMeasuredAt()))
          .findFirst().orElseThrow();
      return new Run(AnalysisIT.firstScrapeWithErrors(prometheus, ns), answered, restoredAt.get(), storm.relabels(),
          conflicts() - conflictsBefore);
    }
  }

  private double conflicts() {
    return Counters.value(harness.operatorMetrics.registry(), "flagramp_api_write_failures", "reason", "StatusConflict");
  }

  /** API writes of the last run, per kind: 2 steps entered (with their measurement rounds), then reverted. */
  public String writesPerStep() {
    Map<String, Long> writes = harness.requests.writesIn(lastNamespace).stream()
        .collect(Collectors.groupingBy(ApiRequests.Request::kind, Collectors.counting()));
    return "API writes of one run (2 steps entered, then reverted): " + writes
        + " (ConfigMap + status per step is the minimum of 2; status also carries each measurement round)";
  }

  static Watch onRestore(OperatorHarness harness, String ns, AtomicReference<Instant> restoredAt) {
    AtomicReference<Boolean> seenFlag = new AtomicReference<>(false);
    return harness.client.configMaps().inNamespace(ns).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        boolean present = cm.getData() != null && cm.getData().containsKey("USE_REDIS_PERCENTAGE");
        if (present) {
          seenFlag.set(true);
        } else if (seenFlag.get()) {
          restoredAt.compareAndSet(null, Instant.now());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  private Watch onRestore(String ns, AtomicReference<Instant> restoredAt) {
    return onRestore(harness, ns, restoredAt);
  }

  @Override
  public void close() {
    harness.close();
  }
}
