package io.flagramp.analysis.cohort;

/**
 * How far, in standard errors, an estimate must lie from the allowance before {@link RatesJudge} decides.
 * The judge computes a z statistic at the allowance and the evidence gathered so far; the boundary says how
 * large |z| must be.
 *
 * <p>The operator uses {@link NormalMixtureBoundary}, which stays valid however often it is asked. A
 * fixed critical value (1.96 at 95%) is the textbook interval; it is valid for one look only, which is why
 * it is not offered here (the benchmark builds one to show what it costs).
 */
public interface Boundary {

  /** The confidence of every verdict, e.g. 0.95. */
  double confidence();

  /**
   * The smallest |z| that decides, given the evidence gathered so far, counted about in errors (see
   * {@link RatesJudge}; 0 means none, and the boundary is then infinite).
   */
  double criticalZ(double evidence);
}
