package io.flagramp.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Queries the planner needs answered before it can decide; the reconciler runs them and plans again
 * with the answers in {@link Observation#measurements()}.
 *
 * @param kind a baseline, or a step's periodic measurement
 * @param queries each metric's name and the PromQL to evaluate
 * @param samplesQuery the minSamples query, if the analysis has one
 * @param shareWithin the analysis interval: an identical query answered this recently may be reused
 * @param at the evaluation time when it is not now (a baseline measured again mid-rollout is
 *     evaluated at the moment before the attempt's first write)
 * @param alongside another request answered in the same round (that baseline, with a step's round)
 * @param since for a step's round: when the stage it judges (the attempt's step, or the bake) started.
 *     Answers belong to that stage: ones taken before it are never its measurements, so a request of
 *     another stage (a new step, a new attempt) is another request, and nothing kept for one answers
 *     the other. Empty for a baseline
 * @param unshared the queries whose every answer must be a new evaluation, never one shared with an
 *     earlier asker within {@link #shareWithin}: a cohort metric's values, one per look, each of which
 *     the rank test counts as a sample of its own
 */
public record MeasurementRequest(Kind kind, Map<String, String> queries, Optional<String> samplesQuery,
    Duration shareWithin, Optional<Instant> at, Optional<MeasurementRequest> alongside, Optional<Instant> since,
    Set<String> unshared) {

  public MeasurementRequest(Kind kind, Map<String, String> queries, Optional<String> samplesQuery,
      Duration shareWithin, Optional<Instant> at, Optional<MeasurementRequest> alongside, Optional<Instant> since) {
    this(kind, queries, samplesQuery, shareWithin, at, alongside, since, Set.of());
  }

  public MeasurementRequest(Kind kind, Map<String, String> queries, Optional<String> samplesQuery,
      Duration shareWithin) {
    this(kind, queries, samplesQuery, shareWithin, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public MeasurementRequest(Kind kind, Map<String, String> queries, Optional<String> samplesQuery,
      Duration shareWithin, Optional<Instant> at, Optional<MeasurementRequest> alongside) {
    this(kind, queries, samplesQuery, shareWithin, at, alongside, Optional.empty());
  }

  public MeasurementRequest with(MeasurementRequest other) {
    return new MeasurementRequest(kind, queries, samplesQuery, shareWithin, at, Optional.of(other), since, unshared);
  }

  /** The same request for the stage that started at {@code start}. */
  public MeasurementRequest since(Instant start) {
    return new MeasurementRequest(kind, queries, samplesQuery, shareWithin, at, alongside, Optional.of(start),
        unshared);
  }

  /** The same request with {@code keys} asked afresh every time (see {@link #unshared}). */
  public MeasurementRequest unshared(Set<String> keys) {
    return new MeasurementRequest(kind, queries, samplesQuery, shareWithin, at, alongside, since, Set.copyOf(keys));
  }

  /** How long an answer to the query {@code key} may be shared with an earlier asker. */
  public Duration shareWithin(String key) {
    return unshared.contains(key) ? Duration.ZERO : shareWithin;
  }

  /**
   * Answers taken at {@code taken} may be judged for this request at {@code now}: not before its stage
   * started, and not older than one interval ({@link #shareWithin}); answers for a fixed evaluation time
   * ({@link #at}), and a {@link Kind#CHECK} that asks nothing, do not age.
   */
  public boolean fresh(Instant taken, Instant now) {
    if (since.isPresent() && taken.isBefore(since.get())) {
      return false;
    }
    // A check asks nothing of Prometheus: there is no measurement to age.
    return kind == Kind.CHECK || at.isPresent() || !taken.isBefore(now.minus(shareWithin));
  }

  public enum Kind {
    BASELINE,
    STEP,
    /** No query: only whether the operator may ask at all (the credentials' opt-in), before the first write. */
    CHECK
  }

  /** Whether the credentials may be used, asking nothing. */
  public static MeasurementRequest check() {
    return new MeasurementRequest(Kind.CHECK, Map.of(), Optional.empty(), Duration.ZERO);
  }
}
