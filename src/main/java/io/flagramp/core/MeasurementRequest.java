package io.flagramp.core;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Queries the planner needs answered before it can decide; the reconciler runs them and plans again
 * with the answers in {@link Observation#measurements()}.
 *
 * @param kind a baseline before the first step, or a step's periodic measurement
 * @param queries each metric's name and the PromQL to evaluate now
 * @param samplesQuery the minSamples query, if the analysis has one
 * @param shareWithin the analysis interval: an identical query answered this recently may be reused
 */
public record MeasurementRequest(Kind kind, Map<String, String> queries, Optional<String> samplesQuery,
    Duration shareWithin) {

  public enum Kind {
    BASELINE,
    STEP
  }
}
