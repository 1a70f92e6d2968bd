package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.UndecidedAction;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The metrics: every metric passed at least once in this step (or bake) and passes now, and
 * minSamples is met. Missing data is never a pass: once the soak is over it holds the change. The
 * periodic measuring itself, and what a failing metric does, are {@link MetricsRound}'s.
 */
final class AnalysisGate implements Gate {

  private final Analyzer analyzer;

  AnalysisGate(Analyzer analyzer) {
    this.analyzer = analyzer;
  }

  @Override
  public Verdict check(Draft d, Move move) {
    if (d.weight() == null) {
      return new Verdict.Pass("first step");
    }
    Analyzer.Gate gate = analyzer.gate(d.next);
    if (gate.passing()) {
      return new Verdict.Pass(gate.line());
    }
    if (gate.undecided()) {
      return undecided(d, move, gate);
    }
    if (gate.noData()) {
      return new Verdict.Hold(Phase.Held, Reason.NoData, gate.line() + ": holding at weight " + d.weight()
          + " until it has data", Notice.Kind.Warning);
    }
    var until = analyzer.nextMeasurement(d.next);
    boolean queryFailing = d.reason() == Reason.MetricsUnavailable || d.reason() == Reason.QueryInvalid;
    if ((gate.providerError() && queryFailing) || move instanceof Move.Succeed) {
      // The failing query (or the bake) is the news, not the wait.
      return new Verdict.Wait(until, Optional.empty(), gate.line());
    }
    var pause = d.schedule.pauseAt(d.weight());
    return new Verdict.Wait(until, Optional.of(Reason.AwaitingAnalysis), "step " + d.progress()
        + (pause.isZero() ? " at weight " + d.weight() : " soaked " + Durations.format(pause))
        + "; waiting for a passing analysis");
  }

  /**
   * A cohort metric has no verdict yet, its soak over: a promote lets the step go on (a person's
   * decision, recorded); within the extension it soaks on; past it, it holds or reverts as the spec
   * says. A Fail is never waited for here: the round that finds it reverts.
   */
  private Verdict undecided(Draft d, Move move, Analyzer.Gate gate) {
    Optional<io.flagramp.api.v1alpha1.ActionRecord> promoted = SoakGate.promotion(d, move);
    if (promoted.isPresent()) {
      return new Verdict.Pass(gate.line() + "; promoted by " + promoted.get().getBy() + " while undecided");
    }
    Duration stage = MetricsRound.stageLength(d);
    Instant soaked = SoakGate.due(d, move);
    Instant limit = soaked.plus(analyzer.extension(stage));
    if (d.now.isBefore(limit)) {
      return new Verdict.Wait(analyzer.nextMeasurement(d.next), Optional.of(Reason.Undecided), gate.line()
          + "; step " + d.progress() + " extended until " + Timestamps.human(limit)
          + " (spec.analysis.cohorts.undecided)");
    }
    String line = gate.line() + "; still undecided " + Durations.format(Duration.between(
        Timestamps.parse(d.next.getStepStartedAt()), d.now).withNanos(0)) + " into step " + d.progress();
    if (analyzer.onUndecided() == UndecidedAction.Revert) {
      return new Verdict.Revert(Reason.Undecided, line + " (spec.analysis.cohorts.undecided.action: Revert)");
    }
    return new Verdict.Hold(Phase.Held, Reason.Undecided, line + ": holding at weight " + d.weight()
        + ", judging on; promote (flagramp.io/promote) to go on, or abort", Notice.Kind.Warning);
  }
}
