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
 */
public record Observation(ScalingChange change, Optional<ObservedFlag> flag, List<Claim> others, Instant now) {}
