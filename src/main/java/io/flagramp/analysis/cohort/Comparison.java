package io.flagramp.analysis.cohort;

/**
 * Flag-on against flag-off for one metric, as data for status: the estimated difference, its interval at
 * the check's confidence (holding at every look of the step at once), and the largest difference allowed.
 * The verdict is Fail when the interval lies wholly above {@code allowed}, Pass when it lies wholly at or
 * below it.
 *
 * <p>Units are the judge's: for rates a difference of proportions (0.0031 is +0.31 points); for continuous
 * values a relative change (0.18 is 18% higher). An end not bounded yet is infinite.
 */
public record Comparison(double difference, double lower, double upper, double allowed) {

  public boolean bounded() {
    return Double.isFinite(lower) && Double.isFinite(upper);
  }
}
