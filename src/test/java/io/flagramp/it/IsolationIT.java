package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Watch;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change can stall nobody: ten changes point at a Prometheus that accepts connections and never
 * answers, with the longest timeout allowed (30s), ten metrics each. Meanwhile a healthy change is
 * aborted and another breaches its threshold; both reach their ConfigMap as fast as without the
 * stalled ten, because measuring runs off the reconcile threads, in each namespace's own share.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class IsolationIT {

  private static final Logger log = LoggerFactory.getLogger(IsolationIT.class);
  private static final int ROUNDS = 3;

  private record Figures(List<Duration> aborts, List<Duration> breaches) {
    Duration abort() {
      return median(aborts);
    }

    Duration breach() {
      return median(breaches);
    }
  }

  @Test
  void abortsAndRevertsDoNotWaitBehindTenChangesOnAStalledPrometheus(KubeTestCluster cluster,
      TestPrometheus prometheus) throws IOException {
    try (OperatorHarness harness = OperatorHarness.start(cluster, OperatorHarness.FAST,
        new SharedQueries(new PrometheusClient()), UnaryOperator.identity());
        TenancyIT.Listener stalled = new TenancyIT.Listener()) {
      Figures unloaded = measure(harness, prometheus, "calm");

      String ns = harness.cluster.createNamespace("stalled");
      harness.createConfigMap(ns, "app-features", Map.of());
      for (int i = 0; i < 10; i++) {
        harness.changes().resource(stalledChange(ns, "stalled-" + i, stalled.url())).create();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> stalled.connections() >= 4);
      Figures loaded = measure(harness, prometheus, "loaded");

      log.info("isolation: abort→restore {} ms unloaded, {} ms with 10 stalled changes (ratio {}); breach→restore"
          + " {} ms unloaded, {} ms loaded (ratio {}); {} connections held open by the stalled Prometheus;"
          + " all samples: {} / {}", unloaded.abort().toMillis(), loaded.abort().toMillis(),
          ratio(loaded.abort(), unloaded.abort()), unloaded.breach().toMillis(), loaded.breach().toMillis(),
          ratio(loaded.breach(), unloaded.breach()), stalled.connections(), unloaded, loaded);
      // Within one reconcile: the unloaded abort is itself one reconcile (watch, plan, two writes).
      assertThat(loaded.abort()).isLessThanOrEqualTo(unloaded.abort().multipliedBy(2).plusMillis(100));
      assertThat(loaded.breach()).isLessThanOrEqualTo(unloaded.breach().plus(unloaded.abort()).plusMillis(100));
    }
  }

  private static Figures measure(OperatorHarness harness, TestPrometheus prometheus, String label) {
    List<Duration> aborts = new ArrayList<>();
    List<Duration> breaches = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      aborts.add(abort(harness, prometheus, label));
      breaches.add(breach(harness, prometheus, label));
    }
    return new Figures(aborts, breaches);
  }

  /** From the abort annotation's write to the ConfigMap restored, as a watch sees it. */
  private static Duration abort(OperatorHarness harness, TestPrometheus prometheus, String label) {
    String ns = harness.cluster.createNamespace("abort-" + label);
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    AtomicReference<Instant> restored = new AtomicReference<>();
    try (TestApp app = new TestApp(prometheus.registry(), ns);
        Watch watch = BenchmarkSupport.onRestore(harness, ns, restored)) {
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, null));
      sc.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
      sc.getSpec().getAnalysis().setBaseline(null);
      sc.getSpec().getAnalysis().getMetrics().remove(1);
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.get(ns, "use-redis").getStatus() != null
          && harness.get(ns, "use-redis").getStatus().getMetrics() != null);
      Instant aborted = Instant.now();
      harness.changes().inNamespace(ns).withName("use-redis").edit(s -> {
        s.getMetadata().getAnnotations().put(Annotations.ABORT, "isolation");
        return s;
      });
      await().atMost(Duration.ofSeconds(60)).until(() -> restored.get() != null);
      return Duration.between(aborted, restored.get());
    }
  }

  /** From the first scraped sample with errors to the ConfigMap restored. */
  private static Duration breach(OperatorHarness harness, TestPrometheus prometheus, String label) {
    String ns = harness.cluster.createNamespace("breach-" + label);
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    AtomicReference<Instant> restored = new AtomicReference<>();
    try (TestApp app = new TestApp(prometheus.registry(), ns);
        Watch watch = BenchmarkSupport.onRestore(harness, ns, restored)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> !prometheus.server().instantQuery("count_over_time(("
          + app.errorRateQuery() + ")[4s:1s]) > 3", Instant.now()).isEmpty());
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, null));
      sc.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
      sc.getSpec().getAnalysis().setBaseline(null);
      sc.getSpec().getAnalysis().getMetrics().remove(1);
      sc.getSpec().getAnalysis().getMetrics().get(0).setFailureLimit(1);
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(60)).until(() -> "10".equals(
          harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));
      app.errorRate(0.5);
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack
          && restored.get() != null);
      return Duration.between(AnalysisIT.firstScrapeWithErrors(prometheus, ns), restored.get());
    }
  }

  /** Ten metrics every 30s, each query waiting out the longest timeout, and a baseline to take first. */
  private static ScalingChange stalledChange(String ns, String name, String address) {
    ScalingChange sc = change(ns, name, step(10, "1h"), step(100, null));
    sc.getSpec().getFlag().setPercentageKey("P_" + name.replace('-', '_').toUpperCase());
    sc.getSpec().getFlag().setEnabledKey(null);
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("30s");
    analysis.setPrometheus(source);
    analysis.setInterval("30s");
    analysis.setBaseline(new Baseline("1m"));
    List<MetricCheck> metrics = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      MetricCheck m = new MetricCheck("m" + i, "vector(" + i + ")");
      m.setMaxIncrease("50%");
      metrics.add(m);
    }
    analysis.setMetrics(metrics);
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }

  private static Duration median(List<Duration> samples) {
    List<Duration> sorted = samples.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static String ratio(Duration a, Duration b) {
    return String.format("%.2f", (double) a.toMillis() / Math.max(1, b.toMillis()));
  }
}
