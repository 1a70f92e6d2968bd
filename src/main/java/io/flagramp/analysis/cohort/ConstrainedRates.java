package io.flagramp.analysis.cohort;

import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * The most likely flag-on and flag-off rates given both cohorts' counts, under the constraint
 * flag-on = k × flag-off + δ, and the variance of flag-on − k × flag-off there.
 *
 * <p>This is the score test's variance (Farrington and Manning; Miettinen and Nurminen for k = 1): measured
 * where the hypothesis puts the rates rather than where the data happened to fall. The difference matters
 * with few errors: with 0 errors in 2,000 flag-on requests the observed variance is 0, and a test built on
 * it would call any increase impossible; under the hypothesis "flag-on is 0.1 points worse" the variance is
 * that of a 0.1% rate, and the test needs about 9,000 clean requests before it believes it.
 */
final class ConstrainedRates {

  /**
   * The rates at the constrained maximum, the variance of their contrast there, and how many errors that
   * variance is made of ({@link #evidence}).
   */
  record Fit(double flagOn, double flagOff, double variance, double evidence) {}

  private static final double EDGE = 1e-12;

  private final long onErrors;
  private final long onRequests;
  private final long offErrors;
  private final long offRequests;
  private final double multiple;

  ConstrainedRates(CohortCounts flagOn, CohortCounts flagOff, double multiple) {
    this.onErrors = flagOn.errors();
    this.onRequests = flagOn.requests();
    this.offErrors = flagOff.errors();
    this.offRequests = flagOff.requests();
    this.multiple = multiple;
  }

  /** The contrast's lowest and highest possible values: flag-on 0 and flag-off 1, flag-on 1 and flag-off 0. */
  double lowest() {
    return -multiple;
  }

  double highest() {
    return 1;
  }

  /** The fit with flag-on = multiple × flag-off + delta, for delta strictly between lowest() and highest(). */
  Fit fit(double delta) {
    double low = Math.max(0, -delta / multiple);
    double high = Math.min(1, (1 - delta) / multiple);
    double inset = (high - low) * EDGE;
    UnivariateFunction slope = flagOff -> slope(flagOff, delta);
    double flagOff;
    // The log-likelihood is concave along the constraint, so its slope falls: the maximum is at an end
    // when the slope has one sign throughout (a cohort without errors, or without successes), else at the
    // slope's one root.
    if (slope.value(low + inset) <= 0) {
      flagOff = low;
    } else if (slope.value(high - inset) >= 0) {
      flagOff = high;
    } else {
      flagOff = new BrentSolver(1e-12, 1e-16).solve(200, slope, low + inset, high - inset);
    }
    double flagOn = Math.min(1, Math.max(0, multiple * flagOff + delta));
    double onSpread = flagOn * (1 - flagOn);
    double offSpread = multiple * multiple * flagOff * (1 - flagOff);
    double variance = onSpread / onRequests + offSpread / offRequests;
    return new Fit(flagOn, flagOff, variance, evidence(variance, onSpread, offSpread));
  }

  /**
   * How close to normal the contrast's estimate is, counted in errors. One cohort's rate is as normal as a
   * Poisson count with mean n·p(1 − p), about its errors while they are rare (or its successes when they
   * are). The contrast mixes both cohorts by their shares w of the variance, and a sum is as normal as
   * 1 / Σ w² / count: about flag-on's expected errors when flag-on is small, flag-off's when flag-off is,
   * and never less than the cohort that dominates. 0 when the fit has no errors anywhere.
   */
  private double evidence(double variance, double onSpread, double offSpread) {
    // Σ w_i² / count_i with w_i = (spread_i / n_i) / variance and count_i = n_i·p_i(1 − p_i) (flag-off's
    // spread carries the multiple squared, its count does not), written without dividing by a spread that
    // may be 0.
    double spreadOverCounts = onSpread / Math.pow(onRequests, 3)
        + multiple * multiple * offSpread / Math.pow(offRequests, 3);
    return spreadOverCounts > 0 ? variance * variance / spreadOverCounts : 0;
  }

  /** d/dp0 of the log-likelihood along the constraint; a count of zero contributes nothing, not 0/0. */
  private double slope(double flagOff, double delta) {
    double flagOn = multiple * flagOff + delta;
    double slope = 0;
    if (onErrors > 0) {
      slope += multiple * onErrors / flagOn;
    }
    if (onRequests > onErrors) {
      slope -= multiple * (onRequests - onErrors) / (1 - flagOn);
    }
    if (offErrors > 0) {
      slope += offErrors / flagOff;
    }
    if (offRequests > offErrors) {
      slope -= (offRequests - offErrors) / (1 - flagOff);
    }
    return slope;
  }
}
