package io.flagramp.analysis.cohort;

/**
 * What a rate such as errors/requests may do under the flag. Flag-on may exceed flag-off by
 * {@code allowedIncrease} (a proportion: 0.001 is 0.1 points) plus {@code allowedRelativeIncrease} of
 * flag-off's rate (0.5 is 50%); both zero means no increase at all. Each cohort needs
 * {@code minimumRequests} before the metric counts as sampled.
 *
 * <p>Allowances add rather than compete, so that one straight line separates allowed from not
 * (flag-on ≤ (1 + relative) × flag-off + absolute) and one test decides it: a relative allowance alone is
 * unforgiving when flag-off has almost no errors, an absolute one alone when it has many.
 */
public record RatesCheck(double allowedIncrease, double allowedRelativeIncrease, Boundary boundary,
    long minimumRequests) {

  public RatesCheck {
    if (!(allowedIncrease >= 0 && allowedIncrease < 1)) {
      throw new IllegalArgumentException("allowedIncrease must be a proportion in [0, 1), not " + allowedIncrease);
    }
    if (!(allowedRelativeIncrease >= 0 && Double.isFinite(allowedRelativeIncrease))) {
      throw new IllegalArgumentException("allowedRelativeIncrease must be >= 0, not " + allowedRelativeIncrease);
    }
    if (boundary == null) {
      throw new IllegalArgumentException("boundary is required");
    }
    if (minimumRequests < 0) {
      throw new IllegalArgumentException("minimumRequests must be >= 0, not " + minimumRequests);
    }
  }

  /**
   * The check the operator uses: verdicts at {@code confidence} (e.g. 0.95) from a {@link NormalMixtureBoundary},
   * valid however often the step is looked at.
   */
  public static RatesCheck of(double allowedIncrease, double allowedRelativeIncrease, double confidence,
      long minimumRequests) {
    return new RatesCheck(allowedIncrease, allowedRelativeIncrease, new NormalMixtureBoundary(confidence),
        minimumRequests);
  }

  /** Flag-on's rate is compared with this multiple of flag-off's. */
  double flagOffMultiple() {
    return 1 + allowedRelativeIncrease;
  }
}
