package io.flagramp.cli;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Measurement;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.Clients;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.function.Predicate;

/**
 * Real statuses for the screen's tests: the operator's own reconcile ({@link Simulation}) drives a
 * ScalingChange written as YAML on a simulated clock until the status reads as the test needs it.
 */
final class Rollouts {

  static final Instant START = Instant.parse("2026-11-23T02:00:00Z");

  /** The use-redis playbook, with a manual step at 50 and a restart target. */
  static final String USE_REDIS = """
      apiVersion: flagramp.io/v1alpha1
      kind: ScalingChange
      metadata: {name: use-redis, namespace: social}
      spec:
        flag: {configMapName: app-features, percentageKey: USE_REDIS_PERCENTAGE, enabledKey: USE_REDIS}
        steps:
          - {weight: 1, pause: 1h}
          - {weight: 5, pause: 24h}
          - {weight: 10, pause: 24h}
          - {weight: 25, pause: 24h}
          - {weight: 50, pause: 24h, approval: Manual}
          - {weight: 100}
        analysis:
          prometheus: {address: "http://prometheus.monitoring.svc:9090"}
          interval: 1m
          baseline: {window: 30m}
          metrics:
            - {name: error-rate, query: errors, max: 0.01, failureLimit: 3}
            - {name: p99-latency, query: latency, max: 0.5, maxIncrease: "50%"}
          minSamples: {query: requests, min: 1000}
        bake: 1h
        restartTargets:
          - {kind: Deployment, name: api}
      """;

  final Simulation sim;

  private Rollouts(Simulation sim) {
    this.sim = sim;
  }

  static Rollouts of(String yaml) {
    var json = Clients.serialization();
    ScalingChange change = json.unmarshal(yaml, ScalingChange.class);
    change.getMetadata().setGeneration(1L);
    change.getMetadata().setCreationTimestamp(START.toString());
    change.getMetadata().setAnnotations(new HashMap<>());
    Simulation sim = new Simulation(new PlannerSettings(Duration.ofMinutes(1), Duration.ofSeconds(15), 20, true),
        change, START);
    change.getSpec().targets().forEach(t -> sim.workload(t.getKind(), t.getName()));
    sim.metrics = (name, promql) -> new Measurement.Value(switch (name) {
      case "minSamples" -> 5000;
      case "error-rate" -> 0.0012;
      default -> 0.21;
    });
    return new Rollouts(sim);
  }

  /** Reconciles, jumping the clock to each requeue, until the status satisfies {@code done}. */
  Rollouts until(Predicate<ScalingChangeStatus> done) {
    for (int i = 0; i < 100_000; i++) {
      Plan plan = sim.reconcile();
      if (sim.change.getStatus() != null && done.test(sim.change.getStatus())) {
        return this;
      }
      sim.advance(plan.requeueAfter().orElseThrow(() -> new AssertionError("quiet before the status the test wants: "
          + sim.change.getStatus().getLastDecision())));
    }
    throw new AssertionError("never reached: " + sim.change.getStatus().getLastDecision());
  }

  Rollouts advance(Duration d) {
    sim.advance(d);
    return this;
  }

  ScalingChange change() {
    return sim.change;
  }

  Instant now() {
    return sim.now();
  }
}
