package io.flagramp.api.v1alpha1;

/** What deleting a ScalingChange mid-rollout does to the flag. */
public enum OnDelete {
  /** Put the original values back, removing keys that did not exist. */
  Restore,
  /** Leave the flag at its current values. */
  Keep
}
