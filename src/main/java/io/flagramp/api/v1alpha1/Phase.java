package io.flagramp.api.v1alpha1;

/**
 * Where a ScalingChange is in its life; with {@link Reason}, the state of the rollout (the transitions
 * are listed there). Terminal phases end an attempt: after RolledBack the {@code flagramp.io/retry}
 * annotation starts the next one from the first step; after Succeeded nothing does (abort first).
 *
 * <ul>
 *   <li>{@link #Pending}: not started yet; waits for its ConfigMap, for another change that writes
 *       the same key, or for a deploy window;
 *   <li>{@link #Progressing}: a step is applied and soaking (and, with analysis, being measured);
 *   <li>{@link #AwaitingApproval}: the next step has {@code approval: Manual}; it is entered once
 *       {@code flagramp.io/approve} gets a new value (measuring, and reverting, go on meanwhile);
 *   <li>{@link #Baking}: the last step passed; measuring on for spec.bake before Succeeded;
 *   <li>{@link #Paused}: {@code spec.suspend} is true, nothing advances;
 *   <li>{@link #Held}: frozen at the current weight: someone else changed the flag (ExternalChange), a
 *       metric failed with onFailure Hold (ThresholdBreached), Prometheus keeps failing
 *       (MetricsUnavailable) or a metric has no data after the soak (NoData);
 *   <li>{@link #Succeeded}: the last step passed its soak; terminal;
 *   <li>{@link #RolledBack}: the original values were restored; terminal;
 *   <li>{@link #Invalid}: the spec cannot work; waits for a fixed spec.
 * </ul>
 */
public enum Phase {
  Pending,
  Progressing,
  AwaitingApproval,
  Baking,
  Paused,
  Held,
  Succeeded,
  RolledBack,
  Invalid;

  /** Ends an attempt: a spec edit is observed and does nothing to the flag. */
  public boolean isTerminal() {
    return this == Succeeded || this == RolledBack;
  }
}
