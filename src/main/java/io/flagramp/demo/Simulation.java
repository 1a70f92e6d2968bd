package io.flagramp.demo;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Claim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.core.Observation;
import io.flagramp.core.ObservedFlag;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Drives the planner the way the reconciler does, against an in-memory ConfigMap and a simulated
 * clock: plan, apply the write, record the status, jump the clock to the requested requeue. It runs
 * the demo without a cluster, and the planner's tests, where a five-day schedule takes milliseconds.
 */
public final class Simulation {

  public final Planner planner;
  public ScalingChange change;
  public Instant now;
  /** The ConfigMap's data; null when the ConfigMap does not exist. */
  public Map<String, String> configMap = new LinkedHashMap<>();
  /** Field managers other than flagramp owning a key. */
  public final Map<String, List<String>> otherWriters = new LinkedHashMap<>();
  public final List<Claim> others = new ArrayList<>();
  public final List<Plan> plans = new ArrayList<>();
  public int flagWrites;
  public int statusWrites;
  /** Answers the planner's queries: (metric name or "minSamples", PromQL) to a measurement. */
  public BiFunction<String, String, Measurement> metrics = (name, promql) -> {
    throw new IllegalStateException("no metrics in this simulation, asked for " + name + ": " + promql);
  };
  public int queries;

  public Simulation(PlannerSettings settings, ScalingChange change, Instant start) {
    this.planner = new Planner(settings);
    this.change = change;
    this.now = start;
  }

  public Observation observe() {
    Optional<ObservedFlag> flag = Optional.ofNullable(configMap).map(data -> {
      Map<String, String> values = new LinkedHashMap<>();
      for (String key : change.getSpec().getFlag().keys()) {
        if (data.containsKey(key)) {
          values.put(key, data.get(key));
        }
      }
      return new ObservedFlag(values, Map.copyOf(otherWriters));
    });
    return new Observation(change, flag, List.copyOf(others), now);
  }

  /** One reconcile at the current time. */
  public Plan reconcile() {
    Observation observation = observe();
    Plan plan = planner.plan(observation);
    if (plan.measure().isPresent()) {
      plan = planner.plan(observation.withMeasurements(answer(plan.measure().get())));
      if (plan.measure().isPresent()) {
        throw new IllegalStateException("the planner asked to measure twice in one reconcile");
      }
    }
    plans.add(plan);
    plan.write().ifPresent(this::applyToConfigMap);
    if (!plan.status().equals(change.getStatus())) {
      statusWrites++;
      change.setStatus(plan.status());
    }
    return plan;
  }

  private Measurements answer(MeasurementRequest request) {
    Map<String, Measurement> answers = new LinkedHashMap<>();
    request.queries().forEach((name, promql) -> {
      queries++;
      answers.put(name, metrics.apply(name, promql));
    });
    Optional<Measurement> samples = request.samplesQuery().map(q -> {
      queries++;
      return metrics.apply("minSamples", q);
    });
    return new Measurements(request.kind(), answers, samples);
  }

  public void applyToConfigMap(FlagWrite write) {
    flagWrites++;
    if (write instanceof FlagWrite.SetValues set) {
      configMap.putAll(set.values());
      set.values().keySet().forEach(otherWriters::remove);
    } else if (write instanceof FlagWrite.Restore restore) {
      for (String key : restore.keys()) {
        if (restore.originals().containsKey(key)) {
          configMap.put(key, restore.originals().get(key));
        } else {
          configMap.remove(key);
        }
        otherWriters.remove(key);
      }
    }
  }

  /** Reconciles, then jumps the clock by the requeue, until the planner stops asking to be called again. */
  public void runUntilQuiet(int maxReconciles) {
    for (int i = 0; i < maxReconciles; i++) {
      Plan plan = reconcile();
      if (plan.requeueAfter().isEmpty()) {
        return;
      }
      now = now.plus(plan.requeueAfter().get());
    }
    throw new AssertionError("still requeueing after " + maxReconciles + " reconciles: " + change.getStatus().getLastDecision());
  }

  /** Reconciles (jumping the clock) until the change has entered step {@code index}, 0-based. */
  public void runUntilStep(int index) {
    for (int i = 0; i < 100; i++) {
      Plan plan = reconcile();
      if (change.getStatus().getCurrentStep() >= index) {
        return;
      }
      now = now.plus(plan.requeueAfter().orElseThrow(() -> new AssertionError(
          "stopped before step " + index + ": " + change.getStatus().getLastDecision())));
    }
    throw new AssertionError("step " + index + " not reached: " + change.getStatus().getLastDecision());
  }

  public void advance(Duration d) {
    now = now.plus(d);
  }

  public void annotate(String key, String value) {
    change.getMetadata().getAnnotations().put(key, value);
  }

  /** Someone else (kubectl, a GitOps tool) writes a key. */
  public void externalWrite(String key, String value, String manager) {
    configMap.put(key, value);
    otherWriters.put(key, List.of(manager));
  }
}
