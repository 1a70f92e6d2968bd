package io.flagramp.analysis;

import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.core.Measurement;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How one metric of {@code spec.analysis.metrics} is judged: what it asks Prometheus each round of a
 * step, and what a round's answers make of its entry in {@code status.metrics}. The analysis asks every
 * judge the same things in the same order, so a new kind of judgement is one more implementation:
 * {@link ThresholdJudge} (a value against bounds and a baseline) and {@link CohortJudge} (flag-on
 * against flag-off over the same minutes) are the two there are.
 *
 * <p>Pure and stateless: everything a judge carries from one round to the next is in the status it
 * returns, so a restart, a stale copy or a second replica judges the same round the same way.
 */
public interface MetricJudge {

  /** The metric's name, its entry in status.metrics. */
  String name();

  /**
   * What this round asks Prometheus, by a key unique in the analysis (a metric's own name, or its name
   * with a suffix after a character names may not hold).
   */
  Map<String, String> queries(Round round);

  /**
   * The keys of {@link #queries} whose answer must be evaluated afresh each round, never shared with
   * another asker's recent evaluation: a value that is counted as one sample per look.
   */
  default Set<String> unshared(Round round) {
    return Set.of();
  }

  /** The metric's next status from this round's answers (keyed as {@link #queries} asked). */
  MetricStatus judge(MetricStatus previous, Map<String, Measurement> answers, Round round);

  /** The metric has failed, and the step with it: the change reverts (or holds, as onFailure says). */
  boolean breached(MetricStatus status);

  /**
   * Whether the step may pass on this metric, measured in it: empty when it may, else why not.
   * {@code status} is this metric's latest, measured in the current step.
   */
  Optional<Blocked> blocks(MetricStatus status);

  /** The query of this round that failed first, if one did: what the breaker counts and on-call fixes. */
  default Optional<Measurement.Failed> failure(Map<String, Measurement> answers, Round round) {
    return queries(round).keySet().stream().map(answers::get)
        .filter(a -> a instanceof Measurement.Failed).map(a -> (Measurement.Failed) a).findFirst();
  }

  /** Why a step may not pass on a metric yet. */
  record Blocked(String line, boolean noData, boolean providerError, boolean undecided) {

    public static Blocked by(MetricStatus status, boolean undecided) {
      return new Blocked(status.getMessage(), status.getResult() == io.flagramp.api.v1alpha1.MetricResult.NoData,
          status.getResult() == io.flagramp.api.v1alpha1.MetricResult.Error, undecided);
    }
  }
}
