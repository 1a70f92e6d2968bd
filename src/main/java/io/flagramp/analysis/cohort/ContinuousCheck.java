package io.flagramp.analysis.cohort;

/**
 * What a continuous value such as a latency quantile may do under the flag, where higher is worse, and how
 * the step will be looked at.
 *
 * @param allowedIncrease how much higher flag-on may be than flag-off, relative (0.1 is 10% slower; 0 means
 *     not higher at all)
 * @param confidence of every verdict over the whole step, e.g. 0.95
 * @param minimumValues usable values each cohort needs, and the first interval at which the judge may
 *     decide; at least {@value #FEWEST_VALUES}, 10 or more in practice (see {@link ContinuousJudge})
 * @param plannedLooks the most intervals the step can last, its soak and any extension together: the error
 *     budget is spread over intervals {@code minimumValues..plannedLooks}, and a look past it stays Undecided
 */
public record ContinuousCheck(double allowedIncrease, double confidence, int minimumValues, int plannedLooks) {

  /**
   * The floor for the rank statistic's normal approximation: with 4 values each the smallest two-sided p-value
   * is already 2/C(8,4) = 2.9%, far from the per-look levels of a plan (about 0.1%).
   */
  public static final int FEWEST_VALUES = 5;

  public ContinuousCheck {
    if (!(allowedIncrease >= 0 && Double.isFinite(allowedIncrease))) {
      throw new IllegalArgumentException("allowedIncrease must be >= 0, not " + allowedIncrease);
    }
    if (!(confidence > 0.5 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be above 0.5 and below 1, not " + confidence);
    }
    if (minimumValues < FEWEST_VALUES) {
      throw new IllegalArgumentException("minimumValues must be >= " + FEWEST_VALUES + ", not " + minimumValues);
    }
    if (plannedLooks < minimumValues) {
      throw new IllegalArgumentException(
          "plannedLooks (" + plannedLooks + ") must be at least minimumValues (" + minimumValues + ")");
    }
  }

  /** How many looks share the error budget: one per interval from the minimum to the plan's end. */
  int spendingLooks() {
    return plannedLooks - minimumValues + 1;
  }
}
