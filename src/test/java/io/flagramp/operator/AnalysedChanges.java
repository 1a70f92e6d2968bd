package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * ScalingChanges in namespace {@code social} measured every 1m by one error-rate query (max 0.01) on one
 * Prometheus, for the tests of measuring and pacing: each step but the last pauses 1m.
 */
final class AnalysedChanges {

  static final String PROMETHEUS = "http://prometheus.monitoring:9090";
  static final String ERROR_RATE = "sum(rate(errors[1m])) / sum(rate(requests[1m]))";

  private AnalysedChanges() {}

  static ScalingChange change(String name, Instant created, FlagTarget flag, List<Integer> weights) {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("social").withGeneration(1L)
        .withUid("uid-" + name).withCreationTimestamp(created.toString()).withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(flag);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      steps.add(new Step(weights.get(i), i == weights.size() - 1 ? null : "1m"));
    }
    spec.setSteps(steps);
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(PROMETHEUS);
    analysis.setPrometheus(source);
    analysis.setInterval("1m");
    MetricCheck errorRate = new MetricCheck("error-rate", ERROR_RATE);
    errorRate.setMax(0.01);
    analysis.setMetrics(new ArrayList<>(List.of(errorRate)));
    spec.setAnalysis(analysis);
    change.setSpec(spec);
    return change;
  }

  /**
   * Reconciles {@code name} until a plan is made that waits for no round, waiting for each round a
   * reconcile starts ({@code ready} counts completed rounds).
   */
  static io.flagramp.core.Plan settle(Reconciliation reconciliation, io.flagramp.demo.InMemoryApi api, String name,
      java.util.concurrent.atomic.AtomicInteger ready) {
    for (int i = 0; i < 10; i++) {
      int before = ready.get();
      io.flagramp.core.Plan plan = reconciliation.reconcile(api.read(name), api.statusStore());
      if (!plan.requeueAfter().equals(java.util.Optional.of(Reconciliation.ROUND_LIMIT))) {
        return plan;
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ready.get() > before);
    }
    throw new AssertionError("still measuring after 10 reconciles");
  }
}
