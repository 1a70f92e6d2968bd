package io.flagramp.analysis.cohort;

/**
 * A boundary that holds at every look at once: Robbins' normal-mixture boundary, the one behind the
 * mixture sequential probability ratio test (mSPRT) of Johari et al. and the Gaussian-mixture confidence
 * sequences of Howard et al.
 *
 * <p>Why it is valid under repeated looks: for a statistic that grows like a random walk (a sum whose
 * variance is the information gathered), the likelihood ratio of "the difference is λ" against "the
 * difference is the allowance", averaged over a normal prior on λ, is a martingale that starts at 1 when
 * the flag is exactly at its allowance. Ville's inequality says such a martingale ever reaches 1/α with
 * probability at most α, however long and however often it is watched. The set of differences for which it
 * stays below 1/α is therefore a confidence sequence: with probability 1 − α it holds the true difference
 * at every look simultaneously, so a verdict drawn from it is wrong with probability at most α over the
 * whole step, not per look.
 *
 * <p>Solving "ratio ≥ 1/α" for z gives |z| ≥ √((1 + 1/x)(ln(1 + x) + 2 ln(1/α))), where x is the
 * information gathered divided by the prior's precision, the {@code evidence} of {@link #criticalZ}. The
 * boundary is infinite at x = 0, narrowest near x ≈ 8 (about 3.0 at 95%) and grows only like √ln x after
 * that; {@link RatesJudge} counts x in errors, so that it is narrowest after a handful of errors. The price
 * against a single-look interval (1.96 at 95%) is roughly 2.5 times the data for the same certainty; the
 * gain is that looking every interval costs nothing more.
 *
 * <p>What it does not cover: it is exact for a Gaussian random walk, and a difference of two rates is
 * Gaussian only as counts grow (a central limit theorem); {@link RatesJudge} says how it keeps small counts
 * honest, and the benchmark ({@code CohortJudgeBenchmark}) measures what is left. It is two-sided: the
 * chance of crossing on either side is at most 1 − confidence together, so each verdict's own error is in
 * theory about half that.
 */
public record NormalMixtureBoundary(double confidence) implements Boundary {

  public NormalMixtureBoundary {
    if (!(confidence > 0.5 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be above 0.5 and below 1, not " + confidence);
    }
  }

  @Override
  public double criticalZ(double evidence) {
    if (!(evidence > 0)) {
      return Double.POSITIVE_INFINITY;
    }
    double alpha = 1 - confidence;
    // log1p keeps the boundary exact while x is tiny (the first few requests of a small cohort).
    return Math.sqrt((1 + 1 / evidence) * (Math.log1p(evidence) - 2 * Math.log(alpha)));
  }
}
