package io.flagramp.analysis.cohort;

/**
 * Why a look came to its verdict, for status and for on-call: a decided verdict has {@link #Decided}; an
 * Undecided one says what it is waiting for. Names are CamelCase so that they can be a condition's reason.
 */
public enum Reason {
  /** Fail or Pass: the interval lies wholly on one side of the allowance. */
  Decided,
  /** A cohort has no requests (or no usable values) yet: nothing to compare, so never a Pass. */
  NoData,
  /**
   * A cohort is below the check's minimum sample. A Pass always waits for it. For rates a Fail does not (the
   * mixture boundary bounds its error at every sample size); for continuous values neither verdict comes
   * before the minimum, where the rank test's error budget starts.
   */
  BelowMinimum,
  /** The interval still holds the allowance: more data is needed either way. */
  StraddlesAllowance,
  /** A look past the looks the check planned for (continuous values only): no error budget is left. */
  PastPlannedLooks
}
