package io.flagramp.core;

import io.flagramp.api.v1alpha1.ScalingChange;
import java.time.Instant;
import java.util.Optional;

/**
 * Everything the planner decides from, gathered by the reconciler.
 *
 * @param change the ScalingChange as last seen (spec, metadata, status)
 * @param flag the flag's keys and claims in the ConfigMap; empty when the ConfigMap does not exist
 * @param now the clock's time
 * @param measurements answers to the planner's last {@link MeasurementRequest}, taken at {@code now}
 */
public record Observation(ScalingChange change, Optional<ObservedFlag> flag, Instant now,
    Optional<Measurements> measurements) {

  public Observation(ScalingChange change, Optional<ObservedFlag> flag, Instant now) {
    this(change, flag, now, Optional.empty());
  }

  public Observation withMeasurements(Measurements answers) {
    return new Observation(change, flag, now, Optional.of(answers));
  }
}
