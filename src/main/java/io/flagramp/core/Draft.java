package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HandledActions;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The next status, built from a copy of the observed one, and the rest of a plan: the state
 * (phase and typed reason) with its one-line decision and Event, the write, when to look again.
 * Every planning unit works on one Draft; only {@link #plan} turns it into a {@link Plan}.
 */
final class Draft {

  final Observation o;
  final PlannerSettings settings;
  final ScalingChangeStatus before;
  final ScalingChangeStatus next;
  final long generation;
  final Instant now;
  final Schedule schedule;
  private Optional<Notice> notice = Optional.empty();
  /** The recorded intent has taken effect: the next status write clears it. */
  private boolean intentDone;
  /** Events besides the transition's: what was observed on the way (a spec edit). */
  private final List<Notice> notes = new ArrayList<>();
  /** Workloads to restart after the ConfigMap write; status.restart records them. */
  private List<Restart> restarts = List.of();

  Draft(Observation o, PlannerSettings settings) {
    this.o = o;
    this.settings = settings;
    this.before = o.change().getStatus();
    this.next = before == null ? new ScalingChangeStatus() : before.copy();
    Long gen = o.change().getMetadata().getGeneration();
    this.generation = gen == null ? 0 : gen;
    this.now = o.now();
    this.schedule = Schedule.of(o.change().getSpec());
    if (next.getAttempt() == null) {
      next.setAttempt(1);
    }
  }

  ScalingChange change() {
    return o.change();
  }

  ScalingChangeSpec spec() {
    return o.change().getSpec();
  }

  FlagTarget flag() {
    return spec().getFlag();
  }

  String uid() {
    return o.change().getMetadata().getUid();
  }

  int attempt() {
    return next.getAttempt();
  }

  /** The weight flagramp wrote in this attempt (or is writing, while a step intent is recorded). */
  Integer weight() {
    return next.getCurrentWeight();
  }

  Phase phase() {
    return next.getPhase();
  }

  Reason reason() {
    return next.getReason();
  }

  boolean is(Phase phase, Reason reason) {
    return next.getPhase() == phase && next.getReason() == reason;
  }

  /** The original values are recorded: the attempt may have written the flag. */
  boolean started() {
    return next.getOriginalValues() != null;
  }

  /**
   * {@code flag} is the ConfigMap object this attempt started on (or the attempt recorded none: it has
   * not started, or it started before the object was recorded).
   */
  boolean boundTo(ObservedFlag flag) {
    return next.getConfigMapUid() == null || next.getConfigMapUid().equals(flag.uid());
  }

  boolean generationChanged() {
    return next.getObservedGeneration() != null && next.getObservedGeneration() < generation;
  }

  String progress() {
    return schedule.progress(weight());
  }

  HandledActions handled() {
    if (next.getLastHandled() == null) {
      next.setLastHandled(new HandledActions());
    }
    return next.getLastHandled();
  }

  void intentDone() {
    intentDone = true;
  }

  /** A ConfigMap write is recorded and not yet known to be made. */
  boolean intentPending() {
    return next.getIntent() != null && !intentDone;
  }

  /** Restarts to make after this plan's ConfigMap write (or at once, without one). */
  Draft restarting(List<Restart> restarts) {
    this.restarts = List.copyOf(restarts);
    return this;
  }

  /** The observation carries answers of this kind, taken now. */
  boolean measured(MeasurementRequest.Kind kind) {
    return o.measurements().filter(m -> m.kind() == kind).isPresent();
  }

  // ---- history ----

  void addHistory(HistoryEntry entry) {
    List<HistoryEntry> history = next.getHistory() == null ? new ArrayList<>() : next.getHistory();
    history.add(entry);
    while (history.size() > settings.historyLimit()) {
      history.remove(0);
    }
    next.setHistory(history);
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

  // ---- decisions ----

  /** A transition: the state, its one-line decision, and an Event if the decision is new. */
  Draft decide(Phase phase, Reason reason, String decision, Notice.Kind kind) {
    if (!reason.allows(phase)) {
      throw new IllegalStateException("no state " + phase + "/" + reason + " in the state model (Reason)");
    }
    next.setPhase(phase);
    next.setReason(reason);
    next.setLastDecision(decision);
    if (before == null || !Objects.equals(before.getLastDecision(), decision) || before.getPhase() != phase
        || before.getReason() != reason) {
      notice = Optional.of(new Notice(kind, reason.name(), decision));
    }
    return this;
  }

  Draft decide(Reason reason, String decision, Notice.Kind kind) {
    return decide(reason.phase(), reason, decision, kind);
  }

  /** An on-call annotation acknowledged without a transition: an Event, the state stays. */
  Draft acknowledge(String eventReason, String line, Notice.Kind kind) {
    notice = Optional.of(new Notice(kind, eventReason, line));
    return this;
  }

  /** An Event that is not a transition, recorded before the plan's own. */
  void note(Notice notice) {
    notes.add(notice);
  }

  /** The state stays; whatever changed in status (counters, timestamps) is still written. */
  Plan keep(Optional<Duration> requeue) {
    return plan(Optional.empty(), requeue);
  }

  Plan measureFirst(MeasurementRequest request) {
    return new Plan(Optional.empty(), before == null ? new ScalingChangeStatus() : before, Optional.empty(),
        Optional.empty(), Optional.of(request), List.of(), List.of());
  }

  /**
   * The plan. A write must carry the intent that records it: either this status (written first) or
   * the one already recorded.
   */
  Plan plan(Optional<FlagWrite> write, Optional<Duration> requeue) {
    if (next.getPhase() != null && next.getPhase().isTerminal()) {
      // Nothing soaks or waits any more: the current step's times and pending actions no longer apply
      // (history keeps when each step ran; bakeStartedAt stays as when the bake began).
      next.setStepStartedAt(null);
      next.setNextStepAt(null);
      next.setApproval(null);
      next.setPromotion(null);
    }
    next.setObservedGeneration(generation);
    next.setCurrentStep(schedule.indexOf(weight()));
    next.setProgress(progress());
    if (next.getLastHandled() != null && next.getLastHandled().empty()) {
      next.setLastHandled(null);
    }
    if (intentDone && Objects.equals(next.getIntent(), before == null ? null : before.getIntent())) {
      // A finished intent rides along until a status write is due anyway; a terminal phase has no
      // next one, so it is cleared at once there.
      boolean otherwiseUnchanged = before != null && sameApartFromConditions(before, next);
      if (!otherwiseUnchanged || (next.getPhase() != null && next.getPhase().isTerminal())) {
        next.setIntent(null);
      }
    }
    if (next.getPhase() != null && next.getReason() != null) {
      Conditions.set(next, next.getReason().name(), next.getLastDecision(), generation, now);
    }
    if (write.isPresent() && !(write.get() instanceof FlagWrite.ReleaseClaim) && next.getIntent() == null) {
      throw new IllegalStateException("a ConfigMap write without a recorded intent: " + write.get());
    }
    if (!restarts.isEmpty() && (next.getRestart() == null || restarts.stream()
        .anyMatch(r -> !r.value().equals(next.getRestart().getValue())))) {
      throw new IllegalStateException("a restart without a recorded status.restart: " + restarts);
    }
    next.setSchedule(schedule.describe());
    return new Plan(write, next, notice, requeue, Optional.empty(), restarts, List.copyOf(notes));
  }

  private static boolean sameApartFromConditions(ScalingChangeStatus a, ScalingChangeStatus b) {
    ScalingChangeStatus x = a.copy();
    ScalingChangeStatus y = b.copy();
    x.setConditions(null);
    y.setConditions(null);
    return x.equals(y);
  }

  /** The values {@code weight} puts in the flag's keys, from this attempt's original values. */
  Map<String, String> valuesFor(int weight) {
    return FlagFormat.of(flag()).valuesAt(weight, next.getOriginalValues());
  }
}
