package io.flagramp.api.v1alpha1;

/** The verdict of one measurement. */
public enum MetricResult {
  Pass,
  Fail,
  NoData,
  Error,
  /** A cohort metric without the evidence for Pass or Fail yet. */
  Undecided
}
