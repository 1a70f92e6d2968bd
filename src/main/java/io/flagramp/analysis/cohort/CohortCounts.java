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

  /** errors / requests; only meaningful with requests. */
  public double rate() {
    return requests == 0 ? Double.NaN : (double) errors / requests;
  }
}
