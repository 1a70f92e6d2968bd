package io.flagramp.api.v1alpha1;

/** What a step does when a cohort metric stays undecided past its pause. */
public enum UndecidedAction {
  Extend,
  Hold,
  Revert
}
