package io.flagramp.model;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.RestartStatus;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.WorkloadKind;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.MinSamples;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.ProviderErrorPolicy;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.Durations;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Measurement;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.core.Timestamps;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.InMemoryWorkloads;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.ReconcileFault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * One generated history of one ScalingChange, and the invariants it must keep:
 *
 * <ol>
 *   <li>flagramp writes the flag's keys only with a weight of the schedule (any version of it seen so
 *       far) and the matching enabled value, or with the attempt's true original values;
 *   <li>within an attempt the weight it writes never decreases;
 *   <li>once an attempt reverted, it never writes a weight again, and the originals stay until a retry;
 *   <li>no step is entered before its gates passed: not suspended, the previous weight soaked its pause,
 *       and with analysis every metric passed during that step;
 *   <li>the recorded original values are the attempt's true ones (what the keys held just before its
 *       first write), never flagramp's own values;
 *   <li>Succeeded never comes without the bake;
 *   <li>the reconcile never fails except with an expected, typed fault;
 *   <li>a step with approval: Manual is entered only with an approval someone gave for it, each approval
 *       used once; a promote shortens only the soak, never the analysis;
 *   <li>no step is decided outside spec.windows (an oracle of its own, in UTC);
 *   <li>with restart targets, a step's soak starts only after the target rolled out the restart of the
 *       weight it soaks at; a reverted attempt's last restart is the restore's, made after the restore.
 * </ol>
 */
final class History {

  private static final String PCT = "USE_REDIS_PERCENTAGE";
  private static final String ON = "USE_REDIS";
  private static final String OTHER = "SOCKET_TIMEOUT_MS";
  private static final int[] WEIGHTS = {1, 2, 5, 10, 20, 25, 33, 50, 75, 100};
  private static final String[] PAUSES = {null, "10s", "30s", "1m", "5m"};
  private static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  private static final PlannerSettings SETTINGS =
      new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 50, true);

  private final long seed;
  private final Random rnd;
  private final Report report;
  private final List<String> trace = new ArrayList<>();
  /** The ScalingChanges of this history: one, or two on the same ConfigMap. */
  private final List<Tracked> changes = new ArrayList<>();
  /** The change being reconciled or acted on. */
  private Tracked current;
  private Simulation sim;
  /** Who holds each flag key: the change and attempt that wrote it first and has not ended. */
  private final Map<String, String> holders = new HashMap<>();
  /** One clock for every change. */
  private Instant now = T0;

  /** What the model knows of one change. */
  private static final class Tracked {
    Simulation sim;
    String uid;
    List<String> keys;
    /** Every weight any version of the schedule had. */
    final Set<Integer> weightsSeen = new TreeSet<>();
    /** Per attempt: the flag's keys just before its first write. */
    final Map<Integer, Map<String, String>> trueOriginals = new HashMap<>();
    /** Per attempt: the last weight written. */
    final Map<Integer, Integer> lastWeight = new HashMap<>();
    /** Attempts whose restore was applied. */
    final Set<Integer> restored = new HashSet<>();
    /** Someone else wrote its keys after its last write. */
    boolean externalSinceFlagramp;
    /** Intent ids whose write was applied. */
    final Set<String> applied = new HashSet<>();
    /** Intent ids already checked as decisions. */
    final Set<String> decisionsChecked = new HashSet<>();
    /** Per attempt and weight: when that weight was first written to the ConfigMap. */
    final Map<String, Instant> writtenAt = new HashMap<>();
    /** Per attempt: when the model first saw it Baking. */
    final Map<Integer, Instant> bakingSince = new HashMap<>();
    Optional<Duration> lastRequeue = Optional.of(Duration.ZERO);
    /** flagramp.io/approve and flagramp.io/promote values set on it. */
    final Set<String> approvalsGiven = new HashSet<>();
    final Set<String> promotesGiven = new HashSet<>();
    /** Approval values already seen on a history row. */
    final Set<String> approvalsUsed = new HashSet<>();
    /** Per attempt: when the restore was written. */
    final Map<Integer, Instant> restoredAt = new HashMap<>();
  }

  private static final RestartTarget API = new RestartTarget(WorkloadKind.Deployment, "api");
  /** The restart target, when this history has one. */
  private InMemoryWorkloads.Workload workload;
  private int counter;

  // The app and Prometheus.
  private Integer breaksAt;
  private Instant errorsUntil = Instant.MIN;
  private Instant noDataUntil = Instant.MIN;
  private Instant quietUntil = Instant.MIN;

  History(long seed, Report report) {
    this.seed = seed;
    this.rnd = new Random(seed);
    this.report = report;
  }

  void run() {
    Tracked first = new Tracked();
    ScalingChange change = generate("use-redis", PCT, ON, first);
    first.sim = new Simulation(SETTINGS, change, T0);
    changes.add(first);
    use(first);
    if (rnd.nextInt(10) < 3) {
      // A second change on the same ConfigMap: on the same keys (one must wait for the other), or on
      // other keys (both proceed, neither touches the other's).
      Tracked second = new Tracked();
      boolean same = rnd.nextBoolean();
      ScalingChange other = generate("use-redis-again", same ? PCT : "USE_CACHE_PERCENTAGE", same ? ON : null, second);
      second.sim = new Simulation(first.sim, other);
      changes.add(second);
      trace("second change on " + second.keys);
    }
    if (rnd.nextBoolean()) {
      sim.externalWrite(ON, rnd.nextBoolean() ? "false" : "true", "kubectl-client-side-apply");
    }
    if (rnd.nextInt(3) == 0) {
      sim.externalWrite(PCT, "0", "kubectl-client-side-apply");
    }
    sim.externalWrite(OTHER, "30000", "kubectl-client-side-apply");
    if (!change.getSpec().targets().isEmpty()) {
      workload = sim.workload(WorkloadKind.Deployment, "api");
      workload.rollout = rnd.nextInt(8) == 0 ? null : Duration.ofSeconds(1 + rnd.nextInt(90));
      trace("restart target rolls out in " + workload.rollout);
    }
    changes.forEach(t -> t.sim.metrics = this::answer);
    sim.api.observer = this::checkWrite;
    breaksAt = rnd.nextInt(3) == 0 ? null : WEIGHTS[rnd.nextInt(WEIGHTS.length)];
    trace("seed " + seed + ": " + describe(change) + ", app breaks at " + breaksAt);
    int actions = 40 + rnd.nextInt(160);
    for (int i = 0; i < actions; i++) {
      use(changes.get(rnd.nextInt(changes.size())));
      act();
      now = sim.now;
    }
    for (Tracked t : changes) {
      use(t);
      quiesce();
      now = sim.now;
    }
    report.runs++;
    changes.forEach(t -> report.count(report.outcomes, outcome(t)));
  }

  private void use(Tracked t) {
    current = t;
    sim = t.sim;
    sim.now = now;
  }

  // ---- generating ----

  private ScalingChange generate(String name, String percentageKey, String enabledKey, Tracked t) {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("social").withGeneration(1L)
        .withUid("uid-" + name).withCreationTimestamp(T0.toString()).withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", percentageKey, enabledKey));
    t.uid = "uid-" + name;
    t.keys = spec.getFlag().keys();
    spec.setSteps(schedule());
    if (rnd.nextInt(5) < 3) {
      spec.setAnalysis(analysis());
    }
    spec.setBake(new String[] {null, "30s", "2m"}[rnd.nextInt(3)]);
    spec.setOnFailure(rnd.nextInt(5) == 0 ? OnFailure.Hold : OnFailure.Revert);
    if (rnd.nextInt(4) == 0) {
      spec.setWindows(windows());
    }
    if (rnd.nextInt(4) == 0 && name.equals("use-redis")) {
      spec.setRestartTargets(List.of(API));
      spec.setRestartTimeout(rnd.nextBoolean() ? "1m" : "5m");
    }
    change.setSpec(spec);
    spec.getSteps().forEach(s -> t.weightsSeen.add(s.getWeight()));
    return change;
  }

  private List<Step> schedule() {
    TreeSet<Integer> weights = new TreeSet<>();
    int n = 1 + rnd.nextInt(5);
    while (weights.size() < n) {
      weights.add(WEIGHTS[rnd.nextInt(WEIGHTS.length)]);
    }
    List<Step> steps = new ArrayList<>();
    weights.forEach(w -> {
      Step step = new Step(w, PAUSES[rnd.nextInt(PAUSES.length)]);
      if (rnd.nextInt(4) == 0) {
        step.setApproval(Approval.Manual);
      }
      steps.add(step);
    });
    return steps;
  }

  /** 1-4 daily ranges between 02:00 and 07:00 UTC (the histories start at 02:00), maybe a blocked hour. */
  private DeployWindows windows() {
    List<AllowedWindow> allowed = new ArrayList<>();
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      int from = 120 + rnd.nextInt(300);
      int to = Math.min(from + 5 + rnd.nextInt(60), 24 * 60 - 1);
      allowed.add(new AllowedWindow(null, hhmm(from), hhmm(to)));
    }
    List<BlockedWindow> blocked = rnd.nextInt(3) == 0
        ? List.of(new BlockedWindow("2026-11-26T03:00", "2026-11-26T04:00", "maintenance")) : null;
    return new DeployWindows("UTC", allowed, blocked);
  }

  private static String hhmm(int minutes) {
    return String.format("%02d:%02d", minutes / 60, minutes % 60);
  }

  private Analysis analysis() {
    Analysis a = new Analysis();
    a.setInterval(new String[] {"10s", "30s", "1m"}[rnd.nextInt(3)]);
    List<MetricCheck> metrics = new ArrayList<>();
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    errors.setFailureLimit(1 + rnd.nextInt(3));
    metrics.add(errors);
    if (rnd.nextBoolean()) {
      a.setBaseline(new Baseline("5m"));
      MetricCheck latency = new MetricCheck("p99-latency", "latency");
      latency.setMaxIncrease("50%");
      metrics.add(latency);
    }
    a.setMetrics(metrics);
    if (rnd.nextInt(3) == 0) {
      a.setMinSamples(new MinSamples("samples", 1000));
    }
    a.setOnNoData(rnd.nextInt(4) == 0 ? OnNoData.Fail : OnNoData.Hold);
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(1 + rnd.nextInt(3));
    policy.setAction(rnd.nextInt(4) == 0 ? ProviderErrorAction.Fail : ProviderErrorAction.Hold);
    a.setOnProviderError(policy);
    return a;
  }

  /** Prometheus, in front of an app whose error rate and latency rise once the flag reaches breaksAt. */
  private Measurement answer(String name, String promql) {
    Instant at = sim.queryAt;
    if (at.isBefore(errorsUntil)) {
      return new Measurement.Failed("HTTP 503 from Prometheus");
    }
    if (name.equals("minSamples")) {
      return new Measurement.Value(at.isBefore(quietUntil) ? 100 : 5000);
    }
    if (at.isBefore(noDataUntil) && name.equals("error-rate")) {
      return new Measurement.NoData("query returned no series");
    }
    boolean broken = breaksAt != null && weightNow() >= breaksAt && !promql.startsWith("avg_over_time");
    if (name.equals("error-rate")) {
      return new Measurement.Value(broken ? 0.05 : 0.001);
    }
    return new Measurement.Value(broken ? 0.5 : 0.2);
  }

  private int weightNow() {
    Map<String, String> cm = sim.configMap();
    try {
      return cm == null || cm.get(PCT) == null ? 0 : Integer.parseInt(cm.get(PCT));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // ---- acting ----

  private void act() {
    ScalingChangeStatus now = sim.change.getStatus();
    if (now != null && now.getPhase() == Phase.AwaitingApproval && rnd.nextInt(6) == 0) {
      String value = "approve-" + counter++;
      current.approvalsGiven.add(value);
      annotate(Annotations.APPROVE, value);
      return;
    }
    int roll = rnd.nextInt(100);
    if (roll < 50) {
      reconcile(true);
    } else if (roll < 72) {
      Duration wait = current.lastRequeue.orElse(Duration.ofSeconds(5 + rnd.nextInt(90)));
      sim.advance(wait.isZero() ? Duration.ofMillis(rnd.nextInt(500)) : wait);
      reconcile(true);
    } else if (roll < 78) {
      editSpec();
    } else if (roll < 81) {
      annotate(Annotations.ABORT, "abort-" + rnd.nextInt(1000));
    } else if (roll < 85) {
      annotate(Annotations.RETRY, "retry-" + rnd.nextInt(1000));
    } else if (roll < 86) {
      String value = "approve-" + counter++;
      current.approvalsGiven.add(value);
      annotate(Annotations.APPROVE, value);
    } else if (roll < 87) {
      String value = "promote-" + counter++;
      current.promotesGiven.add(value);
      annotate(Annotations.PROMOTE, value);
    } else if (roll < 88) {
      if (workload != null && rnd.nextBoolean()) {
        workload.failNextRestarts = 1;
        trace("the next restart fails");
        report.count(report.actions, "restart fault");
        return;
      }
      sim.api.touch(sim.name());
      report.count(report.actions, "metadata touched");
    } else if (roll < 90) {
      if (rnd.nextInt(8) == 0) {
        boolean exists = sim.configMap() != null;
        if (exists) {
          sim.deleteConfigMap();
        } else {
          sim.createConfigMap(Map.of(OTHER, "30000"));
        }
        changes.forEach(t -> t.externalSinceFlagramp = true);
        holders.clear();
        trace("someone " + (exists ? "deletes" : "creates") + " the ConfigMap");
        report.count(report.actions, "ConfigMap deleted or created");
        return;
      }
      if (sim.configMap() == null) {
        return;
      }
      String key = current.keys.get(rnd.nextInt(current.keys.size()));
      String value = rnd.nextInt(4) == 0 ? null : rnd.nextBoolean() ? "0" : "42";
      sim.externalWrite(key, value, "kubectl-edit");
      changes.stream().filter(t -> t.keys.contains(key)).forEach(t -> t.externalSinceFlagramp = true);
      trace("someone sets " + key + "=" + value);
      report.count(report.actions, "external write");
    } else if (roll < 93) {
      sim.change.getSpec().setSuspend(!sim.change.getSpec().suspended());
      sim.specEdited();
      trace("suspend=" + sim.change.getSpec().suspended());
      report.count(report.actions, "suspend toggled");
    } else if (roll < 97) {
      Instant until = sim.now.plusSeconds(10 + rnd.nextInt(200));
      switch (rnd.nextInt(3)) {
        case 0 -> errorsUntil = until;
        case 1 -> noDataUntil = until;
        default -> quietUntil = until;
      }
      report.count(report.actions, "metrics window");
    } else {
      sim.advance(Duration.ofSeconds(rnd.nextInt(600)));
    }
  }

  private void annotate(String key, String value) {
    sim.annotate(key, value);
    trace("annotate " + key + "=" + value);
    report.count(report.actions, key);
  }

  private void editSpec() {
    ScalingChangeSpec spec = sim.change.getSpec();
    List<Step> steps = spec.getSteps();
    String what;
    switch (rnd.nextInt(7)) {
      case 0 -> {
        Step s = steps.get(rnd.nextInt(steps.size()));
        s.setPause(PAUSES[rnd.nextInt(PAUSES.length)]);
        what = "pause of " + s.getWeight() + " = " + s.getPause();
      }
      case 1 -> {
        if (steps.size() > 1) {
          Step removed = steps.remove(rnd.nextInt(steps.size()));
          what = "removed step " + removed.getWeight();
        } else {
          what = "nothing";
        }
      }
      case 2 -> {
        int w = WEIGHTS[rnd.nextInt(WEIGHTS.length)];
        if (steps.stream().noneMatch(s -> s.getWeight() == w)) {
          steps.add(new Step(w, PAUSES[rnd.nextInt(PAUSES.length)]));
          steps.sort((a, b) -> Integer.compare(a.getWeight(), b.getWeight()));
          current.weightsSeen.add(w);
        }
        what = "inserted step " + w;
      }
      case 3 -> {
        spec.setBake(new String[] {null, "30s", "2m"}[rnd.nextInt(3)]);
        what = "bake = " + spec.getBake();
      }
      case 4 -> {
        if (spec.getAnalysis() != null) {
          MetricCheck m = spec.getAnalysis().getMetrics().get(0);
          m.setFailureLimit(1 + rnd.nextInt(3));
          what = "failureLimit = " + m.getFailureLimit();
        } else {
          what = "nothing";
        }
      }
      case 5 -> {
        if (spec.getAnalysis() != null && spec.getAnalysis().getMetrics().size() > 1) {
          MetricCheck latency = spec.getAnalysis().getMetrics().get(1);
          latency.setQuery(latency.getQuery().equals("latency") ? "latency_v2" : "latency");
          what = "latency query = " + latency.getQuery();
        } else if (spec.getAnalysis() != null) {
          spec.getAnalysis().setBaseline(new Baseline("5m"));
          MetricCheck latency = new MetricCheck("p99-latency", "latency");
          latency.setMaxIncrease("50%");
          List<MetricCheck> metrics = new ArrayList<>(spec.getAnalysis().getMetrics());
          metrics.add(latency);
          spec.getAnalysis().setMetrics(metrics);
          what = "added p99-latency with maxIncrease";
        } else {
          what = "nothing";
        }
      }
      default -> {
        spec.setOnFailure(spec.onFailureOrDefault() == OnFailure.Hold ? OnFailure.Revert : OnFailure.Hold);
        what = "onFailure = " + spec.getOnFailure();
      }
    }
    sim.specEdited();
    trace("spec edit: " + what);
    report.count(report.actions, "spec edit");
  }

  private void reconcile(boolean faults) {
    ScalingChangeStatus before = copy(sim.change.getStatus());
    List<InMemoryApi.Fault> injected = new ArrayList<>();
    sim.api.faults = kind -> {
      InMemoryApi.Fault f = InMemoryApi.Fault.NONE;
      if (faults && rnd.nextInt(100) < 15) {
        f = InMemoryApi.Fault.values()[1 + rnd.nextInt(3)];
        report.faults.merge(f, 1L, Long::sum);
      }
      injected.add(f);
      return f;
    };
    report.reconciles++;
    try {
      Plan plan = sim.reconcile();
      current.lastRequeue = plan.requeueAfter();
      plan.notice().ifPresent(n -> {
        trace(sim.now + " " + n.reason() + ": " + n.message());
        if (n.message().startsWith("finished the interrupted write")) {
          report.interrupted++;
        }
      });
    } catch (ReconcileFault fault) {
      if (fault instanceof io.flagramp.operator.RestartFailed) {
        report.count(report.actions, "restart failed");
      }
      trace(sim.now + " fault " + injected + ": " + fault.getMessage());
      current.lastRequeue = Optional.of(Duration.ofSeconds(1 + rnd.nextInt(4)));  // JOSDK's backoff
    } catch (RuntimeException bug) {
      throw violation("the reconcile failed with an unexpected " + bug, bug);
    } finally {
      sim.api.faults = kind -> InMemoryApi.Fault.NONE;
    }
    checkStatus(before, sim.change.getStatus());
  }

  /** No more faults, edits or outages: the change must settle where the invariants say. */
  private void quiesce() {
    errorsUntil = Instant.MIN;
    noDataUntil = Instant.MIN;
    quietUntil = Instant.MIN;
    if (sim.change.getSpec().suspended()) {
      sim.change.getSpec().setSuspend(false);
      sim.specEdited();
    }
    for (int i = 0; i < 500; i++) {
      reconcile(false);
      ScalingChangeStatus s = sim.change.getStatus();
      if (current.lastRequeue.isEmpty() || (s != null && s.getPhase() == Phase.Held
          && s.getReason() != io.flagramp.api.v1alpha1.Reason.MetricsUnavailable
          && s.getReason() != io.flagramp.api.v1alpha1.Reason.NoData)) {
        break;
      }
      sim.advance(current.lastRequeue.get());
    }
    ScalingChangeStatus s = sim.change.getStatus();
    if (s == null) {
      return;
    }
    if (s.getIntent() != null && s.getIntent().getAction() == FlagIntent.Action.Restore) {
      throw violation("a restore is still unfinished after the faults stopped", null);
    }
    if (s.getPhase() == Phase.RolledBack && current.restored.contains(s.getAttempt())
        && !current.externalSinceFlagramp) {
      expectKeys(current.trueOriginals.get(s.getAttempt()), "a rolled-back change holds its original values");
    }
    if (workload != null && current == changes.get(0) && s.getPhase() == Phase.RolledBack
        && current.restored.contains(s.getAttempt()) && !sim.change.getSpec().targets().isEmpty()) {
      String last = workload.restarts.isEmpty() ? "" : workload.restarts.get(workload.restarts.size() - 1);
      if (!last.endsWith("/" + s.getAttempt() + ".restore")
          || workload.restartedWhen.isBefore(current.restoredAt.get(s.getAttempt()))) {
        throw violation("reverted, but the restart target's last restart is " + last + " at "
            + workload.restartedWhen + ", not the restore's", null);
      }
      report.count(report.actions, "revert restarted the target");
    }
    if (s.getPhase() == Phase.Succeeded && !current.externalSinceFlagramp && changes.size() == 1) {
      expectKeys(values(s.getHistory().get(s.getHistory().size() - 1).getWeight()),
          "a succeeded change holds its last weight");
    }
  }

  // ---- the invariants ----

  /** At every ConfigMap write flagramp makes (1, 2, 3, 5, 8). */
  private void checkWrite(String configMap, Map<String, String> before, FlagWrite write,
      io.flagramp.core.ConfigMapPatch patch) {
    report.writesChecked++;
    Tracked t = current;
    ScalingChangeStatus status = t.sim.change.getStatus();
    if (write instanceof FlagWrite.SetValues set) {
      int attempt = Integer.parseInt(set.claim().applied().split("\\.")[0]);
      String percentageKey = t.keys.get(0);
      int weight = Integer.parseInt(set.values().get(percentageKey));
      if (!t.weightsSeen.contains(weight) || !set.values().equals(values(t, weight))) {
        throw violation("wrote " + set.values() + ", not a weight of the schedule " + t.weightsSeen, null);
      }
      if (t.restored.contains(attempt)) {
        throw violation("attempt " + attempt + " wrote weight " + weight + " after its revert", null);
      }
      if (status != null && status.getAttempt() == attempt && status.getPhase() == Phase.RolledBack) {
        throw violation("attempt " + attempt + " wrote weight " + weight + " while RolledBack", null);
      }
      Integer last = t.lastWeight.get(attempt);
      if (last != null && weight < last) {
        throw violation("attempt " + attempt + " lowered the weight from " + last + " to " + weight, null);
      }
      String me = t.uid + "/" + attempt;
      for (String key : t.keys) {
        String holder = holders.get(key);
        if (holder != null && !holder.equals(me) && stillHolds(holder)) {
          throw violation(me + " wrote " + key + " while " + holder + " holds it", null);
        }
        holders.put(key, me);
      }
      changes.stream().filter(o -> o != t && o.keys.stream().anyMatch(t.keys::contains))
          .forEach(o -> o.externalSinceFlagramp = true);
      t.trueOriginals.computeIfAbsent(attempt, a -> keys(t, before));
      t.lastWeight.put(attempt, weight);
      t.writtenAt.putIfAbsent(attempt + "." + weight, sim.now);
      t.applied.add(set.claim().applied());
      t.externalSinceFlagramp = false;
      trace("  " + t.uid + " wrote " + set.values() + " (" + set.claim().applied() + ")");
    } else if (write instanceof FlagWrite.Restore restore) {
      int attempt = status.getAttempt();
      Map<String, String> originals = t.trueOriginals.get(attempt);
      if (originals != null && !restore.originals().equals(originals)) {
        throw violation("restored " + restore.originals() + " but the attempt's originals were " + originals, null);
      }
      t.restored.add(attempt);
      t.restoredAt.putIfAbsent(attempt, sim.now);
      t.keys.forEach(k -> holders.remove(k, t.uid + "/" + attempt));
      changes.stream().filter(o -> o != t && o.keys.stream().anyMatch(t.keys::contains))
          .forEach(o -> o.externalSinceFlagramp = true);
      t.externalSinceFlagramp = false;
      trace("  " + t.uid + " restored " + restore.originals());
    }
  }

  /** A holder "uid/attempt" still holds its keys: that attempt has not ended. */
  private boolean stillHolds(String holder) {
    for (Tracked t : changes) {
      if (holder.startsWith(t.uid + "/")) {
        int attempt = Integer.parseInt(holder.substring(t.uid.length() + 1));
        ScalingChangeStatus s = t.sim.change.getStatus();
        return s != null && s.getAttempt() == attempt && s.getPhase() != Phase.Succeeded
            && !t.restored.contains(attempt);
      }
    }
    return false;
  }

  /** After every reconcile (4, 5, 6, and 3 on the state). */
  private void checkStatus(ScalingChangeStatus before, ScalingChangeStatus s) {
    report.statusChecks++;
    if (s == null) {
      return;
    }
    Tracked t = current;
    int attempt = s.getAttempt();
    if (s.getOriginalValues() != null && t.trueOriginals.containsKey(attempt)
        && !s.getOriginalValues().equals(t.trueOriginals.get(attempt))) {
      throw violation("status records originals " + s.getOriginalValues() + ", but the keys held "
          + t.trueOriginals.get(attempt) + " before the first write", null);
    }
    boolean nowExternal = s.getPhase() == Phase.Held && s.getReason() == io.flagramp.api.v1alpha1.Reason.ExternalChange;
    boolean wasExternal = before != null && before.getPhase() == Phase.Held
        && before.getReason() == io.flagramp.api.v1alpha1.Reason.ExternalChange;
    if (nowExternal && !wasExternal && !t.externalSinceFlagramp && changes.size() == 1) {
      throw violation("Held for an external change nobody made: " + s.getLastDecision(), null);
    }
    if (s.getPhase() == Phase.Baking) {
      t.bakingSince.putIfAbsent(attempt, sim.now);
    }
    FlagIntent was = before == null ? null : before.getIntent();
    if (was != null && was.getAction() == FlagIntent.Action.Step && !t.applied.contains(was.getId())
        && (s.getIntent() == null || !was.getId().equals(s.getIntent().getId()))) {
      report.rewound++;
      trace("  rewound " + was);
    }
    FlagIntent intent = s.getIntent();
    if (intent != null && intent.getAction() == FlagIntent.Action.Step && t.decisionsChecked.add(intent.getId())) {
      checkStepDecision(before, s, intent);
    }
    if (s.getPhase() == Phase.Succeeded && (before == null || before.getPhase() != Phase.Succeeded)) {
      Duration bake = sim.change.getSpec().getBake() == null ? Duration.ZERO : Durations.parse(sim.change.getSpec().getBake());
      Instant baking = t.bakingSince.get(attempt);
      HistoryEntry last = s.getHistory().get(s.getHistory().size() - 1);
      if (baking != null && last.getPromotion() != null && t.promotesGiven.contains(last.getPromotion().getValue())
          && !Timestamps.parse(last.getPromotion().getAt()).isBefore(baking)) {
        bake = Duration.ZERO;  // a promote ended the bake early
        report.count(report.actions, "bake ended by a promote");
      }
      if (!bake.isZero() && (baking == null || Duration.between(baking, sim.now).compareTo(bake) < 0)) {
        throw violation("Succeeded without baking " + bake + " after its last step passed (Baking since "
            + baking + ")", null);
      }
    }
    if (s.getPhase() == Phase.RolledBack && s.getIntent() == null && t.restored.contains(attempt)
        && !t.externalSinceFlagramp && changes.size() == 1) {
      expectKeys(t.trueOriginals.get(attempt), "after a revert the original values stay until a retry");
    }
  }

  /** A new step decided: its gates must have passed (4). */
  private void checkStepDecision(ScalingChangeStatus before, ScalingChangeStatus s, FlagIntent intent) {
    if (sim.change.getSpec().suspended()) {
      throw violation("entered weight " + intent.getWeight() + " while suspended", null);
    }
    ScalingChangeSpec spec = sim.change.getSpec();
    Instant decidedAt = Timestamps.parse(intent.getDecidedAt());
    if (spec.getWindows() != null && !windowOpen(spec.getWindows(), decidedAt)) {
      throw violation("entered weight " + intent.getWeight() + " at " + decidedAt + ", outside the windows", null);
    }
    if (spec.getWindows() != null) {
      report.count(report.actions, "step entered inside a window");
    }
    boolean manual = spec.getSteps().stream().anyMatch(st -> st.getWeight().equals(intent.getWeight()) && st.manual());
    HistoryEntry row = s.getHistory().stream().filter(h -> h.getAttempt() == s.getAttempt()
        && intent.getWeight().equals(h.getWeight())).reduce((a, b) -> b).orElse(null);
    if (manual) {
      if (row == null || row.getApproval() == null || !current.approvalsGiven.contains(row.getApproval().getValue())
          || !intent.getWeight().equals(row.getApproval().getWeight())) {
        throw violation("entered Manual weight " + intent.getWeight() + " without an approval given for it: "
            + (row == null ? null : row.getApproval()), null);
      }
      if (!current.approvalsUsed.add(row.getApproval().getValue())) {
        throw violation("approval " + row.getApproval().getValue() + " used twice", null);
      }
      report.count(report.actions, "Manual step entered with its approval");
    }
    Integer from = intent.getFromWeight();
    if (from == null || before == null || before.getStepStartedAt() == null) {
      return;
    }
    Instant decided = Timestamps.parse(intent.getDecidedAt());
    // The soak counts from when the flag really held the weight: the later of the recorded start (a
    // resume restarts it) and the moment the ConfigMap write landed (a write finished after a crash).
    Instant started = Timestamps.parse(before.getStepStartedAt());
    Instant written = current.writtenAt.get(s.getAttempt() + "." + from);
    if (written != null && written.isAfter(started)) {
      started = written;
    }
    Duration soaked = Duration.between(started, decided);
    Duration pause = pauseAt(from);
    HistoryEntry fromRow = before.getHistory() == null ? null : before.getHistory().stream()
        .filter(h -> h.getAttempt() == s.getAttempt() && from.equals(h.getWeight())).reduce((a, b) -> b).orElse(null);
    if (fromRow != null && fromRow.getPromotion() != null && current.promotesGiven.contains(fromRow.getPromotion()
        .getValue()) && !Timestamps.parse(fromRow.getPromotion().getAt()).isBefore(started)) {
      pause = Duration.between(started, Timestamps.parse(fromRow.getPromotion().getAt()));  // ended early
      report.count(report.actions, "step entered after a promote");
    }
    if (!spec.targets().isEmpty() && workload != null && current == changes.get(0)) {
      RestartStatus r = before.getRestart();
      if (r == null || !from.equals(r.getWeight()) || r.getReadyAt() == null) {
        throw violation("entered weight " + intent.getWeight() + " before the restart at " + from
            + " rolled out: " + (r == null ? null : r.getValue() + " ready " + r.getReadyAt()), null);
      }
      Instant ready = Timestamps.parse(r.getReadyAt());
      boolean same = workload.restartedAt.filter(r.getValue()::equals).isPresent();
      if (same && (workload.rollout == null || ready.isBefore(workload.restartedWhen.plus(workload.rollout)))) {
        throw violation("the soak at " + from + " started at " + ready + ", before the target rolled out ("
            + workload.restartedWhen + " + " + workload.rollout + ")", null);
      }
      if (started.isBefore(ready)) {
        throw violation("the soak at " + from + " counted from " + started + ", before the rollout " + ready, null);
      }
      report.count(report.actions, "step entered after its restart rolled out");
    }
    if (soaked.compareTo(pause) < 0) {
      throw violation("entered weight " + intent.getWeight() + " after " + soaked + " at " + from
          + ", before its pause " + pause, null);
    }
    if (sim.change.getSpec().getAnalysis() != null) {
      Instant stepStart = Timestamps.parse(before.getStepStartedAt());
      for (MetricStatus m : s.getMetrics() == null ? List.<MetricStatus>of() : s.getMetrics()) {
        if (m.getResult() != MetricResult.Pass || m.getMeasuredAt() == null
            || Timestamps.parse(m.getMeasuredAt()).isBefore(stepStart)) {
          throw violation("entered weight " + intent.getWeight() + " without a passing analysis at " + from
              + ": " + m.getName() + " " + m.getResult() + " at " + m.getMeasuredAt(), null);
        }
      }
      if (s.getMetrics() == null) {
        throw violation("entered weight " + intent.getWeight() + " without any measurement at " + from, null);
      }
    }
  }

  /** The model's own reading of spec.windows: daily UTC ranges, minus blocked ones. */
  private static boolean windowOpen(DeployWindows w, Instant t) {
    int minute = (int) ((t.getEpochSecond() % 86400) / 60);
    boolean allowed = w.getAllowed() == null || w.getAllowed().isEmpty() || w.getAllowed().stream().anyMatch(a -> {
      int from = minutes(a.getFrom());
      int to = minutes(a.getTo());
      return minute >= from && minute < to;
    });
    boolean blocked = w.getBlocked() != null && w.getBlocked().stream().anyMatch(b ->
        !t.isBefore(Instant.parse(b.getFrom() + ":00Z")) && t.isBefore(Instant.parse(b.getTo() + ":00Z")));
    return allowed && !blocked;
  }

  private static int minutes(String hhmm) {
    return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3));
  }

  private Duration pauseAt(int weight) {
    List<Step> steps = sim.change.getSpec().getSteps();
    Step belongs = null;
    for (Step step : steps) {
      if (step.getWeight() <= weight) {
        belongs = step;
      }
    }
    Step s = belongs == null ? steps.get(0) : belongs;
    return s.getPause() == null ? Duration.ZERO : Durations.parse(s.getPause());
  }

  private void expectKeys(Map<String, String> expected, String what) {
    Map<String, String> actual = keys(current, sim.configMap());
    if (expected != null && !actual.equals(expected)) {
      throw violation(what + ": expected " + expected + ", the ConfigMap holds " + actual, null);
    }
  }

  // ---- helpers ----

  private static Map<String, String> keys(Tracked t, Map<String, String> data) {
    Map<String, String> keys = new LinkedHashMap<>();
    if (data != null) {
      for (String k : t.keys) {
        if (data.containsKey(k)) {
          keys.put(k, data.get(k));
        }
      }
    }
    return keys;
  }

  private Map<String, String> values(int weight) {
    return values(current, weight);
  }

  private static Map<String, String> values(Tracked t, int weight) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put(t.keys.get(0), Integer.toString(weight));
    if (t.keys.size() > 1) {
      values.put(t.keys.get(1), "true");
    }
    return values;
  }

  private static ScalingChangeStatus copy(ScalingChangeStatus s) {
    return s == null ? null : s.copy();
  }

  private static String outcome(Tracked t) {
    ScalingChangeStatus s = t.sim.change.getStatus();
    return s == null ? "none" : s.getPhase() + (s.getPhase() == Phase.Succeeded ? "" : "/" + s.getReason());
  }

  private static String describe(ScalingChange c) {
    ScalingChangeSpec spec = c.getSpec();
    return "steps " + spec.getSteps().stream().map(s -> s.getWeight() + "(" + s.getPause() + ")").toList()
        + (spec.getAnalysis() == null ? ", no analysis" : ", analysis every " + spec.getAnalysis().getInterval())
        + ", bake " + spec.getBake() + ", onFailure " + spec.onFailureOrDefault();
  }

  private void trace(String line) {
    trace.add(line);
  }

  private AssertionError violation(String what, Throwable cause) {
    List<String> tail = trace.subList(Math.max(0, trace.size() - 60), trace.size());
    return new AssertionError("seed " + seed + ": " + what + "\n  " + String.join("\n  ", tail), cause);
  }
}
