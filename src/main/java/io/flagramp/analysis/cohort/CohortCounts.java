package io.flagramp.analysis.cohort;

/**
 * One cohort's counts since its step began: requests, and how many of them were errors (or whatever
 * the rate counts as bad). Cumulative, as Prometheus' {@code increase(...)} over the step gives them, so
 * a planner needs to carry nothing between looks.
 */
public record CohortCounts(long errors, long requests) {

  public CohortCounts {
    if (requests < 0 || errors < 0 || errors > requests) {
      throw new IllegalArgumentException("need 0 <= errors <= requests, not " + errors + " of " + requests);
    }
  }

  /**
   * Counts as Prometheus gives them: {@code increase(...)} is a float, extrapolated to the window's edges, so
   * it is rounded here; a negative or missing (NaN) value counts as none, and errors are held to the
   * requests (the two series are extrapolated separately and can disagree by a fraction).
   */
  public static CohortCounts measured(double errors, double requests) {
    long n = wholeCount(requests);
    return new CohortCounts(Math.min(wholeCount(errors), n), n);
  }

  private static long wholeCount(double value) {
    return Double.isNaN(value) || value <= 0 ? 0 : Math.round(value);
  }

  /** errors / requests; only meaningful with requests. */
  public double rate() {
    return requests == 0 ? Double.NaN : (double) errors / requests;
  }
}
