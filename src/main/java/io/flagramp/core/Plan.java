package io.flagramp.core;

import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The planner's answer: at most one ConfigMap write, then the status to record, an Event when
 * something changed, and when to look again.
 *
 * @param write the ConfigMap write to make first, if any
 * @param status the status to record afterwards (written only if it differs from the observed one)
 * @param notice the Event for this transition, if it is one
 * @param requeueAfter when to reconcile again without an event; empty means only on the next event
 * @param measure queries to answer first: when present, nothing else of this plan is to be carried
 *     out; plan again with the answers
 * @param restarts workloads to restart after the ConfigMap write (status.restart records them first)
 * @param notes Events that come before {@code notice} and are not a transition (a spec edit observed)
 */
public record Plan(Optional<FlagWrite> write, ScalingChangeStatus status, Optional<Notice> notice,
    Optional<Duration> requeueAfter, Optional<MeasurementRequest> measure, List<Restart> restarts,
    List<Notice> notes) {

  public Plan(Optional<FlagWrite> write, ScalingChangeStatus status, Optional<Notice> notice,
      Optional<Duration> requeueAfter) {
    this(write, status, notice, requeueAfter, Optional.empty(), List.of(), List.of());
  }

  static Plan measureFirst(ScalingChangeStatus unchanged, MeasurementRequest request) {
    return new Plan(Optional.empty(), unchanged, Optional.empty(), Optional.empty(), Optional.of(request), List.of(),
        List.of());
  }
}
