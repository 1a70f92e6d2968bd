package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
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
}
