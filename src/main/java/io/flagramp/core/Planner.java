package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HandledActions;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The rollout as a pure function: (ScalingChange with its status, the flag's keys in the ConfigMap,
 * the other changes in the namespace, the time) → at most one ConfigMap write, the next status, an
 * Event and when to look again. No I/O, no clock of its own.
 *
 * <p>Each call takes the first rule that applies:
 *
 * <ol>
 *   <li>a new {@code flagramp.io/abort} value reverts now (or calls off a change that never wrote);
 *   <li>a new {@code flagramp.io/retry} value after a terminal phase starts a new attempt;
 *   <li>a spec that cannot work makes the change Invalid (progress and original values are kept);
 *   <li>a terminal phase stays, unless the spec changed: then a new attempt starts;
 *   <li>without its ConfigMap the change is Pending (ConfigMapNotFound) and looks again later;
 *   <li>before its first write a change waits its turn for its keys (Pending, Conflict), honours
 *       suspend, then records the original values, in a status write of its own before any flag write;
 *   <li>once it has written, a flag key that no longer holds what flagramp wrote means someone else
 *       changed it: Held (ExternalChange), until the value is put back (the step then soaks again
 *       from the start) or the change is aborted;
 *   <li>suspend pauses; with spec.analysis the baseline is measured before the first step;
 *   <li>with spec.analysis each metric is measured every interval: a metric that failed failureLimit
 *       times in a row fails the change (onFailure: Revert through the same path as abort, or Hold);
 *       a Prometheus failing consecutiveErrorLimit times trips the breaker (Held MetricsUnavailable,
 *       or fail); a step whose pause is over but has no data is Held (NoData);
 *   <li>a step whose pause is over and whose analysis passes (every metric passed in the step and
 *       passes now, minSamples met) enters the next step; after the last step the change bakes for
 *       spec.bake, then has Succeeded.
 * </ol>
 *
 * <p>When a rule needs numbers it returns a plan that only asks for measurements; the reconciler
 * takes them and calls again with the answers, so the planner stays free of I/O.
 *
 * <p>All progress is in status, so the same call after a restart continues where the last one left
 * off: a step's soak counts from {@code stepStartedAt}, so it is neither shortened nor repeated.
 */
public final class Planner {

  private static final String ABSENT = "<absent>";

  private final PlannerSettings settings;

  public Planner(PlannerSettings settings) {
    this.settings = settings;
  }

  public Plan plan(Observation o) {
    Draft d = new Draft(o);
    ScalingChangeSpec spec = o.change().getSpec();

    String abort = annotation(o, Annotations.ABORT);
    if (abort != null && !abort.equals(d.handled().getAbort())) {
      return abort(d, abort);
    }
    String retry = annotation(o, Annotations.RETRY);
    if (retry != null && !retry.equals(d.handled().getRetry())) {
      return retry(d, retry);
    }
    Optional<SpecProblem> problem = SpecValidator.validate(spec, settings.defaultPrometheus());
    if (problem.isPresent()) {
      return d.decide(Phase.Invalid, "InvalidSpec", "invalid spec: " + problem.get(), Notice.Kind.Warning)
          .plan(Optional.empty(), Optional.empty());
    }
    Phase phase = d.next.getPhase();
    if (phase != null && phase.isTerminal()) {
      Long observed = d.next.getObservedGeneration();
      if (observed != null && observed < d.generation) {
        return newAttempt(d, "spec changed (generation " + d.generation + ") after " + phase);
      }
      return d.keep(Optional.empty());
    }

    FlagTarget flag = spec.getFlag();
    if (o.flag().isEmpty()) {
      return d.decide(Phase.Pending, "ConfigMapNotFound", "waiting for ConfigMap " + flag.getConfigMapName()
              + " to exist in namespace " + o.change().getMetadata().getNamespace(), Notice.Kind.Warning)
          .plan(Optional.empty(), Optional.of(settings.pendingRetryInterval()));
    }
    ObservedFlag observed = o.flag().get();

    if (d.next.getOriginalValues() == null) {
      return beforeFirstWrite(d, observed);
    }
    if (d.currentStep() >= 0) {
      List<String> drift = drift(flag, d.next.getCurrentWeight(), observed);
      if (!drift.isEmpty()) {
        return d.decide(Phase.Held, "ExternalChange", String.join("; ", drift) + ": holding at weight "
                + d.next.getCurrentWeight() + "; put the value back to resume, or abort to restore the"
                + " original values", Notice.Kind.Warning)
            .plan(Optional.empty(), Optional.of(settings.resyncInterval()));
      }
    }
    return step(d);
  }

  /**
   * The rollout proper, once the change may write: leave Held when its cause is gone, honour suspend,
   * take the baseline and enter the first step, measure when due, and enter the next step (or bake, or
   * succeed) once the current one has soaked and passed its analysis.
   */
  private Plan step(Draft d) {
    ScalingChangeSpec spec = d.o.change().getSpec();
    Optional<Analyzer> analyzer = Analyzer.of(spec.getAnalysis());
    String heldFor = d.heldFor();
    if ("ExternalChange".equals(heldFor)) {
      return resumeAfterHeld(d, "the flag holds what flagramp wrote again");
    }
    if ("ThresholdBreached".equals(heldFor)) {
      if (d.generationChanged()) {
        analyzer.ifPresent(a -> a.startOver(d.next));
        return resumeAfterHeld(d, "spec changed (generation " + d.generation + "), the analysis starts again");
      }
      return d.keep(Optional.empty());  // frozen by onFailure: Hold until abort or a spec change
    }
    if (spec.suspended()) {
      return d.decide(Phase.Paused, "Suspended", "suspended (spec.suspend) at weight "
              + d.next.getCurrentWeight() + ", step " + d.progress(), Notice.Kind.Normal)
          .plan(Optional.empty(), Optional.of(settings.resyncInterval()));
    }
    int step = d.currentStep();
    if (step < 0) {
      if (analyzer.isPresent() && analyzer.get().needsBaseline(d.next)) {
        return baseline(d, analyzer.get());
      }
      return enterStep(d, 0, "");
    }
    int last = d.steps() - 1;
    if (step > last || spec.getSteps().get(step).getWeight().intValue() != d.next.getCurrentWeight()) {
      // The schedule was edited mid-rollout: apply what the spec now says for this step, with a
      // fresh soak (a longer soak is never the unsafe choice).
      return enterStep(d, Math.min(step, last), "spec changed (generation " + d.generation + "): ");
    }
    Optional<Instant> nextMeasurement = Optional.empty();
    if (analyzer.isPresent()) {
      Analyzer a = analyzer.get();
      if (!d.now.isBefore(a.nextMeasurement(d.next))) {
        if (!d.measured(MeasurementRequest.Kind.STEP)) {
          return Plan.measureFirst(d.next, a.stepRequest());
        }
        Analyzer.Outcome outcome = a.judgeStep(d.next, d.o.measurements().get(), d.next.getCurrentWeight(), d.now);
        if (outcome.kind() == Analyzer.Outcome.Kind.FAILED) {
          return fail(d, outcome.line(), "ThresholdBreached");
        }
        if (outcome.kind() == Analyzer.Outcome.Kind.PROVIDER_DOWN) {
          return providerDown(d, a, outcome.line());
        }
        String reason = d.reason();
        if (outcome.kind() == Analyzer.Outcome.Kind.ERRORING) {
          // Said at once, not only when the breaker trips: the phase stays, the reason and the line say why.
          d.decide(d.next.getPhase(), "MetricsUnavailable", outcome.line(), Notice.Kind.Warning);
        } else if ("MetricsUnavailable".equals(reason)
            || ("NoData".equals(heldFor) && !a.gate(d.next).noData())) {
          // Only a round that got answers can end a hold for metrics.
          d.decide(d.next.getPhase() == Phase.Baking ? Phase.Baking : Phase.Progressing, "Resumed", "resumed at"
              + " weight " + d.next.getCurrentWeight() + ", step " + d.progress() + ": " + ("NoData".equals(heldFor)
              ? "the metrics have data again" : "Prometheus answers again"), Notice.Kind.Normal);
        }
      }
      nextMeasurement = Optional.of(a.nextMeasurement(d.next));
    }
    Instant pauseDue = Timestamps.parse(d.next.getStepStartedAt()).plus(pause(spec, step));
    if (d.now.isBefore(pauseDue)) {
      return soak(d, pauseDue, nextMeasurement);
    }
    Analyzer.Gate gate = analyzer.map(a -> a.gate(d.next))
        .orElse(new Analyzer.Gate(true, false, "soaked " + Durations.format(pause(spec, step)) + ", no analysis"));
    if (!gate.passing()) {
      Duration untilMeasured = nextMeasurement.map(t -> min(Duration.between(d.now, t), settings.resyncInterval()))
          .orElse(settings.resyncInterval());
      if (gate.providerError() && "MetricsUnavailable".equals(d.reason())) {
        return d.keep(Optional.of(untilMeasured));  // the failing query is the news, not the wait
      }
      if (gate.noData()) {
        if ("NoData".equals(heldFor)) {
          return d.keep(Optional.of(untilMeasured));
        }
        return d.decide(Phase.Held, "NoData", gate.line() + ": holding at weight " + d.next.getCurrentWeight()
            + " until it has data", Notice.Kind.Warning).plan(Optional.empty(), Optional.of(untilMeasured));
      }
      if (d.next.getPhase() == Phase.Baking) {
        return d.keep(Optional.of(untilMeasured));
      }
      Duration pause = pause(spec, step);
      return d.decide(Phase.Progressing, "AwaitingAnalysis", "step " + d.progress()
              + (pause.isZero() ? " at weight " + d.next.getCurrentWeight() : " soaked " + Durations.format(pause))
              + "; waiting for a passing analysis", Notice.Kind.Normal)
          .plan(Optional.empty(), Optional.of(untilMeasured));
    }
    if (step < last) {
      d.closeRunningStep(StepOutcome.Passed, gate.line());
      return enterStep(d, step + 1, "");
    }
    Duration bake = spec.getBake() == null ? Duration.ZERO : Durations.parse(spec.getBake());
    Instant bakeDue = pauseDue.plus(bake);
    if (d.now.isBefore(bakeDue)) {
      Duration requeue = min(Duration.between(d.now, bakeDue), settings.resyncInterval());
      if (nextMeasurement.isPresent()) {
        requeue = min(requeue, Duration.between(d.now, nextMeasurement.get()));
      }
      if (d.next.getPhase() == Phase.Baking) {
        return d.keep(Optional.of(requeue));
      }
      analyzer.ifPresent(a -> a.startOver(d.next));
      d.next.setNextStepAt(Timestamps.format(bakeDue));
      return d.decide(Phase.Baking, "Baking", "step " + d.progress() + " at weight " + d.next.getCurrentWeight()
          + " passed (" + gate.line() + "); baking " + Durations.format(bake) + " until "
          + Timestamps.format(bakeDue), Notice.Kind.Normal).plan(Optional.empty(), Optional.of(requeue));
    }
    d.closeRunningStep(StepOutcome.Passed, gate.line());
    Duration soaked = pause(spec, step).plus(bake);
    return d.decide(Phase.Succeeded, "Succeeded", "step " + d.progress() + " at weight "
            + d.next.getCurrentWeight() + (soaked.isZero() ? "" : " soaked " + Durations.format(soaked))
            + (analyzer.isPresent() ? " and passed analysis (" + gate.line() + ")" : "") + ": succeeded",
        Notice.Kind.Normal).plan(Optional.empty(), Optional.empty());
  }

  /** Before the first step: each metric's baseline, measured once (again next interval if Prometheus failed). */
  private Plan baseline(Draft d, Analyzer a) {
    if (!d.measured(MeasurementRequest.Kind.BASELINE)) {
      return Plan.measureFirst(d.next, a.baselineRequest());
    }
    Analyzer.Outcome outcome = a.recordBaseline(d.next, d.o.measurements().get(), d.now);
    return switch (outcome.kind()) {
      case OK -> enterStep(d, 0, outcome.line() + "; ");
      case PROVIDER_DOWN -> providerDown(d, a, outcome.line());
      case FAILED -> fail(d, outcome.line(), "NoData");
      default -> d.decide(Phase.Progressing, "BaselineUnavailable", outcome.line() + "; measuring the baseline"
              + " again in " + Durations.format(a.interval()), Notice.Kind.Warning)
          .plan(Optional.empty(), Optional.of(a.interval()));
    };
  }

  /** The circuit breaker tripped: hold and keep asking, or fail the change. */
  private Plan providerDown(Draft d, Analyzer a, String line) {
    if (a.onProviderError() == ProviderErrorAction.Fail) {
      return fail(d, line, "MetricsUnavailable");
    }
    if ("MetricsUnavailable".equals(d.heldFor())) {
      return d.keep(Optional.of(a.interval()));  // still down: counters move in status.metrics, the decision stays
    }
    String where = d.currentStep() < 0 ? "before the first step" : "at weight " + d.next.getCurrentWeight();
    return d.decide(Phase.Held, "MetricsUnavailable", line + ": holding " + where + " until Prometheus answers",
        Notice.Kind.Warning).plan(Optional.empty(), Optional.of(a.interval()));
  }

  /** A failed analysis: onFailure Revert restores the original values at once; Hold freezes the flag. */
  private Plan fail(Draft d, String line, String reason) {
    if (d.o.change().getSpec().onFailureOrDefault() == OnFailure.Hold && d.currentStep() >= 0) {
      d.recordVerdict(line);
      return d.decide(Phase.Held, reason, line + ": holding at weight " + d.next.getCurrentWeight()
          + " (onFailure: Hold); abort to restore the original values", Notice.Kind.Warning)
          .plan(Optional.empty(), Optional.empty());
    }
    return revert(d, reason, line + ": reverted, ", line);
  }

  private Plan beforeFirstWrite(Draft d, ObservedFlag observed) {
    ScalingChange change = d.o.change();
    FlagTarget flag = change.getSpec().getFlag();
    Optional<Claim> blocker = ConflictRule.blocker(change.getMetadata().getName(), created(change),
        flag.getConfigMapName(), new HashSet<>(flag.keys()), d.o.others());
    if (blocker.isPresent()) {
      Claim other = blocker.get();
      List<String> shared = flag.keys().stream().filter(other.keys()::contains).toList();
      return d.decide(Phase.Pending, "Conflict", "waiting for ScalingChange " + other.name() + ", which "
              + (other.holding() ? "writes " : "was created earlier and also writes ") + String.join(", ", shared)
              + " in ConfigMap " + flag.getConfigMapName(), Notice.Kind.Normal)
          .plan(Optional.empty(), Optional.of(settings.pendingRetryInterval()));
    }
    if (change.getSpec().suspended()) {
      return d.decide(Phase.Paused, "Suspended", "suspended (spec.suspend) before the first step",
          Notice.Kind.Normal).plan(Optional.empty(), Optional.empty());
    }
    Map<String, String> originals = new LinkedHashMap<>();
    for (String key : flag.keys()) {
      String value = observed.values().get(key);
      if (value != null) {
        originals.put(key, value);
      }
    }
    d.next.setOriginalValues(originals);
    String recorded = flag.keys().stream()
        .map(k -> k + "=" + (originals.containsKey(k) ? quote(originals.get(k)) : ABSENT))
        .collect(Collectors.joining(", "));
    // Recorded in a status write of its own: the first flag write happens only once the originals
    // are safely stored, so a crash in between never loses them.
    return d.decide(Phase.Progressing, "OriginalValuesRecorded", "recorded original values " + recorded
        + " before the first write", Notice.Kind.Normal).plan(Optional.empty(), Optional.of(Duration.ZERO));
  }

  private Plan enterStep(Draft d, int step, String why) {
    ScalingChangeSpec spec = d.o.change().getSpec();
    int weight = spec.getSteps().get(step).getWeight();
    Duration pause = pause(spec, step);
    d.closeRunningStep(StepOutcome.Passed);
    Analyzer.of(spec.getAnalysis()).ifPresent(a -> a.startOver(d.next));
    d.next.setCurrentStep(step);
    d.next.setCurrentWeight(weight);
    d.next.setStepStartedAt(Timestamps.format(d.now));
    Instant due = Timestamps.truncate(d.now).plus(pause);
    d.next.setNextStepAt(Timestamps.format(due));
    d.addHistory(new HistoryEntry(d.attempt(), step, weight, Timestamps.format(d.now)));
    String soak = pause.isZero() ? "no soak" : "soaking " + Durations.format(pause) + " until " + Timestamps.format(due);
    return d.decide(Phase.Progressing, "StepEntered", why + "entered step " + d.progress() + " at weight "
            + weight + "; " + soak, Notice.Kind.Normal)
        .plan(Optional.of(new FlagWrite.SetValues(valuesFor(spec.getFlag(), weight))),
            Optional.of(min(pause, settings.resyncInterval())));
  }

  private Plan soak(Draft d, Instant due, Optional<Instant> nextMeasurement) {
    d.next.setNextStepAt(Timestamps.format(due));
    Duration left = min(Duration.between(d.now, due), settings.resyncInterval());
    if (nextMeasurement.isPresent()) {
      left = min(left, Duration.between(d.now, nextMeasurement.get()));
    }
    Optional<Duration> requeue = Optional.of(left);
    if (d.next.getPhase() == Phase.Progressing) {
      return d.keep(requeue);
    }
    return d.decide(Phase.Progressing, "Resumed", "resumed at weight " + d.next.getCurrentWeight() + ", step "
        + d.progress() + "; soaking until " + Timestamps.format(due), Notice.Kind.Normal).plan(Optional.empty(), requeue);
  }

  /**
   * Leaves Held with a fresh soak of the current step. After an external change the flag was not at
   * this step's weight meanwhile, so the step did not really soak; after a breach held by
   * onFailure: Hold and a spec change, the step must pass a fresh analysis.
   */
  private Plan resumeAfterHeld(Draft d, String why) {
    int step = d.currentStep();
    Duration pause = pause(d.o.change().getSpec(), Math.min(step, d.steps() - 1));
    Instant due = Timestamps.truncate(d.now).plus(pause);
    d.next.setStepStartedAt(Timestamps.format(d.now));
    d.next.setNextStepAt(Timestamps.format(due));
    return d.decide(Phase.Progressing, "Resumed", "resumed at weight " + d.next.getCurrentWeight() + ", step "
            + d.progress() + ": " + why + "; the step soaks again until " + Timestamps.format(due), Notice.Kind.Normal)
        .plan(Optional.empty(), Optional.of(min(pause, settings.resyncInterval())));
  }

  private Plan abort(Draft d, String reason) {
    d.handled().setAbort(reason);
    ScalingChangeStatus s = d.next;
    String by = "flagramp.io/abort=" + quote(reason);
    if (s.getPhase() == Phase.RolledBack) {
      return d.decide(Phase.RolledBack, "Aborted", by + " acknowledged: already rolled back, nothing to do",
          Notice.Kind.Normal).plan(Optional.empty(), Optional.empty());
    }
    if (s.getOriginalValues() == null || d.currentStep() < 0) {
      return d.decide(Phase.RolledBack, "Aborted", "aborted by " + by + " before the first write: nothing to restore",
          Notice.Kind.Warning).plan(Optional.empty(), Optional.empty());
    }
    FlagTarget flag = d.o.change().getSpec().getFlag();
    String where = "at weight " + s.getCurrentWeight() + " (step " + d.progress() + ")";
    Optional<Claim> holder = d.o.others().stream()
        .filter(c -> c.holding() && c.overlaps(flag.getConfigMapName(), new HashSet<>(flag.keys())))
        .findFirst();
    if (holder.isPresent()) {
      // Only after Succeeded can another change hold our keys; restoring would undo its writes.
      return d.decide(s.getPhase(), "AbortRefused", by + " not carried out: ScalingChange " + holder.get().name()
          + " now writes " + String.join(", ", holder.get().keys()) + "; abort that one instead",
          Notice.Kind.Warning).plan(Optional.empty(), Optional.empty());
    }
    return revert(d, "Aborted", "aborted by " + by + " " + where + ": ", "aborted by " + by);
  }

  /**
   * Restores the original values now, the one path for abort and for a failed analysis: the
   * change ends RolledBack with Stalled=True, and the decision names what was restored.
   */
  private Plan revert(Draft d, String reason, String prefix, String verdict) {
    ScalingChangeStatus s = d.next;
    FlagTarget flag = d.o.change().getSpec().getFlag();
    d.closeRunningStep(StepOutcome.RolledBack, verdict);
    s.setCurrentWeight(null);
    if (s.getOriginalValues() == null || d.currentStep() < 0) {
      return d.decide(Phase.RolledBack, reason, prefix + "nothing was written, nothing to restore",
          Notice.Kind.Warning).plan(Optional.empty(), Optional.empty());
    }
    if (d.o.flag().isEmpty()) {
      return d.decide(Phase.RolledBack, reason, prefix + "ConfigMap " + flag.getConfigMapName()
          + " no longer exists, nothing to restore", Notice.Kind.Warning).plan(Optional.empty(), Optional.empty());
    }
    FlagWrite.Restore restore = new FlagWrite.Restore(flag.keys(), s.getOriginalValues());
    return d.decide(Phase.RolledBack, reason, prefix + restore.describe(), Notice.Kind.Warning)
        .plan(Optional.of(restore), Optional.empty());
  }

  private Plan retry(Draft d, String value) {
    d.handled().setRetry(value);
    Phase phase = d.next.getPhase();
    String by = "flagramp.io/retry=" + quote(value);
    if (phase != null && phase.isTerminal()) {
      return newAttempt(d, "retry requested by " + by + " after " + phase);
    }
    return d.decide(phase == null ? Phase.Pending : phase, "RetryIgnored", by + " ignored: the change is "
            + phase + "; a retry starts a new attempt only after Succeeded or RolledBack", Notice.Kind.Normal)
        .plan(Optional.empty(), Optional.of(Duration.ZERO));
  }

  private Plan newAttempt(Draft d, String why) {
    ScalingChangeStatus s = d.next;
    s.setAttempt(d.attempt() + 1);
    s.setCurrentStep(-1);
    s.setCurrentWeight(null);
    s.setStepStartedAt(null);
    s.setNextStepAt(null);
    s.setOriginalValues(null);
    return d.decide(Phase.Pending, "NewAttempt", why + ": starting attempt " + s.getAttempt()
        + " from the first step", Notice.Kind.Normal).plan(Optional.empty(), Optional.of(Duration.ZERO));
  }

  /**
   * Flag keys someone else changed since flagramp wrote {@code weight}: a key that is gone, or that
   * holds another value and is owned by another field manager. A different value that only flagramp
   * owns is flagramp's own write whose status write did not happen (a crash or a 409 in between);
   * planning goes on from status, which repeats that write.
   */
  private static List<String> drift(FlagTarget flag, Integer weight, ObservedFlag observed) {
    List<String> drift = new ArrayList<>();
    valuesFor(flag, weight).forEach((key, expected) -> {
      String actual = observed.values().get(key);
      List<String> writers = observed.otherWriters().getOrDefault(key, List.of());
      if (actual == null || (!expected.equals(actual) && !writers.isEmpty())) {
        String by = writers.isEmpty() ? "" : " (changed by " + String.join(", ", writers) + ")";
        drift.add(key + " in ConfigMap " + flag.getConfigMapName() + " is "
            + (actual == null ? "gone" : quote(actual)) + " but flagramp wrote " + quote(expected) + by);
      }
    });
    return drift;
  }

  static Map<String, String> valuesFor(FlagTarget flag, int weight) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put(flag.getPercentageKey(), Integer.toString(weight));
    if (flag.getEnabledKey() != null) {
      values.put(flag.getEnabledKey(), "true");
    }
    return values;
  }

  private static Duration pause(ScalingChangeSpec spec, int step) {
    String pause = spec.getSteps().get(step).getPause();
    return pause == null ? Duration.ZERO : Durations.parse(pause);
  }

  private static Duration min(Duration a, Duration b) {
    Duration m = a.compareTo(b) <= 0 ? a : b;
    return m.isNegative() ? Duration.ZERO : m;
  }

  private static String annotation(Observation o, String key) {
    Map<String, String> annotations = o.change().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  private static Instant created(ScalingChange change) {
    String ts = change.getMetadata().getCreationTimestamp();
    return ts == null ? Instant.MAX : Instant.parse(ts);
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  /** The next status, built from a copy of the observed one, and the bits of a plan. */
  private final class Draft {
    final Observation o;
    final ScalingChangeStatus before;
    final ScalingChangeStatus next;
    final long generation;
    final Instant now;
    private Optional<Notice> notice = Optional.empty();

    Draft(Observation o) {
      this.o = o;
      this.before = o.change().getStatus();
      this.next = before == null ? new ScalingChangeStatus() : before.copy();
      Long gen = o.change().getMetadata().getGeneration();
      this.generation = gen == null ? 0 : gen;
      this.now = o.now();
      if (next.getAttempt() == null) {
        next.setAttempt(1);
      }
      if (next.getCurrentStep() == null) {
        next.setCurrentStep(-1);
      }
    }

    int currentStep() {
      return next.getCurrentStep();
    }

    int attempt() {
      return next.getAttempt();
    }

    int steps() {
      ScalingChangeSpec spec = o.change().getSpec();
      return spec == null || spec.getSteps() == null ? 0 : spec.getSteps().size();
    }

    String progress() {
      return (currentStep() + 1) + "/" + steps();
    }

    HandledActions handled() {
      if (next.getLastHandled() == null) {
        next.setLastHandled(new HandledActions());
      }
      return next.getLastHandled();
    }

    void addHistory(HistoryEntry entry) {
      List<HistoryEntry> history = next.getHistory() == null ? new ArrayList<>() : next.getHistory();
      history.add(entry);
      while (history.size() > settings.historyLimit()) {
        history.remove(0);
      }
      next.setHistory(history);
    }

    void closeRunningStep(StepOutcome outcome) {
      closeRunningStep(outcome, null);
    }

    /** Ends the running history row with its outcome and, when there is one, its verdict. */
    void closeRunningStep(StepOutcome outcome, String verdict) {
      if (next.getHistory() == null) {
        return;
      }
      for (HistoryEntry h : next.getHistory()) {
        if (h.getOutcome() == StepOutcome.Running) {
          h.setOutcome(outcome);
          h.setEndedAt(Timestamps.format(now));
          if (verdict != null) {
            h.setVerdict(verdict);
          }
        }
      }
    }

    /** Notes the analysis verdict on the running row without ending it (a held step). */
    void recordVerdict(String verdict) {
      if (next.getHistory() != null) {
        next.getHistory().stream().filter(h -> h.getOutcome() == StepOutcome.Running)
            .forEach(h -> h.setVerdict(verdict));
      }
    }

    /** Why the change is Held (the reason on its conditions), or null when it is not Held. */
    String heldFor() {
      return next.getPhase() == Phase.Held ? reason() : null;
    }

    /** The reason on the conditions now, e.g. StepEntered or MetricsUnavailable. */
    String reason() {
      return next.condition(io.flagramp.api.v1alpha1.Condition.READY)
          .map(io.flagramp.api.v1alpha1.Condition::getReason).orElse(null);
    }

    boolean generationChanged() {
      return next.getObservedGeneration() != null && next.getObservedGeneration() < generation;
    }

    /** The observation carries answers of this kind, taken now. */
    boolean measured(MeasurementRequest.Kind kind) {
      return o.measurements().filter(m -> m.kind() == kind).isPresent();
    }

    /** A transition: the phase, its reason and the one-line decision; an Event if the decision is new. */
    Draft decide(Phase phase, String reason, String decision, Notice.Kind kind) {
      next.setPhase(phase);
      next.setLastDecision(decision);
      if (before == null || !Objects.equals(before.getLastDecision(), decision) || before.getPhase() != phase) {
        notice = Optional.of(new Notice(kind, reason, decision));
      }
      Conditions.set(next, reason, decision, generation, now);
      return this;
    }

    /** Nothing new happened: the phase, decision and conditions stay as they are. */
    Plan keep(Optional<Duration> requeue) {
      String reason = Optional.ofNullable(reason()).orElse(String.valueOf(next.getPhase()));
      Conditions.set(next, reason, next.getLastDecision(), generation, now);
      return plan(Optional.empty(), requeue);
    }

    Plan plan(Optional<FlagWrite> write, Optional<Duration> requeue) {
      next.setObservedGeneration(generation);
      next.setProgress(progress());
      if (next.getLastHandled() != null && next.getLastHandled().getAbort() == null
          && next.getLastHandled().getRetry() == null) {
        next.setLastHandled(null);
      }
      return new Plan(write, next, notice, requeue);
    }
  }
}
