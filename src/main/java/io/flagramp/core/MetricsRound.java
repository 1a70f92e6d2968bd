package io.flagramp.core;

import io.flagramp.analysis.Round;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a round of measurements means for the change: taking the baseline before the first step, and
 * the periodic measurement while a step soaks, holds and bakes. A metric that failed failureLimit
 * times in a row fails the change; a Prometheus failing consecutiveErrorLimit times trips the breaker;
 * only a round that got answers ends a hold for metrics.
 */
final class MetricsRound {

  private MetricsRound() {}

  /**
   * The baseline before the first step, then {@code enter} (which writes the first step) when it is
   * taken; otherwise the wait, the hold or the failure it leads to.
   */
  static Plan baseline(Draft d, Analyzer a, Function<String, Plan> enter) {
    if (!d.measured(MeasurementRequest.Kind.BASELINE)) {
      return d.measureFirst(a.baselineRequest());
    }
    Optional<Plan> refused = refused(d);
    if (refused.isPresent()) {
      return refused.get();
    }
    Analyzer.Outcome outcome = a.recordBaseline(d.next, d.o.measurements().get());
    return switch (outcome.kind()) {
      case OK -> enter.apply(outcome.line() + "; ");
      case PROVIDER_DOWN -> providerDown(d, a, outcome.line(), outcome.cause());
      case FAILED -> Reverts.fail(d, outcome.line(), Reason.NoData);
      default -> d.decide(Phase.Progressing, Reason.BaselineUnavailable, outcome.line() + "; measuring the baseline"
              + " again in " + Durations.format(a.interval()), Notice.Kind.Warning)
          .keep(Optional.of(a.interval()));
    };
  }

  /**
   * The periodic round of a running change, when due: empty when the rollout goes on to its gates,
   * or the plan it leads to (measure first, revert, hold).
   */
  static Optional<Plan> measure(Draft d, Analyzer a) {
    if (d.now.isBefore(a.nextMeasurement(d.next))) {
      return Optional.empty();
    }
    Round round = round(d, a);
    MeasurementRequest asked = a.stepRequest(round).since(a.stageStart(d.next));
    if (!d.measured(MeasurementRequest.Kind.STEP)
        || !asked.fresh(d.o.measurements().get().at(), d.now)) {
      // Answers of another stage (an earlier step or attempt), or older than one interval, are never
      // judged as this stage's: they are asked for afresh.
      MeasurementRequest request = asked;
      List<MetricCheck> stale = a.staleBaselines(d.next);
      if (!stale.isEmpty()) {
        // The spec changed a maxIncrease metric's query or the window: its baseline is measured again
        // in the same round, at the moment before the attempt's first write.
        request = request.with(a.baselineRequest(stale, Optional.of(Timestamps.parse(d.next.getBaselineAt()))));
      }
      return Optional.of(d.measureFirst(request));
    }
    Optional<Plan> refused = refused(d);
    if (refused.isPresent()) {
      return refused;
    }
    d.o.measurements().get().alongside().ifPresent(answers -> a.recordRebaseline(d.next, answers));
    Analyzer.Outcome outcome = a.judgeStep(d.next, d.o.measurements().get(), round);
    switch (outcome.kind()) {
      case FAILED -> {
        return Optional.of(Reverts.fail(d, outcome.line(), outcome.cause()));
      }
      case PROVIDER_DOWN -> {
        return Optional.of(providerDown(d, a, outcome.line(), outcome.cause()));
      }
      case ERRORING -> {
        // Said at once, not only when the breaker trips: the phase stays, the reason and the line say why.
        if (d.phase() == Phase.Progressing || d.phase() == Phase.Baking || d.phase() == Phase.AwaitingApproval) {
          d.decide(d.phase(), outcome.cause(), outcome.line(), Notice.Kind.Warning);
        }
      }
      default -> {
        boolean answeredAgain = (d.reason() == Reason.MetricsUnavailable || d.reason() == Reason.QueryInvalid
            || d.reason() == Reason.SecretNotOptedIn)
            && d.phase() != Phase.RolledBack;
        boolean dataAgain = d.is(Phase.Held, Reason.NoData) && !a.gate(d.next).noData();
        if (answeredAgain || dataAgain) {
          Phase phase = d.next.getBakeStartedAt() != null ? Phase.Baking : Phase.Progressing;
          d.decide(phase, Reason.Resumed, "resumed at weight " + d.weight() + ", step " + d.progress() + ": "
              + (dataAgain ? "the metrics have data again" : "Prometheus answers again"), Notice.Kind.Normal);
        }
      }
    }
    return Optional.empty();
  }

  /** This stage's round now: the stage may last its pause (or bake), and the extension an undecided one gets. */
  static Round round(Draft d, Analyzer a) {
    Duration stage = stageLength(d);
    return a.round(d.next, d.now, d.weight(), stage.plus(a.extension(stage)));
  }

  /** The current stage's planned length: the bake, or the step's pause. */
  static Duration stageLength(Draft d) {
    return d.next.getBakeStartedAt() != null && !Timestamps.parse(d.next.getBakeStartedAt())
        .isBefore(Timestamps.parse(d.next.getStepStartedAt())) ? SoakGate.bake(d) : d.schedule.pauseAt(d.weight());
  }

  /**
   * Before the first write with credentials: may they be used at all? Asks nothing of Prometheus;
   * empty when they may (or there are none).
   */
  static Optional<Plan> credentialsRefused(Draft d) {
    if (d.spec().getAnalysis().getPrometheus() == null
        || d.spec().getAnalysis().getPrometheus().getAuthSecretRef() == null) {
      return Optional.empty();
    }
    if (!d.measured(MeasurementRequest.Kind.CHECK)) {
      return Optional.of(d.measureFirst(MeasurementRequest.check()));
    }
    return refused(d);
  }

  /**
   * The round was refused before anything was sent (the auth Secret did not opt in): held (Invalid
   * before the first write), and asked again regularly.
   */
  private static Optional<Plan> refused(Draft d) {
    Optional<String> why = d.o.measurements().flatMap(Measurements::refused);
    if (why.isEmpty()) {
      return Optional.empty();
    }
    Phase phase = d.started() ? Phase.Held : Phase.Invalid;
    String line = why.get() + (d.weight() == null ? "" : "; holding at weight " + d.weight());
    if (!d.is(phase, Reason.SecretNotOptedIn) || !line.equals(d.next.getLastDecision())) {
      d.decide(phase, Reason.SecretNotOptedIn, line, Notice.Kind.Warning);
    }
    return Optional.of(d.keep(Optional.of(d.settings.pendingRetryInterval())));
  }

  /** The circuit breaker tripped: hold and keep asking, or fail the change. */
  static Plan providerDown(Draft d, Analyzer a, String line, Reason cause) {
    if (a.onProviderError() == ProviderErrorAction.Fail) {
      return Reverts.fail(d, line, cause);
    }
    if (d.is(Phase.Held, cause)) {
      return d.keep(Optional.of(a.interval()));  // still down: counters move in status.metrics, the decision stays
    }
    String where = d.weight() == null ? "before the first step" : "at weight " + d.weight();
    return d.decide(Phase.Held, cause, line + ": holding " + where + (cause == Reason.QueryInvalid
        ? " until the query is fixed (spec.analysis.metrics[].query)" : " until Prometheus answers"),
        Notice.Kind.Warning).keep(Optional.of(a.interval()));
  }

  /** When the next round is due, for a requeue. */
  static Optional<Instant> due(Draft d, Optional<Analyzer> a) {
    return a.map(x -> x.nextMeasurement(d.next));
  }
}
