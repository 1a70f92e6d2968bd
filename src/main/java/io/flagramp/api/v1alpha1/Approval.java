package io.flagramp.api.v1alpha1;

/** Whether a step may be entered by itself once its gates pass, or only after a person approved it. */
public enum Approval {
  /** Entered as soon as the previous step passed (the default). */
  Auto,
  /** Entered only after {@code flagramp.io/approve} gets a new value while the change awaits it. */
  Manual
}
