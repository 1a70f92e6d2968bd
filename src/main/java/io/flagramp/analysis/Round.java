package io.flagramp.analysis;

import io.flagramp.api.v1alpha1.OnNoData;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What every judge of a round is told besides the answers.
 *
 * @param stageStart when the stage being judged began (the step's soak, or the bake): counts and
 *     values are of this stage only
 * @param at when the round is asked
 * @param interval the analysis interval
 * @param weight the weight the flag is at
 * @param baseline a threshold metric's baseline, when it has one measured with its current query
 * @param onNoData what no data does to a threshold metric
 * @param errorLimit failed queries in a row before the breaker trips
 * @param planned how long the stage can last at most (its pause, and how long an undecided step may be
 *     extended), over which a judge that spends an error budget per look spreads it
 */
public record Round(Instant stageStart, Instant at, Duration interval, int weight, Optional<Double> baseline,
    OnNoData onNoData, int errorLimit, Duration planned) {

  /** The same round for a metric with another baseline. */
  public Round withBaseline(Optional<Double> other) {
    return new Round(stageStart, at, interval, weight, other, onNoData, errorLimit, planned);
  }

  /** The same round asked or answered at {@code other}. */
  public Round at(Instant other) {
    return new Round(stageStart, other, interval, weight, baseline, onNoData, errorLimit, planned);
  }

  /** The most looks the stage can have: one an interval over its planned length, at least one. */
  public int plannedLooks() {
    long looks = planned.toMillis() / Math.max(1, interval.toMillis());
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, looks));
  }

  /** Whole seconds since the stage began, at least one: PromQL's range for counts of the stage so far. */
  public Duration sinceStageStart() {
    long seconds = Math.max(1, Duration.between(stageStart, at).toSeconds());
    return Duration.ofSeconds(seconds);
  }
}
