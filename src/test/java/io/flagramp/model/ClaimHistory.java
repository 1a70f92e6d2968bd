package io.flagramp.model;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Annotations;
import io.flagramp.core.ConfigMapPatch;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import io.flagramp.core.Schedule;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.Query;
import io.flagramp.metrics.QueryFailure;
import io.flagramp.operator.FairShares;
import io.flagramp.operator.Measurer;
import io.flagramp.operator.ReconcileFault;
import io.flagramp.operator.Reconciliation;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One generated history of several ScalingChanges on one ConfigMap, reconciled by one to three operator
 * processes, with every fault the claim on the ConfigMap has to survive:
 *
 * <ul>
 *   <li><b>stale copies</b>: a reconcile may be handed the object up to four versions old (a lagging
 *       informer, the old shard after a relabel), and read the ConfigMap a version or two late;
 *   <li><b>racing reconcilers</b>: just before any write (status or ConfigMap patch) another process may
 *       reconcile any change, so decisions interleave between a reconcile's status write and its
 *       ConfigMap write, and between the patches of one restore;
 *   <li><b>restarts</b>: a process loses everything in memory (its step pacer, measurer, kept answers);
 *   <li><b>deletes</b>: a change is deleted (its finalizer runs spec.onDelete) and created again under the
 *       same name with a new uid;
 *   <li><b>three or more changes</b> on overlapping keys of one ConfigMap;
 *   <li><b>the ConfigMap deleted, created again empty, or created again from a copy</b> (a backup that
 *       carries the claims and the values), with who holds which key tracked across it;
 *   <li><b>restores as the patches they are</b>, with a fault possible before each;
 *   <li><b>answers that arrive late and out of order</b>: the real {@link Measurer} asks a Prometheus
 *       whose answers the history delivers whenever it likes;
 *   <li>lost writes, 409s and answers lost after the write was applied, at any write; a 409 is decided
 *       again at once on a fresh read, as the operator does.
 * </ul>
 *
 * <p>Invariants, checked at every ConfigMap patch (with the copy of the change that made it):
 *
 * <ol>
 *   <li>no patch writes a key another change's live attempt holds on that object;
 *   <li>a step is written only on the object its attempt started on, with a weight of the schedule it
 *       was decided with: the same weight again or the next step after the last one written, never
 *       lower, never after any patch of the attempt's restore, never while that copy is suspended or
 *       outside its deploy windows;
 *   <li>a restore writes the attempt's true original values, never under another attempt's claim of
 *       the same change, never over another change's writes made after the attempt succeeded, and once
 *       marked done the keys hold exactly those values;
 *   <li>an attempt's recorded originals are what the keys held just before its first write, and never
 *       values an earlier attempt of the same change wrote;
 * </ol>
 * and after the faults stop, once every change has settled: no restore is left unfinished, a rolled-back
 * attempt whose restore was done holds its originals unless someone wrote since, a deleted change has
 * left nothing on the ConfigMap, and no key has two live claims.
 */
final class ClaimHistory {

  static final String CM = "app-features";
  private static final String PCT = "USE_REDIS_PERCENTAGE";
  private static final String ON = "USE_REDIS";
  private static final String CACHE = "USE_CACHE_PERCENTAGE";
  /** A flagd document with two flags, each of which a change may ramp: one data key, two flag keys. */
  static final String DOC = "flags.json";
  private static final String FLAG_A = DOC + "#checkout";
  private static final String FLAG_B = DOC + "#search";
  private static final List<String> FLAGD_KEYS = List.of(FLAG_A, FLAG_B);
  static final String DOCUMENT = """
      {
        "flags": {
          "checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
          "search": {
            "state": "ENABLED",
            "variants": {"on": "v2", "off": "v1"},
            "defaultVariant": "off",
            "targeting": {"if": [{"==": [{"var": "tier"}, "staff"]}, "on", {"fractional": [["off", 1], ["on", 0]]}]}
          }
        },
        "$evaluators": {"unused": {"in": ["x", {"var": "y"}]}}
      }
      """;
  private static final int[] WEIGHTS = {1, 5, 10, 25, 50, 75, 100};
  private static final String[] PAUSES = {null, "10s", "30s", "1m"};
  private static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  private static final PlannerSettings SETTINGS =
      new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 50, true);

  private final long seed;
  private final Random rnd;
  private final ClaimReport report;
  private final List<String> trace = new ArrayList<>();
  private final InMemoryApi api = new InMemoryApi();
  private Instant now = T0;
  private final List<Tracked> changes = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  /** Answers asked of Prometheus and not delivered yet. */
  private final List<Pending> pending = new ArrayList<>();
  /** Per object uid and key: the attempt ("uid/attempt") that wrote it last with a step and may hold it. */
  private final Map<String, String> holders = new HashMap<>();
  /**
   * Per object uid and key: where its value came from ("ext", or "<uid>/<attempt>/step"). A restore puts
   * back the provenance the value had before that attempt's first write.
   */
  private final Map<String, String> lastWriter = new HashMap<>();
  /** Per object uid and key: the attempt whose finished restore set it, until anyone writes it again. */
  private final Map<String, String> restoredBy = new HashMap<>();
  /** Per attempt ("uid/attempt"): what the model knows of it. */
  private final Map<String, AttemptFacts> attempts = new HashMap<>();
  /** The reconciles in progress, innermost last: whose copy a patch is made with. */
  private final Deque<ScalingChange> reconciling = new ArrayDeque<>();
  private List<FlagClaim> claimsBeforePatch = List.of();
  private Map<String, String> ownersBeforePatch = Map.of();
  private boolean faultsOn = true;
  private boolean nested;
  private Integer breaksAt;
  private Instant errorsUntil = Instant.MIN;
  private int counter;

  /** One ScalingChange name, through its deletions and re-creations. */
  private static final class Tracked {
    final String name;
    final List<String> keys;
    String uid;
    int incarnation;
    boolean deleted;
    final Set<Integer> weightsSeen = new TreeSet<>();
    final Set<String> approvals = new HashSet<>();

    Tracked(String name, List<String> keys) {
      this.name = name;
      this.keys = keys;
    }
  }

  /** One attempt of one change, as the model saw it happen. */
  private static final class AttemptFacts {
    String object;
    Map<String, String> trueOriginals;
    /** Where each key's value came from just before the first write. */
    final Map<String, String> provenance = new HashMap<>();
    /** The field manager that owned each key just before the first write. */
    final Map<String, String> owners = new HashMap<>();
    Integer lastWeight;
    boolean restorePatched;
    boolean restoreDone;
    boolean succeeded;
  }

  /** One operator process: a reconciler and a measurer, with what they keep in memory. */
  private final class Process {
    final int id;
    Reconciliation reconciliation;

    Process(int id) {
      this.id = id;
      start();
    }

    void start() {
      Measurer measurer = new Measurer(null, prometheus, Optional.empty(), AddressAllowlist.any(), new FairShares());
      reconciliation = new Reconciliation(new Planner(SETTINGS), api.flagStore("social"), measurer,
          (change, notice) -> {
            trace("    [" + id + "] " + change.getMetadata().getName() + " " + notice.reason() + ": "
                + notice.message());
            if (notice.reason().equals("StepNotWritten")) {
              report.rewound++;
            }
          },
          api.changes(), Simulation.clock(() -> now)).observedBy(new Reconciliation.Observer() {
            @Override
            public void planned(ScalingChange change, io.flagramp.core.Plan plan) {
              checkJudgedAnswers(change, plan);
            }

            @Override
            public void forgotten(ScalingChange change) {}
          });
    }
  }

  /** A query asked and not answered yet. */
  private record Pending(CompletableFuture<Double> answer, double value, boolean fails) {}

  /** Prometheus in front of an app whose error rate rises once the flag reaches breaksAt. */
  private final MetricsSource prometheus = new MetricsSource() {
    @Override
    public double query(Query query) {
      throw new UnsupportedOperationException("asked only through ask()");
    }

    @Override
    public CompletableFuture<Double> ask(Query query, Sender sender) {
      CompletableFuture<Double> answer = new CompletableFuture<>();
      boolean broken = breaksAt != null && weightNow() >= breaksAt;
      pending.add(new Pending(answer, value(query.promql(), broken), now.isBefore(errorsUntil)));
      report.asked++;
      return answer;
    }
  };

  private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("\\[(\\d+)s\\]");

  /**
   * What the app's Prometheus answers: a threshold metric's error rate, or a cohort's counts since the
   * stage began (20 requests a second, split by the weight; the flag-on cohort failing 30% of them once
   * the app breaks, 0.1% otherwise).
   */
  private double value(String promql, boolean broken) {
    java.util.regex.Matcher range = RANGE.matcher(promql);
    if (!range.find()) {
      return broken ? 0.05 : 0.001;
    }
    boolean on = promql.contains("=\"on\"");
    int weight = weightNow();
    double requests = 20.0 * Long.parseLong(range.group(1)) * (on ? weight : 100 - weight) / 100.0;
    if (promql.contains("requests_")) {
      return Math.floor(requests);
    }
    return Math.floor(requests * (on && broken ? 0.3 : 0.001));
  }

  ClaimHistory(long seed, ClaimReport report) {
    this.seed = seed;
    this.rnd = new Random(seed);
    this.report = report;
  }

  void run() {
    api.createConfigMap(CM, Map.of(ON, "false", "OTHER", "x", DOC, DOCUMENT), "kubectl-client-side-apply");
    api.configMap(CM).ifPresent(cm -> logical(cm.data).keySet().forEach(k -> lastWriter.put(cm.uid + "/" + k, "ext")));
    int n = 2 + rnd.nextInt(3);
    for (int i = 0; i < n; i++) {
      List<String> keys = switch (rnd.nextInt(8)) {
        case 0 -> List.of(PCT);
        case 1 -> List.of(CACHE);
        case 2, 3 -> List.of(FLAG_A);
        case 4 -> List.of(FLAG_B);
        default -> List.of(PCT, ON);
      };
      Tracked t = new Tracked("change-" + i, keys);
      changes.add(t);
      create(t);
    }
    int p = 1 + rnd.nextInt(3);
    for (int i = 0; i < p; i++) {
      processes.add(new Process(i));
    }
    breaksAt = rnd.nextInt(3) == 0 ? null : WEIGHTS[rnd.nextInt(WEIGHTS.length)];
    api.observer = this::checkPatch;
    api.faults = this::fault;
    trace("seed " + seed + ": " + n + " changes " + changes.stream().map(t -> t.name + t.keys).toList() + ", " + p
        + " processes, app breaks at " + breaksAt);
    int actions = 60 + rnd.nextInt(200);
    for (int i = 0; i < actions; i++) {
      act();
    }
    quiesce();
    report.runs++;
    changes.forEach(t -> report.count(report.outcomes, outcome(t)));
  }

  // ---- generating ----

  private void create(Tracked t) {
    t.incarnation++;
    t.uid = "uid-" + t.name + "-" + t.incarnation;
    t.deleted = false;
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName(t.name).withNamespace("social").withGeneration(1L)
        .withUid(t.uid).withCreationTimestamp(now.toString()).withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(flagd(t) ? FlagTarget.flagd(CM, DOC, t.keys.get(0).substring(DOC.length() + 1))
        : new FlagTarget(CM, t.keys.get(0), t.keys.size() > 1 ? t.keys.get(1) : null));
    TreeSet<Integer> weights = new TreeSet<>();
    int steps = 1 + rnd.nextInt(4);
    while (weights.size() < steps) {
      weights.add(WEIGHTS[rnd.nextInt(WEIGHTS.length)]);
    }
    List<Step> list = new ArrayList<>();
    for (int w : weights) {
      Step s = new Step(w, PAUSES[rnd.nextInt(PAUSES.length)]);
      if (rnd.nextInt(6) == 0) {
        s.setApproval(Approval.Manual);
      }
      list.add(s);
    }
    spec.setSteps(list);
    if (rnd.nextInt(3) < 2) {
      Analysis a = new Analysis();
      PrometheusSource source = new PrometheusSource();
      source.setAddress("http://prometheus.monitoring:9090");
      a.setPrometheus(source);
      a.setInterval(new String[] {"2s", "10s", "30s"}[rnd.nextInt(3)]);
      MetricCheck errors;
      if (rnd.nextInt(3) == 0) {
        // Judged by its cohorts: flag-on against flag-off, undecided steps extended, held or reverted.
        errors = new MetricCheck("error-rate", null);
        errors.setCohort(io.flagramp.api.v1alpha1.CohortMetric.rate("sum(increase(errors_" + t.name
            + "{$cohort}[$range]))", "sum(increase(requests_" + t.name + "{$cohort}[$range]))", "0.01"));
        io.flagramp.api.v1alpha1.Cohorts cohorts = new io.flagramp.api.v1alpha1.Cohorts();
        io.flagramp.api.v1alpha1.Undecided undecided = new io.flagramp.api.v1alpha1.Undecided();
        undecided.setAction(io.flagramp.api.v1alpha1.UndecidedAction.values()[rnd.nextInt(3)]);
        cohorts.setUndecided(undecided);
        a.setCohorts(cohorts);
        report.count(report.actions, "cohort-judged change");
      } else {
        errors = new MetricCheck("error-rate", "errors_" + t.name);
        errors.setMax(0.01);
        errors.setFailureLimit(1 + rnd.nextInt(2));
      }
      a.setMetrics(new ArrayList<>(List.of(errors)));
      spec.setAnalysis(a);
    }
    if (rnd.nextInt(4) == 0) {
      spec.setBake(new String[] {"10s", "30s"}[rnd.nextInt(2)]);
    }
    spec.setOnFailure(rnd.nextInt(5) == 0 ? OnFailure.Hold : OnFailure.Revert);
    spec.setOnDelete(rnd.nextInt(4) == 0 ? OnDelete.Keep : OnDelete.Restore);
    if (rnd.nextInt(5) == 0) {
      spec.setWindows(new DeployWindows("UTC", List.of(new AllowedWindow(null, "02:00", "02:0" + (3 + rnd.nextInt(6))),
          new AllowedWindow(null, "02:15", "02:30")), null));
    }
    change.setSpec(spec);
    spec.getSteps().forEach(s -> t.weightsSeen.add(s.getWeight()));
    api.create(change);
    trace("create " + t.name + " " + t.uid + " steps " + list.stream().map(s -> s.getWeight() + "(" + s.getPause()
        + (s.manual() ? ",M" : "") + ")").toList() + (spec.getAnalysis() == null ? "" : " analysed"));
  }

  private void act() {
    Tracked t = changes.get(rnd.nextInt(changes.size()));
    int roll = rnd.nextInt(100);
    if (roll < 45) {
      reconcile(randomProcess(), t, lag());
    } else if (roll < 60) {
      now = now.plusSeconds(1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 120 : 15));
      if (breaksAt != null && rnd.nextInt(30) == 0) {
        // The app is fixed under a flag that broke it: a hold for the failure must stay a hold.
        breaksAt = null;
        report.count(report.actions, "the app fixed");
      }
      reconcile(randomProcess(), t, lag());
    } else if (roll < 68) {
      deliverAnswers();
    } else if (roll < 71) {
      annotate(t, Annotations.ABORT, "abort-" + counter++);
    } else if (roll < 75) {
      annotate(t, Annotations.RETRY, "retry-" + counter++);
    } else if (roll < 78) {
      String value = "approve-" + counter++;
      t.approvals.add(value);
      annotate(t, Annotations.APPROVE, value);
    } else if (roll < 81) {
      editSpec(t);
    } else if (roll < 83) {
      Process p = randomProcess();
      p.start();
      report.count(report.actions, "process restarted");
      trace("process " + p.id + " restarts: everything in memory is lost");
    } else if (roll < 86) {
      deleteOrCreate(t);
    } else if (roll < 88) {
      configMapEvent();
    } else if (roll < 92) {
      externalWrite(t);
    } else if (roll < 94) {
      errorsUntil = now.plusSeconds(5 + rnd.nextInt(60));
      report.count(report.actions, "Prometheus failing");
    } else {
      touch(t);
    }
  }

  private Process randomProcess() {
    return processes.get(rnd.nextInt(processes.size()));
  }

  /** Mostly fresh; sometimes a copy a few versions old, as a lagging informer hands it out. */
  private int lag() {
    return rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(4) : 0;
  }

  /** Before every write: maybe another process acts first (a race), then the write's own fault. */
  private InMemoryApi.Fault fault(InMemoryApi.WriteKind kind) {
    FlagWrite writing = api.writing;
    if (kind == InMemoryApi.WriteKind.CONFIGMAP) {
      claimsBeforePatch = api.claims(CM);
      ownersBeforePatch = api.configMap(CM).map(cm -> Map.copyOf(cm.owners)).orElse(Map.of());
    }
    if (faultsOn && !nested && rnd.nextInt(100) < 8) {
      nested = true;
      try {
        report.racing++;
        int what = rnd.nextInt(10);
        Tracked other = changes.get(rnd.nextInt(changes.size()));
        if (what < 5) {
          trace("  (race) another reconcile before this " + kind + " write");
          reconcile(randomProcess(), other, lag());
        } else if (what < 7) {
          externalWrite(other);
        } else if (what < 8) {
          editSpec(other);
        } else if (what < 9) {
          annotate(other, Annotations.ABORT, "abort-" + counter++);
        } else {
          touch(other);
        }
      } finally {
        nested = false;
      }
      if (kind == InMemoryApi.WriteKind.CONFIGMAP) {
        claimsBeforePatch = api.claims(CM);
        ownersBeforePatch = api.configMap(CM).map(cm -> Map.copyOf(cm.owners)).orElse(Map.of());
      }
    }
    InMemoryApi.Fault f = InMemoryApi.Fault.NONE;
    if (faultsOn && rnd.nextInt(100) < 12) {
      f = InMemoryApi.Fault.values()[1 + rnd.nextInt(3)];
      report.faults.merge(f, 1L, Long::sum);
      if (writing instanceof FlagWrite.Restore) {
        report.restoreFaults++;
      }
    }
    return f;
  }

  private void deliverAnswers() {
    if (pending.isEmpty()) {
      return;
    }
    int k = 1 + rnd.nextInt(pending.size());
    for (int i = 0; i < k && !pending.isEmpty(); i++) {
      Pending p = pending.remove(rnd.nextInt(pending.size()));
      if (i > 0 || !pending.isEmpty()) {
        report.lateAnswers++;
      }
      if (p.fails()) {
        p.answer().completeExceptionally(new QueryFailure.Unreachable("HTTP 503 from Prometheus", null));
      } else {
        p.answer().complete(p.value());
      }
    }
  }

  private void annotate(Tracked t, String key, String value) {
    ScalingChange stored = api.stored(t.name);
    if (stored == null) {
      return;
    }
    stored.getMetadata().getAnnotations().put(key, value);
    api.touch(t.name);
    trace("annotate " + t.name + " " + key + "=" + value);
    report.count(report.actions, key);
  }

  private void touch(Tracked t) {
    if (api.stored(t.name) != null) {
      api.touch(t.name);
      report.count(report.actions, "metadata touched (a relabel)");
    }
  }

  private void editSpec(Tracked t) {
    ScalingChange stored = api.stored(t.name);
    if (stored == null) {
      return;
    }
    ScalingChangeSpec spec = stored.getSpec();
    String what;
    switch (rnd.nextInt(4)) {
      case 0 -> {
        spec.setSuspend(!spec.suspended());
        what = "suspend=" + spec.suspended();
      }
      case 1 -> {
        int w = WEIGHTS[rnd.nextInt(WEIGHTS.length)];
        if (spec.getSteps().stream().noneMatch(s -> s.getWeight() == w)) {
          Step s = new Step(w, PAUSES[rnd.nextInt(PAUSES.length)]);
          s.setApproval(rnd.nextInt(3) == 0 ? Approval.Manual : null);
          List<Step> steps = new ArrayList<>(spec.getSteps());
          steps.add(s);
          steps.sort((a, b) -> Integer.compare(a.getWeight(), b.getWeight()));
          spec.setSteps(steps);
          t.weightsSeen.add(w);
        }
        what = "inserted step " + w;
      }
      case 2 -> {
        if (spec.getSteps().size() > 1) {
          List<Step> steps = new ArrayList<>(spec.getSteps());
          what = "removed step " + steps.remove(rnd.nextInt(steps.size())).getWeight();
          spec.setSteps(steps);
        } else {
          what = "nothing";
        }
      }
      default -> {
        Step s = spec.getSteps().get(rnd.nextInt(spec.getSteps().size()));
        s.setApproval(s.manual() ? null : Approval.Manual);
        what = "step " + s.getWeight() + " approval " + s.getApproval();
      }
    }
    api.specEdited(t.name);
    trace("spec edit " + t.name + ": " + what);
    report.count(report.actions, "spec edit");
  }

  private void deleteOrCreate(Tracked t) {
    ScalingChange stored = api.stored(t.name);
    if (stored == null) {
      create(t);
      report.count(report.actions, "change created again (new uid)");
    } else if (stored.getMetadata().getDeletionTimestamp() == null) {
      stored.getMetadata().setDeletionTimestamp(now.toString());
      api.touch(t.name);
      trace("delete " + t.name + " (" + t.uid + "): its finalizer runs onDelete");
      report.count(report.actions, "change deleted");
    }
  }

  private void configMapEvent() {
    Optional<InMemoryApi.ConfigMap> cm = api.configMap(CM);
    if (cm.isEmpty()) {
      api.createConfigMap(CM, Map.of(ON, "false", DOC, DOCUMENT), "kubectl-client-side-apply");
      String uid = api.configMap(CM).orElseThrow().uid;
      lastWriter.put(uid + "/" + ON, "ext");
      FLAGD_KEYS.forEach(k -> lastWriter.put(uid + "/" + k, "ext"));
      trace("someone creates the ConfigMap again, empty");
      report.count(report.actions, "ConfigMap created again");
    } else if (rnd.nextInt(4) != 0) {
      String old = cm.get().uid;
      InMemoryApi.ConfigMap copy = api.recreateConfigMap(CM);
      // The values were copied: whoever wrote them last still did, on the new object too.
      logical(copy.data).keySet().forEach(k -> {
        lastWriter.put(copy.uid + "/" + k, lastWriter.getOrDefault(old + "/" + k, "ext"));
        Optional.ofNullable(restoredBy.get(old + "/" + k)).ifPresent(r -> restoredBy.put(copy.uid + "/" + k, r));
      });
      trace("someone deletes the ConfigMap and creates it again from a copy " + copy.data + " (" + old + " -> "
          + copy.uid + ")");
      report.count(report.actions, "ConfigMap re-created from a copy");
    } else {
      api.deleteConfigMap(CM);
      trace("someone deletes the ConfigMap");
      report.count(report.actions, "ConfigMap deleted");
    }
  }

  private void externalWrite(Tracked t) {
    Optional<InMemoryApi.ConfigMap> cm = api.configMap(CM);
    if (cm.isEmpty()) {
      return;
    }
    String key = t.keys.get(rnd.nextInt(t.keys.size()));
    String value = rnd.nextInt(4) == 0 ? null : rnd.nextBoolean() ? "0" : "42";
    if (flagd(t)) {
      // Someone edits the document: the flag at another split, the document broken, or put back whole.
      String flag = key.substring(DOC.length() + 1);
      String doc = cm.get().data.get(DOC);
      var parsed = doc == null ? null : io.flagramp.core.flagd.FlagdDocument.parse(doc, DOC);
      int roll = rnd.nextInt(4);
      if (roll == 0 || !(parsed instanceof io.flagramp.core.flagd.FlagdDocument.Parsed.Ok ok)) {
        value = roll == 0 ? "{\"flags\": {" : DOCUMENT;
      } else {
        String original = ((io.flagramp.core.flagd.FlagdDocument.Parsed.Ok) io.flagramp.core.flagd.FlagdDocument
            .parse(DOCUMENT, DOC)).document().flagText(flag).orElseThrow();
        value = ok.document().withFlag(flag, io.flagramp.core.flagd.FlagdRamp.definitionAt(original, flag, "on", "off",
            rnd.nextBoolean() ? 42 : 3));
      }
      String before = cm.get().data.get(DOC);
      api.externalWrite(CM, DOC, value, "kubectl-edit");
      Map<String, String> was = logical(before == null ? Map.of() : Map.of(DOC, before));
      Map<String, String> is = logical(Map.of(DOC, value));
      for (String k : FLAGD_KEYS) {
        if (!java.util.Objects.equals(was.get(k), is.get(k))) {
          lastWriter.put(cm.get().uid + "/" + k, "ext");
          restoredBy.remove(cm.get().uid + "/" + k);
        }
      }
      trace("someone sets " + DOC + "=" + value.replaceAll("\\s+", " "));
      report.count(report.actions, "external write (flagd document)");
      return;
    }
    api.externalWrite(CM, key, value, "kubectl-edit");
    lastWriter.put(cm.get().uid + "/" + key, "ext");
    restoredBy.remove(cm.get().uid + "/" + key);
    trace("someone sets " + key + "=" + value);
    report.count(report.actions, "external write");
  }

  // ---- reconciling, as the operator does ----

  private void reconcile(Process p, Tracked t, int lag) {
    ScalingChange copy = api.readBehind(t.name, lag);
    if (copy == null || !copy.getMetadata().getUid().equals(t.uid)) {
      return;
    }
    report.reconciles++;
    if (lag > 0 && !copy.getMetadata().getResourceVersion().equals(api.stored(t.name).getMetadata().getResourceVersion())) {
      report.staleReads++;
    }
    ScalingChangeStatus before = copy(api.stored(t.name).getStatus());
    for (int tries = 1; tries <= 4; tries++) {
      reconciling.addLast(copy);
      try {
        if (copy.getMetadata().getDeletionTimestamp() != null) {
          if (p.reconciliation.cleanup(copy, statusStore())) {
            finalized(t);
          }
        } else {
          p.reconciliation.reconcile(copy, statusStore());
        }
        break;
      } catch (ReconcileFault fault) {
        trace("    [" + p.id + "] " + t.name + " fault: " + fault.getMessage());
        if (fault instanceof io.flagramp.operator.FlagWriteFailed && !nested && rnd.nextInt(4) != 0) {
          interfereWithAnInterruptedStep(t);
        }
        if (!fault.conflict()) {
          break;
        }
        copy = api.read(t.name);  // a 409: decided again at once on a fresh read
        if (copy == null) {
          break;
        }
      } catch (RuntimeException bug) {
        throw violation("the reconcile failed with an unexpected " + bug, bug);
      } finally {
        reconciling.removeLast();
      }
    }
    checkStatus(t, before);
  }

  /**
   * A step was decided and recorded, and its ConfigMap write did not go through: before it is finished,
   * what it was decided on changes (its keys, suspend, the schedule, an approval, the clock).
   */
  private void interfereWithAnInterruptedStep(Tracked t) {
    ScalingChange stored = api.stored(t.name);
    FlagIntent intent = stored == null || stored.getStatus() == null ? null : stored.getStatus().getIntent();
    if (intent == null || intent.getAction() != FlagIntent.Action.Step) {
      return;
    }
    report.count(report.actions, "interrupted step interfered with");
    switch (rnd.nextInt(5)) {
      case 0 -> externalWrite(t);
      case 1 -> {
        stored.getSpec().setSuspend(true);
        api.specEdited(t.name);
        trace("spec edit " + t.name + ": suspend=true before the interrupted step is finished");
      }
      case 2 -> {
        int below = intent.getWeight() - 1;
        int from = intent.getFromWeight() == null ? 0 : intent.getFromWeight();
        if (below > from && stored.getSpec().getSteps().stream().noneMatch(st -> st.getWeight() == below)) {
          List<Step> steps = new ArrayList<>(stored.getSpec().getSteps());
          steps.add(new Step(below, "1m"));
          steps.sort((a, b) -> Integer.compare(a.getWeight(), b.getWeight()));
          stored.getSpec().setSteps(steps);
          t.weightsSeen.add(below);
          api.specEdited(t.name);
          trace("spec edit " + t.name + ": inserted step " + below + " below the interrupted step");
        }
      }
      case 3 -> {
        stored.getSpec().getSteps().stream().filter(st -> st.getWeight().equals(intent.getWeight())).findFirst()
            .ifPresent(st -> st.setApproval(Approval.Manual));
        api.specEdited(t.name);
        trace("spec edit " + t.name + ": step " + intent.getWeight() + " needs approval now");
      }
      default -> {
        now = now.plusSeconds(60 + rnd.nextInt(600));
        trace("the clock jumps before the interrupted step is finished");
      }
    }
  }

  /** The status store as the operator wraps it: a 409 that changed no input of the decision is written again. */
  private Reconciliation.StatusStore statusStore() {
    return new io.flagramp.operator.SameInputs(api.statusStore(),
        c -> Optional.ofNullable(api.read(c.getMetadata().getName())));
  }

  private void finalized(Tracked t) {
    api.remove(t.name);
    t.deleted = true;
    trace("  " + t.name + " (" + t.uid + ") is gone: its finalizer finished");
    report.count(report.actions, "finalizer finished");
  }

  // ---- the invariants ----

  /** At every ConfigMap patch that is applied. */
  private void checkPatch(String configMap, Map<String, String> before, FlagWrite write, ConfigMapPatch patch) {
    report.patchesChecked++;
    String object = api.configMap(CM).orElseThrow().uid;
    FlagClaim claim = write instanceof FlagWrite.SetValues s ? s.claim()
        : write instanceof FlagWrite.Restore r ? r.claim() : null;
    if (write instanceof FlagWrite.ReleaseClaim release) {
      // The change lets go of the keys (deleted, or ended): it holds none of them from now on.
      holders.values().removeIf(h -> h.startsWith(release.claimUid() + "/"));
      trace("  " + release.claimUid() + " released its claim");
      return;
    }
    String me = claim.uid() + "/" + claim.attempt();
    AttemptFacts facts = attempts.computeIfAbsent(me, k -> new AttemptFacts());
    Tracked t = changes.stream().filter(c -> c.uid.equals(claim.uid())).findFirst().orElseThrow();
    // The model reasons in flag keys: a patch of the flagd document writes each flag whose definition it
    // changes, and the flags of its own write (the same definition again is still a write of it).
    Map<String, String> after = logical(patch.appliedTo(before));
    Map<String, String> data = new LinkedHashMap<>();
    Map<String, String> was = logical(before);
    patch.data().forEach((k, v) -> {
      if (!k.equals(DOC)) {
        data.put(k, v);
      }
    });
    if (patch.data().containsKey(DOC)) {
      for (String k : FLAGD_KEYS) {
        if (claim.keys().contains(k) || !java.util.Objects.equals(was.get(k), after.get(k))) {
          data.put(k, after.get(k));
        }
      }
      String written = patch.data().get(DOC);
      if (written != null && io.flagramp.core.flagd.FlagdDocument.parse(written, DOC)
          instanceof io.flagramp.core.flagd.FlagdDocument.Parsed.Invalid invalid) {
        throw violation(me + " wrote a flagd document that does not parse: " + invalid.problem(), null);
      }
    }
    before = was;
    for (String key : data.keySet()) {
      if (!t.keys.contains(key)) {
        throw violation(me + " wrote " + key + ", not one of its keys", null);
      }
      String holder = holders.get(object + "/" + key);
      if (holder != null && !holder.equals(me) && live(holder)) {
        throw violation(me + " wrote " + key + "=" + data.get(key) + " on " + object + " while " + holder
            + " holds it", null);
      }
    }
    ScalingChange copy = reconciling.peekLast();
    if (write instanceof FlagWrite.SetValues set) {
      checkStep(t, me, facts, object, before, set, copy);
    } else if (write instanceof FlagWrite.Restore restore) {
      checkRestore(t, me, facts, object, before, restore, patch, data, after);
    }
  }

  private void checkStep(Tracked t, String me, AttemptFacts facts, String object, Map<String, String> before,
      FlagWrite.SetValues set, ScalingChange copy) {
    int weight = flagd(t) ? flagdWeight(t, me, facts.trueOriginals == null ? before : facts.trueOriginals,
        set.values().get(t.keys.get(0))) : Integer.parseInt(set.values().get(t.keys.get(0)));
    if (!t.weightsSeen.contains(weight) || (t.keys.size() > 1 && !"true".equals(set.values().get(t.keys.get(1))))) {
      throw violation(me + " wrote " + set.values() + ", not a weight of the schedule " + t.weightsSeen, null);
    }
    if (facts.restorePatched) {
      throw violation(me + " wrote weight " + weight + " after its restore had begun", null);
    }
    if (facts.object == null) {
      facts.object = object;
      facts.trueOriginals = keys(t, before);
      t.keys.forEach(k -> facts.provenance.put(k, lastWriter.getOrDefault(object + "/" + k, "ext")));
      t.keys.stream().filter(k -> ownersBeforePatch.containsKey(dataKey(k)))
          .forEach(k -> facts.owners.put(k, ownersBeforePatch.get(dataKey(k))));
      for (String key : t.keys) {
        String writer = lastWriter.getOrDefault(object + "/" + key, "ext");
        AttemptFacts earlier = writer.endsWith("/step") ? attempts.get(writer.substring(0, writer.length() - 5)) : null;
        boolean itsOriginal = earlier != null && earlier.trueOriginals != null
            && java.util.Objects.equals(earlier.trueOriginals.get(key), before.get(key));
        if (writer.startsWith(t.uid + "/") && writer.endsWith("/step") && !itsOriginal) {
          throw violation(me + " starts on " + key + "=" + before.get(key) + ", a value " + writer
              + " wrote and never restored: its originals would be flagramp's own values", null);
        }
      }
    } else if (!facts.object.equals(object)) {
      throw violation(me + " wrote ConfigMap object " + object + ", not " + facts.object + " which it started on", null);
    }
    if (facts.lastWeight != null && weight < facts.lastWeight) {
      throw violation(me + " lowered the weight from " + facts.lastWeight + " to " + weight, null);
    }
    if (copy == null || !copy.getMetadata().getUid().equals(t.uid)) {
      throw violation(me + " wrote a step outside a reconcile of its own change", null);
    }
    ScalingChangeSpec spec = copy.getSpec();
    if (facts.lastWeight == null || weight != facts.lastWeight) {
      var next = Schedule.of(spec).next(facts.lastWeight);
      if (next.isEmpty() || Schedule.of(spec).weight(next.getAsInt()) != weight) {
        throw violation(me + " wrote weight " + weight + " after " + facts.lastWeight + ", not the next step of the"
            + " schedule it was written with", null);
      }
      if (spec.suspended()) {
        throw violation(me + " wrote weight " + weight + " while suspended", null);
      }
      var held = copy.getStatus();
      if (held != null && held.getPhase() == io.flagramp.api.v1alpha1.Phase.Held
          && java.util.Set.of(io.flagramp.api.v1alpha1.Reason.ThresholdBreached,
              io.flagramp.api.v1alpha1.Reason.CohortWorse).contains(held.getReason())
          && java.util.Objects.equals(held.getObservedGeneration(), copy.getMetadata().getGeneration())) {
        throw violation(me + " wrote weight " + weight + " while held by onFailure: Hold (" + held.getReason()
            + "), the spec unchanged", null);
      }
      if (spec.getWindows() != null && !windowOpen(spec.getWindows(), now)) {
        throw violation(me + " wrote weight " + weight + " at " + now + ", outside its deploy windows", null);
      }
      boolean manual = spec.getSteps().stream().anyMatch(s -> s.getWeight() == weight && s.manual());
      if (manual && t.approvals.isEmpty()) {
        throw violation(me + " wrote Manual weight " + weight + " with no approval ever given", null);
      }
    }
    facts.lastWeight = weight;
    for (String key : t.keys) {
      holders.put(object + "/" + key, me);
      lastWriter.put(object + "/" + key, me + "/step");  // written again, the value is this attempt's now
      restoredBy.remove(object + "/" + key);
    }
    report.stepWrites++;
    if (flagd(t)) {
      report.count(report.actions, "flagd flag stepped");
    }
    trace("  " + me + " wrote " + set.values() + " on " + object + " (" + set.claim().applied() + ")");
  }

  private void checkRestore(Tracked t, String me, AttemptFacts facts, String object, Map<String, String> before,
      FlagWrite.Restore restore, ConfigMapPatch patch, Map<String, String> data, Map<String, String> after) {
    FlagClaim claim = restore.claim();
    for (FlagClaim c : claimsBeforePatch) {
      if (c.uid().equals(claim.uid()) && c.attempt() > claim.attempt() && c.on(object)) {
        throw violation(me + " patched its restore over attempt " + c.attempt() + "'s claim " + c.applied(), null);
      }
    }
    if (facts.trueOriginals != null && !restore.originals().equals(only(restore.keys(), facts.trueOriginals))) {
      throw violation(me + " restores " + restore.originals() + " but its originals were " + facts.trueOriginals, null);
    }
    for (String key : data.keySet()) {
      String writer = lastWriter.getOrDefault(object + "/" + key, "ext");
      boolean anothers = !writer.startsWith(me + "/") && !writer.equals("ext")
          && !writer.equals(facts.provenance.getOrDefault(key, "ext"));
      if (anothers && (facts.succeeded || !writer.startsWith(claim.uid() + "/"))) {
        throw violation(me + (facts.succeeded ? " succeeded, then" : "") + " restored " + key + " over " + writer
            + "'s write made since", null);
      }
    }
    if (!data.isEmpty()) {
      facts.restorePatched = true;
      report.restorePatches++;
    }
    if (!data.isEmpty()) {
      // One owner, one write: the flag never shows part originals, part flagramp's values, when one
      // patch could have put them all back.
      List<String> left = restore.keys().stream()
          .filter(k -> !java.util.Objects.equals(restore.originals().get(k), after.get(k))).toList();
      boolean oneOwner = left.stream().allMatch(k -> !restore.originals().containsKey(k)
          || restore.managers().getOrDefault(k, FlagWrite.RESTORE_MANAGER).equals(patch.manager()));
      if (!left.isEmpty() && oneOwner) {
        throw violation(me + " restored " + data + " and left " + left + " for a later patch, though the same"
            + " write could make them: the flag holds " + keys(t, after) + " in between", null);
      }
    }
    data.forEach((key, value) -> {
      String expected = facts.owners.getOrDefault(key, FlagWrite.RESTORE_MANAGER);
      if (value != null && facts.object != null && !expected.equals(patch.manager())) {
        throw violation(me + " restored " + key + " under " + patch.manager() + ", not " + expected
            + ", which owned it before the attempt's first write", null);
      }
    });
    data.keySet().forEach(k -> {
      lastWriter.put(object + "/" + k, facts.provenance.getOrDefault(k, "ext"));
      restoredBy.remove(object + "/" + k);
    });
    boolean done = patch.annotations().values().stream().anyMatch(v -> v != null && v.contains("." + FlagClaim.RESTORED));
    if (done) {
      facts.restorePatched = true;
      facts.restoreDone = true;
      if (!only(restore.keys(), after).equals(restore.originals())) {
        throw violation(me + " marked its restore done while the keys hold " + keys(t, after) + ", not "
            + restore.originals(), null);
      }

      for (String key : restore.keys()) {
        holders.remove(object + "/" + key, me);
        // Every key it restored holds its original now, from wherever that came.
        lastWriter.put(object + "/" + key, facts.provenance.getOrDefault(key, "ext"));
        restoredBy.put(object + "/" + key, me);
      }
      report.restoresDone++;
    }
    trace("  " + me + " restore patch " + data + (done ? " (done)" : ""));
  }

  /** An attempt ("uid/attempt") still holds the keys it wrote: it exists, has not ended, is not restored. */
  private boolean live(String holder) {
    int slash = holder.lastIndexOf('/');
    String uid = holder.substring(0, slash);
    int attempt = Integer.parseInt(holder.substring(slash + 1));
    Tracked t = changes.stream().filter(c -> c.uid.equals(uid)).findFirst().orElse(null);
    if (t == null || t.deleted) {
      return false;
    }
    ScalingChange stored = api.stored(t.name);
    ScalingChangeStatus s = stored == null ? null : stored.getStatus();
    AttemptFacts facts = attempts.get(holder);
    if (s == null || s.getAttempt() == null || s.getAttempt() != attempt || facts == null || facts.restoreDone) {
      return false;
    }
    if (s.getPhase() == Phase.Succeeded) {
      return false;
    }
    return s.getPhase() != Phase.RolledBack || s.getIntent() != null;
  }

  /** After every reconcile, on the stored status of the change reconciled. */
  private void checkStatus(Tracked t, ScalingChangeStatus before) {
    report.statusChecks++;
    ScalingChange stored = api.stored(t.name);
    if (stored == null || stored.getStatus() == null || !stored.getMetadata().getUid().equals(t.uid)) {
      return;
    }
    ScalingChangeStatus s = stored.getStatus();
    String me = t.uid + "/" + s.getAttempt();
    AttemptFacts facts = attempts.computeIfAbsent(me, k -> new AttemptFacts());
    if (s.getPhase() == Phase.Succeeded) {
      facts.succeeded = true;
    }
    if (s.getOriginalValues() != null && facts.trueOriginals != null
        && !s.getOriginalValues().equals(facts.trueOriginals)) {
      throw violation(me + " records originals " + s.getOriginalValues() + ", but the keys held "
          + facts.trueOriginals + " before its first write", null);
    }
  }

  /**
   * What a plan judged (each metric whose measuredAt it moved, from the status the reconcile planned
   * from): answers taken in the stage being measured, and not more than one interval before the plan.
   */
  private void checkJudgedAnswers(ScalingChange change, io.flagramp.core.Plan plan) {
    ScalingChangeStatus before = change.getStatus();
    ScalingChangeStatus after = plan.status();
    if (before == null || after == null || after.getMetrics() == null || before.getStepStartedAt() == null
        || change.getSpec().getAnalysis() == null || !java.util.Objects.equals(before.getAttempt(), after.getAttempt())) {
      return;
    }
    // The stage judged: the one the plan started from, or, when it rewound an interrupted step, the one
    // before it (whichever began first).
    Instant stage = stageStart(before);
    FlagIntent intent = before.getIntent();
    if (intent != null && intent.getAction() == FlagIntent.Action.Step && intent.getFromWeight() != null
        && before.getHistory() != null) {
      for (var row : before.getHistory()) {
        if (row.getAttempt() == before.getAttempt() && intent.getFromWeight().equals(row.getWeight())
            && Instant.parse(row.getStartedAt()).isBefore(stage)) {
          stage = Instant.parse(row.getStartedAt());
        }
      }
    }
    Duration interval = io.flagramp.core.Durations.parse(change.getSpec().getAnalysis().getInterval());
    for (var m : after.getMetrics()) {
      String was = before.getMetrics() == null ? null : before.getMetrics().stream()
          .filter(b -> b.getName().equals(m.getName())).map(b -> b.getMeasuredAt()).findFirst().orElse(null);
      if (m.getMeasuredAt() == null || m.getMeasuredAt().equals(was)) {
        continue;
      }
      Instant taken = Instant.parse(m.getMeasuredAt());
      if (taken.isBefore(stage)) {
        throw violation(change.getMetadata().getName() + " judged " + m.getName() + " taken at " + taken
            + " for the stage that began " + stage + " (attempt " + before.getAttempt() + "; planned from "
            + before.getPhase() + "/" + before.getReason() + " " + before.getIntent() + " measured at " + was
            + " to " + after.getPhase() + "/" + after.getReason() + " " + after.getIntent() + ")", null);
      }
      if (taken.isBefore(now.minus(interval))) {
        throw violation(change.getMetadata().getName() + " judged " + m.getName() + " taken at " + taken
            + ", more than one interval (" + interval + ") before " + now, null);
      }
      report.answersJudged++;
    }
  }

  private static Instant stageStart(ScalingChangeStatus s) {
    Instant stage = Instant.parse(s.getStepStartedAt());
    if (s.getBakeStartedAt() != null && Instant.parse(s.getBakeStartedAt()).isAfter(stage)) {
      stage = Instant.parse(s.getBakeStartedAt());
    }
    return stage;
  }

  /** No more faults, races or edits: every change must settle, and settle right. */
  private void quiesce() {
    faultsOn = false;
    errorsUntil = Instant.MIN;
    for (Tracked t : changes) {
      ScalingChange stored = api.stored(t.name);
      if (stored != null && stored.getSpec().suspended()) {
        stored.getSpec().setSuspend(false);
        api.specEdited(t.name);
      }
    }
    if (api.configMap(CM).isEmpty()) {
      configMapEvent();  // a change waiting for its ConfigMap has nothing to settle on
    }
    api.configMap(CM).ifPresent(cm -> {
      String doc = cm.data.get(DOC);
      if (doc == null || io.flagramp.core.flagd.FlagdDocument.parse(doc, DOC)
          instanceof io.flagramp.core.flagd.FlagdDocument.Parsed.Invalid) {
        // Someone fixes the document they broke: a restore waiting for it can be made.
        api.externalWrite(CM, DOC, DOCUMENT, "kubectl-edit");
        FLAGD_KEYS.forEach(k -> {
          lastWriter.put(cm.uid + "/" + k, "ext");
          restoredBy.remove(cm.uid + "/" + k);
        });
        trace("someone puts the flagd document back whole");
      }
    });
    Process p = processes.get(0);
    String settled = null;
    int stable = 0;
    for (int round = 0; round < 300; round++) {
      deliverAll();
      for (Tracked t : changes) {
        reconcile(p, t, 0);
        deliverAll();
        reconcile(p, t, 0);
      }
      now = now.plusSeconds(20);
      String state = settledState();
      stable = state.equals(settled) ? stable + 1 : 0;
      if (stable == 10) {
        break;
      }
      settled = state;
    }
    for (Tracked t : changes) {
      ScalingChange stored = api.stored(t.name);
      if (stored == null) {
        // A deleted change leaves at most the record of values it left in effect, never a restore under way.
        boolean restoring = api.claims(CM).stream().anyMatch(c -> c.uid().equals(t.uid)
            && c.applied().endsWith("." + FlagClaim.RESTORING));
        if (restoring) {
          throw violation(t.name + " (" + t.uid + ") was deleted with its restore unfinished: " + api.claims(CM), null);
        }
        continue;
      }
      ScalingChangeStatus s = stored.getStatus();
      if (s == null) {
        continue;
      }
      if (s.getIntent() != null && s.getIntent().getAction() == FlagIntent.Action.Restore) {
        throw violation(t.name + " left a restore unfinished after the faults stopped: " + s.getLastDecision(), null);
      }
      AttemptFacts facts = attempts.get(t.uid + "/" + s.getAttempt());
      Optional<InMemoryApi.ConfigMap> cm = api.configMap(CM);
      if (s.getPhase() == Phase.RolledBack && facts != null && facts.restoreDone && cm.isPresent()) {
        boolean untouchedSince = t.keys.stream().allMatch(k -> (t.uid + "/" + s.getAttempt())
            .equals(restoredBy.get(cm.get().uid + "/" + k)));
        if (untouchedSince && !keys(t, logical(cm.get().data)).equals(facts.trueOriginals)) {
          throw violation(t.name + " rolled back and restored, but the ConfigMap holds " + keys(t, logical(cm.get().data))
              + ", not " + facts.trueOriginals, null);
        }
      }
    }
    // A change that rolled back leaves none of its own values behind: each key holds its original, or a
    // value someone else put there since.
    Optional<InMemoryApi.ConfigMap> cm = api.configMap(CM);
    for (Tracked t : changes) {
      ScalingChange stored = api.stored(t.name);
      ScalingChangeStatus s = stored == null ? null : stored.getStatus();
      if (s == null || s.getPhase() != Phase.RolledBack || cm.isEmpty()) {
        continue;
      }
      for (String key : t.keys) {
        String writer = lastWriter.getOrDefault(cm.get().uid + "/" + key, "ext");
        if (!writer.startsWith(t.uid + "/") || !writer.endsWith("/step")) {
          continue;
        }
        AttemptFacts wrote = attempts.get(writer.substring(0, writer.length() - 5));
        if (wrote == null || !java.util.Objects.equals(wrote.trueOriginals.get(key), logical(cm.get().data).get(key))) {
          throw violation(t.name + " rolled back (" + s.getLastDecision() + ") and left its own " + key + "="
              + logical(cm.get().data).get(key) + " (" + writer + ") behind", null);
        }
      }
    }
    Map<String, Long> liveClaims = new HashMap<>();
    for (FlagClaim c : api.claims(CM)) {
      if (!c.restored() && live(c.uid() + "/" + c.attempt())) {
        c.keys().forEach(k -> liveClaims.merge(k, 1L, Long::sum));
      }
    }
    liveClaims.forEach((k, count) -> {
      if (count > 1) {
        throw violation(count + " live claims on " + k + ": " + api.claims(CM), null);
      }
    });
  }

  /** What would have to change for another round to matter: every status, and the ConfigMap. */
  private String settledState() {
    StringBuilder state = new StringBuilder();
    for (Tracked t : changes) {
      ScalingChange stored = api.stored(t.name);
      ScalingChangeStatus s = stored == null ? null : stored.getStatus();
      state.append(t.name).append(s == null ? "-" : s.getPhase() + "/" + s.getReason() + "/" + s.getCurrentWeight()
          + "/" + s.getIntent() + "/" + s.getNextStepAt()).append(';');
    }
    api.configMap(CM).ifPresent(cm -> state.append(cm.data).append(cm.annotations));
    return state.toString();
  }

  private void deliverAll() {
    while (!pending.isEmpty()) {
      Pending p = pending.remove(0);
      p.answer().complete(p.value());
    }
  }

  // ---- helpers ----

  private int weightNow() {
    Optional<InMemoryApi.ConfigMap> cm = api.configMap(CM);
    try {
      return cm.map(c -> c.data.get(PCT)).map(Integer::parseInt).orElse(0);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean windowOpen(DeployWindows w, Instant t) {
    int minute = t.atZone(ZoneOffset.UTC).getHour() * 60 + t.atZone(ZoneOffset.UTC).getMinute();
    return w.getAllowed().stream().anyMatch(a -> minute >= minutes(a.getFrom()) && minute < minutes(a.getTo()));
  }

  private static int minutes(String hhmm) {
    return Integer.parseInt(hhmm.substring(0, 2)) * 60 + Integer.parseInt(hhmm.substring(3));
  }

  /** The weight at which the flag's original definition becomes {@code written}: a step must be one. */
  private int flagdWeight(Tracked t, String me, Map<String, String> originals, String written) {
    String key = t.keys.get(0);
    String flag = key.substring(DOC.length() + 1);
    String original = originals.get(key);
    for (int w = 1; original != null && w <= 100; w++) {
      if (io.flagramp.core.flagd.FlagdRamp.definitionAt(original, flag, "on", "off", w).equals(written)) {
        return w;
      }
    }
    throw violation(me + " wrote " + written + ", which is its original " + original + " at no weight", null);
  }

  /** The data key a flag key lives in. */
  private static String dataKey(String key) {
    return key.startsWith(DOC + "#") ? DOC : key;
  }

  private static boolean flagd(Tracked t) {
    return t.keys.get(0).startsWith(DOC + "#");
  }

  /**
   * The data as the model reads it: each key as it is, and each flag of the flagd document (when it parses)
   * as {@code flags.json#<flag>} with its definition's text.
   */
  static Map<String, String> logical(Map<String, String> data) {
    Map<String, String> view = new LinkedHashMap<>(data);
    String doc = data.get(DOC);
    if (doc != null && io.flagramp.core.flagd.FlagdDocument.parse(doc, DOC)
        instanceof io.flagramp.core.flagd.FlagdDocument.Parsed.Ok ok) {
      for (String k : FLAGD_KEYS) {
        ok.document().flagText(k.substring(DOC.length() + 1)).ifPresent(text -> view.put(k, text));
      }
    }
    return view;
  }

  /** {@code data} with only {@code keys}. */
  private static Map<String, String> only(List<String> keys, Map<String, String> data) {
    Map<String, String> only = new LinkedHashMap<>();
    keys.stream().filter(data::containsKey).forEach(k -> only.put(k, data.get(k)));
    return only;
  }

  private static Map<String, String> keys(Tracked t, Map<String, String> data) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String k : t.keys) {
      if (data.containsKey(k)) {
        keys.put(k, data.get(k));
      }
    }
    return keys;
  }

  private static ScalingChangeStatus copy(ScalingChangeStatus s) {
    return s == null ? null : s.copy();
  }

  private String outcome(Tracked t) {
    ScalingChange stored = api.stored(t.name);
    if (stored == null) {
      return "deleted";
    }
    ScalingChangeStatus s = stored.getStatus();
    return s == null ? "none" : s.getPhase() + (s.getPhase() == Phase.Succeeded ? "" : "/" + s.getReason());
  }

  private void trace(String line) {
    trace.add(now + " " + line);
  }

  private AssertionError violation(String what, Throwable cause) {
    int keep = Integer.getInteger("flagramp.model.trace", 80);
    List<String> tail = trace.subList(Math.max(0, trace.size() - keep), trace.size());
    return new AssertionError("seed " + seed + ": " + what + "\n  " + String.join("\n  ", tail), cause);
  }
}
