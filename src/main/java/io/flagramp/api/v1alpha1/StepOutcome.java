package io.flagramp.api.v1alpha1;

/** How a step in the history ended. */
public enum StepOutcome {
  /** The step is the current one. */
  Running,
  /** The step soaked and the change moved on (or succeeded). */
  Passed,
  /** The original values were restored during this step. */
  RolledBack
}
