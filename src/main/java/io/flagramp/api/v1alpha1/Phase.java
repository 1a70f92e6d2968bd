package io.flagramp.api.v1alpha1;

/**
 * Where a ScalingChange is in its life. Terminal phases end an attempt; a new generation or the
 * {@code flagramp.io/retry} annotation starts the next one from the first step.
 *
 * <ul>
 *   <li>{@link #Pending}: not started yet; waits for its ConfigMap or for another change that writes
 *       the same key;
 *   <li>{@link #Progressing}: a step is applied and soaking (and, with analysis, being measured);
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
  Baking,
  Paused,
  Held,
  Succeeded,
  RolledBack,
  Invalid;

  /** Ends an attempt: nothing more happens until a new generation or a retry. */
  public boolean isTerminal() {
    return this == Succeeded || this == RolledBack;
  }
}
