package io.flagramp.demo;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.core.Notice;
import io.flagramp.core.Observation;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import io.flagramp.operator.Reconciliation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The operator's own reconcile ({@link Reconciliation}: plan, then status, then ConfigMap, then the
 * Event) against an {@link InMemoryApi} and a simulated clock: jump the clock to the requested
 * requeue, reconcile again. It runs the demo without a cluster, and the planner's tests, where a
 * five-day schedule takes milliseconds.
 */
public final class Simulation {

  public static final String NAMESPACE = "social";

  public final Planner planner;
  public final InMemoryApi api;
  private final PlannerSettings settings;
  /** The stored object: status as last written; a test may edit spec or metadata in place. */
  public final ScalingChange change;
  public Instant now;
  public final List<Plan> plans = new ArrayList<>();
  public final List<Notice> events = new ArrayList<>();
  /** Answers the planner's queries: (metric name or "minSamples", PromQL) to a measurement at {@link #queryAt}. */
  public BiFunction<String, String, Measurement> metrics = (name, promql) -> {
    throw new IllegalStateException("no metrics in this simulation, asked for " + name + ": " + promql);
  };
  /** The evaluation time of the query being answered. */
  public Instant queryAt;
  /** When set, every round is refused with this reason (credentials the operator may not use). */
  public String refuse;
  public int queries;
  /** Measurement rounds the planner asked for (each a set of queries at one time). */
  private int rounds;
  private final Reconciliation reconciliation;

  /** A change in a fresh in-memory API, with its ConfigMap (empty) in place. */
  public Simulation(PlannerSettings settings, ScalingChange change, Instant start) {
    this(settings, new InMemoryApi(), change, start);
    if (change.getMetadata().getNamespace() == null) {
      change.getMetadata().setNamespace(NAMESPACE);
    }
    api.create(change);
    api.createConfigMap(change.getSpec().getFlag().getConfigMapName(), Map.of(), "kubectl-client-side-apply");
  }

  /** Another change in the same in-memory API, as if created there too. */
  public Simulation(Simulation same, ScalingChange change) {
    this(same.settings, same.api, change, same.now);
    if (change.getMetadata().getNamespace() == null) {
      change.getMetadata().setNamespace(NAMESPACE);
    }
    api.create(change);
  }

  private Simulation(PlannerSettings settings, InMemoryApi api, ScalingChange change, Instant start) {
    this.settings = settings;
    this.planner = new Planner(settings);
    this.api = api;
    this.now = start;
    this.change = change;
    Clock clock = clock(() -> now);
    this.reconciliation = new Reconciliation(planner, api.flagStore(NAMESPACE),
        (c, request, at, ready) -> {
          rounds++;
          return Optional.of(answer(c, request, at));
        }, (c, notice) -> events.add(notice),
        api.changes(), clock).restartingThrough(new InMemoryWorkloads(api.workloads, () -> now), true);
  }

  /** A clock that reads {@code now}: simulated time, moved by whoever owns it. */
  public static Clock clock(Supplier<Instant> now) {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now.get();
      }
    };
  }

  /** A workload the change may restart (opted in), whose rollouts take 5 simulated seconds. */
  public InMemoryWorkloads.Workload workload(io.flagramp.api.v1alpha1.WorkloadKind kind, String name) {
    InMemoryWorkloads.Workload w = new InMemoryWorkloads.Workload();
    api.workloads.put(new io.flagramp.api.v1alpha1.RestartTarget(kind, name), w);
    return w;
  }

  /** A new operator process taking over at {@code at}: a fresh planner, the same API server. */
  public Simulation restartedAt(Instant at) {
    Simulation restarted = new Simulation(settings, api, change, at);
    restarted.metrics = metrics;
    return restarted;
  }

  /** Bounds the step writes in flight, as the operator does. */
  public Simulation pacedBy(io.flagramp.operator.StepPacer pacer) {
    reconciliation.pacedBy(pacer);
    return this;
  }

  /** Lets {@code observer} see each plan carried out, as the operator's metrics and notifications do. */
  public Simulation observedBy(Reconciliation.Observer observer) {
    reconciliation.observedBy(observer);
    return this;
  }

  public String name() {
    return change.getMetadata().getName();
  }

  public String configMapName() {
    return change.getSpec().getFlag().getConfigMapName();
  }

  /** The flag's ConfigMap data as it is now; null when it does not exist. */
  public Map<String, String> configMap() {
    return api.configMap(configMapName()).map(cm -> new LinkedHashMap<>(cm.data)).orElse(null);
  }

  public int flagWrites() {
    return api.configMapWrites;
  }

  public int statusWrites() {
    return api.statusWrites;
  }

  public int measurementRounds() {
    return rounds;
  }

  /** What the planner would see now, without acting on it. */
  public Observation observe() {
    return reconciliation.observe(api.read(name()));
  }

  /** One reconcile at the current time, as the operator makes it. */
  public Plan reconcile() {
    Plan plan = reconciliation.reconcile(api.read(name()), api.statusStore());
    plans.add(plan);
    return plan;
  }

  /**
   * One reconcile of {@code copy} at the current time: an older version of the object, as a lagging
   * cache, a second replica during a rolling update or the old shard after a relabel hands it out.
   */
  public Plan reconcile(ScalingChange copy) {
    Plan plan = reconciliation.reconcile(copy, api.statusStore());
    plans.add(plan);
    return plan;
  }

  /** The object as it is now, to reconcile later ({@link #reconcile(ScalingChange)}), stale by then. */
  public ScalingChange copy() {
    return api.read(name());
  }

  /**
   * {@code kubectl delete}: the object is marked for deletion and its finalizer applies spec.onDelete,
   * one step per call as the operator does, until it may go; then it is gone. Returns the calls made.
   */
  public int delete() {
    markDeleted();
    for (int i = 1; i <= 20; i++) {
      if (reconciliation.cleanup(api.read(name()), api.statusStore())) {
        api.remove(name());
        return i;
      }
    }
    throw new AssertionError("the finalizer of " + name() + " never finished: " + change.getStatus().getLastDecision());
  }

  /** The object is marked for deletion; its finalizer has not run yet. */
  public void markDeleted() {
    if (change.getMetadata().getDeletionTimestamp() == null) {
      change.getMetadata().setDeletionTimestamp(now.toString());
      api.touch(name());
    }
  }

  /** One call of the finalizer, as the operator makes it: whether it may go now. */
  public boolean cleanup() {
    return reconciliation.cleanup(api.read(name()), api.statusStore());
  }

  private Measurements answer(ScalingChange c, MeasurementRequest request, Instant at) {
    Optional<Measurements> alongside = request.alongside().map(r -> answer(c, r, at));
    queryAt = request.at().orElse(at);
    if (refuse != null) {
      return Measurements.refused(request.kind(), refuse, queryAt);
    }
    Map<String, Measurement> answers = new LinkedHashMap<>();
    request.queries().forEach((name, promql) -> {
      queries++;
      answers.put(name, metrics.apply(name, promql));
    });
    Optional<Measurement> samples = request.samplesQuery().map(q -> {
      queries++;
      return metrics.apply("minSamples", q);
    });
    return new Measurements(request.kind(), answers, samples, alongside, queryAt);
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
    throw new AssertionError("still requeueing after " + maxReconciles + " reconciles: "
        + change.getStatus().getLastDecision());
  }

  /** Reconciles (jumping the clock) until the change has entered step {@code index}, 0-based. */
  public void runUntilStep(int index) {
    for (int i = 0; i < 1000; i++) {
      Plan plan = reconcile();
      if (change.getStatus() != null && change.getStatus().getCurrentStep() != null
          && change.getStatus().getCurrentStep() >= index) {
        return;
      }
      now = now.plus(plan.requeueAfter().orElseThrow(() -> new AssertionError(
          "stopped before step " + index + ": " + change.getStatus().getLastDecision())));
    }
    throw new AssertionError("step " + index + " not reached: " + change.getStatus().getLastDecision());
  }

  /** The simulated time. */
  public Instant now() {
    return now;
  }

  public void advance(Duration d) {
    now = now.plus(d);
  }

  public void annotate(String key, String value) {
    change.getMetadata().getAnnotations().put(key, value);
    api.touch(name());
  }

  /** An annotation set by {@code manager}, recorded in managedFields the way the API server does it. */
  public void annotateAs(String key, String value, String manager) {
    List<ManagedFieldsEntry> entries = change.getMetadata().getManagedFields() == null ? new ArrayList<>()
        : new ArrayList<>(change.getMetadata().getManagedFields());
    entries.removeIf(e -> manager.equals(e.getManager()));
    FieldsV1 fields = new FieldsV1();
    fields.setAdditionalProperty("f:metadata", Map.of("f:annotations", Map.of("f:" + key, Map.of())));
    entries.add(new ManagedFieldsEntryBuilder().withManager(manager).withOperation("Update").withApiVersion(
        "flagramp.io/v1alpha1").withFieldsType("FieldsV1").withFieldsV1(fields).withTime(now.toString()).build());
    change.getMetadata().setManagedFields(entries);
    annotate(key, value);
  }

  /** A spec edit: a new generation. */
  public void specEdited() {
    api.specEdited(name());
  }

  /** Someone else (kubectl, a GitOps tool) writes a key; null removes it. */
  public void externalWrite(String key, String value, String manager) {
    api.externalWrite(configMapName(), key, value, manager);
  }

  public void deleteConfigMap() {
    api.deleteConfigMap(configMapName());
  }

  public void createConfigMap(Map<String, String> data) {
    api.createConfigMap(configMapName(), data, "kubectl-client-side-apply");
  }
}
