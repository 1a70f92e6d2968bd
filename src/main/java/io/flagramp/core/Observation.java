package io.flagramp.core;

import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the planner decides from, gathered by the reconciler.
 *
 * @param change the ScalingChange as last seen (spec, metadata, status)
 * @param flag the flag's keys and claims in the ConfigMap; empty when the ConfigMap does not exist
 * @param now the clock's time
 * @param measurements answers to the planner's last {@link MeasurementRequest}, taken at {@code now}
 * @param targets spec.restartTargets as read (only when the spec has any)
 */
public record Observation(ScalingChange change, Optional<ObservedFlag> flag, Instant now,
    Optional<Measurements> measurements, Map<RestartTarget, ObservedTarget> targets) {

  public Observation(ScalingChange change, Optional<ObservedFlag> flag, Instant now) {
    this(change, flag, now, Optional.empty(), Map.of());
  }

  public Observation(ScalingChange change, Optional<ObservedFlag> flag, Instant now,
      Map<RestartTarget, ObservedTarget> targets) {
    this(change, flag, now, Optional.empty(), targets);
  }

  public Observation withMeasurements(Measurements answers) {
    return new Observation(change, flag, now, Optional.of(answers), targets);
  }

  /** A restart target as read; missing when it was not found. */
  public ObservedTarget target(RestartTarget target) {
    return targets.getOrDefault(target, ObservedTarget.missing(target));
  }
}
