package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A running attempt (it has written the flag and not ended): someone else's change to the flag holds
 * it; holds end when their cause is gone; with analysis each metric is measured every interval; and
 * once every gate passes the rollout makes its next {@link Move}.
 */
final class Rollout {

  private final List<Gate> gates;

  Rollout(List<Gate> gates) {
    this.gates = gates;
  }

  Plan plan(Draft d) {
    if (d.o.flag().isEmpty()) {
      return d.decide(Reason.ConfigMapNotFound, "ConfigMap " + d.flag().getConfigMapName() + " was deleted at"
              + " weight " + d.weight() + "; waiting for it to exist in namespace "
              + d.change().getMetadata().getNamespace() + " again, or abort", Notice.Kind.Warning)
          .keep(Optional.of(d.settings.pendingRetryInterval()));
    }
    Optional<Gate.Verdict.Hold> unclaimed = Claims.refusal(d, d.o.flag().get());
    if (unclaimed.isPresent()) {
      // Nothing of the flag is this attempt's to decide on: no step, no measuring; abort still restores.
      Gate.Verdict.Hold h = unclaimed.get();
      d.next.setNextStepAt(null);
      if (!d.is(h.phase(), h.reason()) || !h.line().equals(d.next.getLastDecision())) {
        d.decide(h.phase(), h.reason(), h.line(), h.kind());
      }
      return d.keep(Optional.of(d.settings.resyncInterval()));
    }
    List<String> drift = Drift.of(d, d.o.flag().get());
    if (!drift.isEmpty()) {
      return d.decide(Phase.Held, Reason.ExternalChange, String.join("; ", drift) + ": holding at weight "
              + d.weight() + "; put the value back to resume, or abort to restore the original values",
          Notice.Kind.Warning).keep(Optional.of(d.settings.resyncInterval()));
    }
    Optional<Analyzer> analyzer = Analyzer.of(d.spec().getAnalysis());
    if (d.is(Phase.Held, Reason.ExternalChange) || d.reason() == Reason.ConfigMapNotFound
        || d.is(Phase.Held, Reason.ClaimLost) || d.is(Phase.Held, Reason.Conflict)) {
      // The flag was not at this step's weight meanwhile, so the step did not really soak.
      return resume(d, analyzer, "the flag holds what flagramp wrote again");
    }
    if (d.is(Phase.Held, Reason.ThresholdBreached) || d.is(Phase.Held, Reason.CohortWorse)
        || d.is(Phase.Held, Reason.RestartTimedOut)) {
      if (!d.generationChanged()) {
        return d.keep(Optional.empty());  // frozen by onFailure: Hold until abort or a spec change
      }
      analyzer.ifPresent(a -> a.startOver(d.next));
      if (d.next.getRestart() != null && d.next.getRestart().getReadyAt() == null) {
        d.next.getRestart().setRequestedAt(Timestamps.format(d.now));  // a fresh restartTimeout
      }
      return resume(d, analyzer, "spec changed (generation " + d.generation + "), the analysis starts again");
    }
    if (analyzer.isPresent()) {
      Optional<Plan> measured = MetricsRound.measure(d, analyzer.get());
      if (measured.isPresent()) {
        return measured.get();
      }
      if (d.is(Phase.Held, Reason.MetricsUnavailable) || d.is(Phase.Held, Reason.QueryInvalid)
          || d.is(Phase.Held, Reason.SecretNotOptedIn)) {
        return d.keep(requeue(d, analyzer, Optional.empty()));  // only a round with answers ends it
      }
    }
    Optional<Plan> rollingOut = Restarts.rollingOut(d, analyzer);
    if (rollingOut.isPresent()) {
      return rollingOut.get();
    }
    if (d.schedule.endsBelow(d.weight())) {
      return hold(d, analyzer, new Gate.Verdict.Hold(Phase.Held, Reason.ScheduleEdited, "spec.steps now ends at"
          + " weight " + d.schedule.weight(d.schedule.size() - 1) + ", below the weight " + d.weight()
          + " already written; a spec edit never lowers the flag: abort to restore the original values, or"
          + " add a step at or above " + d.weight(), Notice.Kind.Warning));
    }
    Move move = Move.after(d);
    d.next.setNextStepAt(Timestamps.format(SoakGate.due(d, move)));
    String verdict = "";
    String soaked = "";
    for (Gate gate : gates) {
      Gate.Verdict v = gate.check(d, move);
      if (v instanceof Gate.Verdict.Wait w) {
        return waitFor(d, analyzer, move, w);
      }
      if (v instanceof Gate.Verdict.Hold h) {
        return hold(d, analyzer, h);
      }
      if (v instanceof Gate.Verdict.Revert r) {
        return Reverts.fail(d, r.line(), r.reason());
      }
      if (gate instanceof AnalysisGate || verdict.isEmpty()) {
        verdict = ((Gate.Verdict.Pass) v).line();
      }
      if (gate instanceof SoakGate) {
        soaked = ((Gate.Verdict.Pass) v).line();
      }
    }
    if (analyzer.isEmpty()) {
      verdict = soaked + ", no analysis";
    }
    if (move instanceof Move.EnterStep e) {
      return StepEntry.enter(d, e.index(), verdict, "");
    }
    return move instanceof Move.StartBake ? startBake(d, analyzer, verdict) : succeed(d, analyzer, verdict);
  }

  private static Plan waitFor(Draft d, Optional<Analyzer> analyzer, Move move, Gate.Verdict.Wait w) {
    Phase phase = move instanceof Move.Succeed ? Phase.Baking : Phase.Progressing;
    if (w.moveDue()) {
      d.next.setNextStepAt(Timestamps.format(w.until()));
    }
    if (w.reason().isPresent()) {
      if (!d.is(phase, w.reason().get()) || !w.line().equals(d.next.getLastDecision())) {
        d.decide(phase, w.reason().get(), w.line(), Notice.Kind.Normal);
      }
    } else if (d.phase() != phase) {
      d.decide(phase, Reason.Resumed, "resumed at weight " + d.weight() + ", step " + d.progress() + "; "
          + w.line(), Notice.Kind.Normal);
    }
    return d.keep(requeue(d, analyzer, Optional.of(w.until())));
  }

  private static Plan hold(Draft d, Optional<Analyzer> analyzer, Gate.Verdict.Hold h) {
    d.next.setNextStepAt(null);  // held until something changes: no time is known
    if (!d.is(h.phase(), h.reason())) {
      d.decide(h.phase(), h.reason(), h.line(), h.kind());
    }
    Optional<Instant> recheck = h.recheck() ? Optional.of(d.now.plus(d.settings.pendingRetryInterval()))
        : Optional.empty();
    return d.keep(requeue(d, analyzer, recheck));
  }

  /** Leaves a hold with a fresh soak of the current step. */
  private static Plan resume(Draft d, Optional<Analyzer> analyzer, String why) {
    Duration pause = d.schedule.pauseAt(d.weight());
    d.next.setStepStartedAt(Timestamps.format(d.now));
    d.next.setNextStepAt(Timestamps.format(d.now.plus(pause)));
    d.decide(Phase.Progressing, Reason.Resumed, "resumed at weight " + d.weight() + ", step " + d.progress() + ": "
        + why + "; the step soaks again until " + Timestamps.human(d.now.plus(pause)), Notice.Kind.Normal);
    return d.keep(requeue(d, analyzer, Optional.of(d.now.plus(pause))));
  }

  private static Plan startBake(Draft d, Optional<Analyzer> analyzer, String verdict) {
    Duration bake = SoakGate.bake(d);
    if (bake.isZero()) {
      return succeed(d, analyzer, verdict);
    }
    analyzer.ifPresent(a -> a.startOver(d.next));
    d.next.setBakeStartedAt(Timestamps.format(d.now));
    d.next.setNextStepAt(Timestamps.format(d.now.plus(bake)));
    d.decide(Phase.Baking, Reason.Baking, "step " + d.progress() + " at weight " + d.weight() + " passed ("
        + verdict + "); baking " + Durations.format(bake) + " until " + Timestamps.human(d.now.plus(bake)),
        Notice.Kind.Normal);
    return d.keep(requeue(d, analyzer, Optional.of(d.now.plus(bake))));
  }

  private static Plan succeed(Draft d, Optional<Analyzer> analyzer, String verdict) {
    d.closeRunningStep(StepOutcome.Passed, verdict);
    Duration soaked = d.schedule.pauseAt(d.weight()).plus(SoakGate.bake(d));
    d.next.setNextStepAt(null);
    return d.decide(Phase.Succeeded, Reason.Succeeded, "step " + d.progress() + " at weight " + d.weight()
            + (soaked.isZero() ? "" : " soaked " + Durations.format(soaked))
            + (analyzer.isPresent() ? " and passed analysis (" + verdict + ")" : "") + ": succeeded",
        Notice.Kind.Normal).keep(Optional.empty());
  }

  /** Looks again when the first of these is due: a gate's time, the next measurement, the resync. */
  private static Optional<Duration> requeue(Draft d, Optional<Analyzer> analyzer, Optional<Instant> until) {
    Duration requeue = d.settings.resyncInterval();
    for (Optional<Instant> t : List.of(until, MetricsRound.due(d, analyzer))) {
      if (t.isPresent()) {
        requeue = Durations.min(requeue, Duration.between(d.now, t.get()));
      }
    }
    return Optional.of(requeue);
  }
}
