package io.flagramp.core;

import io.flagramp.api.v1alpha1.ScalingChange;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything the planner decides from, gathered by the reconciler.
 *
 * @param change the ScalingChange as last seen (spec, metadata, status)
 * @param flag the flag's keys in the ConfigMap; empty when the ConfigMap does not exist
 * @param others what the other ScalingChanges in the namespace write
 * @param now the clock's time
 * @param measurements answers to the planner's last {@link MeasurementRequest}, taken at {@code now}
 */
public record Observation(ScalingChange change, Optional<ObservedFlag> flag, List<Claim> others, Instant now,
    Optional<Measurements> measurements) {

  public Observation(ScalingChange change, Optional<ObservedFlag> flag, List<Claim> others, Instant now) {
    this(change, flag, others, now, Optional.empty());
  }

  public Observation withMeasurements(Measurements answers) {
    return new Observation(change, flag, others, now, Optional.of(answers));
  }
}
