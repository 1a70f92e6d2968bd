package io.flagramp.analysis.cohort;

import java.util.Optional;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * Judges a rate such as errors/requests by comparing the flag-on cohort with the flag-off cohort over the
 * same minutes, from each cohort's counts since the step began. Pure: the counts and the check in, a
 * {@link RatesJudgement} out; nothing is carried from one look to the next.
 *
 * <p>The method, in plain words. The question is whether flag-on's rate exceeds (1 + relative) × flag-off's
 * rate + absolute, the allowance. At every look the judge computes a z statistic for "the flag sits exactly
 * at its allowance": how many standard errors the observed contrast lies above it, with the standard error
 * taken where the allowance puts the rates ({@link ConstrainedRates}, the score test of two proportions).
 * It compares z with {@link NormalMixtureBoundary}, a boundary that a statistic at the allowance crosses
 * with probability at most 1 − confidence over all looks together, not at each one. So:
 *
 * <ul>
 *   <li>Fail: z above the boundary. A flag at or inside its allowance gets this verdict at any look of a
 *       step with probability at most 1 − confidence (5% at 95%), however many looks the step has.
 *   <li>Pass: z below minus the boundary, and both cohorts at the check's minimum sample; a flag worse than
 *       allowed gets it with the same small probability. Below the minimum it is Undecided
 *       ({@link Reason#BelowMinimum}); a Fail does not wait for the minimum, since its error is bounded at
 *       every sample size.
 *   <li>Undecided otherwise ({@link Reason#StraddlesAllowance}); and always when a cohort has no requests
 *       ({@link Reason#NoData}), or neither has errors and no increase is allowed (nothing to compare yet).
 * </ul>
 *
 * The interval in the judgement is the set of contrasts the same test does not reject, so the verdict and
 * the interval agree: Fail exactly when the interval lies above the allowance, Pass when it lies at or below.
 *
 * <p>Why this method: a test built for one look, repeated every interval, rejects a healthy flag far more
 * often than it says (the benchmark measures it). A mixture sequential test needs no plan of how many looks
 * there will be and no state beyond the counts, which Prometheus keeps. Exact sequential tests for two
 * binomials exist, but not for an absolute allowance with an unknown flag-off rate; the normal mixture on
 * the score statistic handles both allowances with one formula.
 *
 * <p>Small counts. The guarantee is asymptotic: it holds as the errors counted grow. Two choices keep it
 * honest with few errors, the usual case for a small weight: the variance under the allowance (0 errors
 * is not a variance of 0), and the boundary's evidence counted as the flag-on rate at the allowance
 * squared over the variance, which is about the number of errors expected in the smaller cohort. The
 * boundary is then widest (infinite with none expected) exactly where a count is least like a normal
 * variable, so one early error in a small cohort cannot fail a flag. The benchmark checks the level at
 * 0.2% and 0.01% error rates and 1% weights.
 *
 * <p>What the caller keeps between looks: nothing but when the step began. Each look reads both cohorts'
 * cumulative counts since then from Prometheus ({@code increase(...[<time since the step began>])}) and
 * passes them in; the boundary needs no look count, so a restart, a missed interval or an extra look changes
 * nothing. Counts must only grow within a step: a new step starts them again from zero.
 *
 * <p>What it assumes: requests are independent and each cohort's rate is steady within the step. A rate
 * that changes during the step is judged on its average so far; a flag that turns bad late shows up late.
 */
public final class RatesJudge {

  private static final double SOLVER_RELATIVE = 1e-9;
  private static final double SOLVER_ABSOLUTE = 1e-12;

  private RatesJudge() {}

  /**
   * One look at the step so far.
   *
   * @param metric the metric's name, first word of the on-call line
   * @param flagOn the flag-on cohort's errors and requests since the step began (cumulative)
   * @param flagOff the flag-off cohort's, over the same minutes
   * @param check the allowances, the confidence and the minimum sample
   */
  public static RatesJudgement judge(String metric, CohortCounts flagOn, CohortCounts flagOff, RatesCheck check) {
    boolean sampled = flagOn.requests() >= check.minimumRequests() && flagOff.requests() >= check.minimumRequests();
    if (flagOn.requests() == 0 || flagOff.requests() == 0) {
      return new RatesJudgement(metric, Verdict.Undecided, Reason.NoData, flagOn, flagOff, Optional.empty(), check,
          sampled);
    }
    Look look = new Look(flagOn, flagOff, check);
    double allowance = check.allowedIncrease();
    double z = look.z(allowance, look.atAllowance);
    double critical = look.criticalZ(look.atAllowance);
    Verdict verdict;
    Reason reason;
    // No evidence is an infinite boundary, which even an infinite z (a fit without variance) must not cross.
    if (z >= critical && Double.isFinite(critical)) {
      verdict = Verdict.Fail;
      reason = Reason.Decided;
    } else if (!sampled) {
      verdict = Verdict.Undecided;
      reason = Reason.BelowMinimum;
    } else if (z <= -critical && Double.isFinite(critical)) {
      verdict = Verdict.Pass;
      reason = Reason.Decided;
    } else {
      verdict = Verdict.Undecided;
      reason = Reason.StraddlesAllowance;
    }
    // Shown beside the plain difference: with a relative allowance the tested contrast is
    // flag-on − (1 + r) × flag-off, moved here by r × flag-off so both read as a difference in points.
    // A difference of two proportions lies in [-1, 1]; the shifted contrast's ends may not, so they are held
    // there.
    double shift = check.allowedRelativeIncrease() * flagOff.rate();
    Comparison comparison = new Comparison(flagOn.rate() - flagOff.rate(), Math.max(-1, look.lowerEnd() + shift),
        Math.min(1, look.upperEnd() + shift), allowance + shift);
    return new RatesJudgement(metric, verdict, reason, flagOn, flagOff, Optional.of(comparison), check, sampled);
  }

  /** One look: the counts, the estimate and the fit at the allowance, from which both ends are sought. */
  private static final class Look {

    final ConstrainedRates rates;
    final double estimate;
    final Boundary boundary;
    final ConstrainedRates.Fit atAllowance;
    /** Where to start looking for an end: a few standard errors out, the typical half-width. */
    final double firstStep;

    Look(CohortCounts flagOn, CohortCounts flagOff, RatesCheck check) {
      this.rates = new ConstrainedRates(flagOn, flagOff, check.flagOffMultiple());
      this.estimate = flagOn.rate() - check.flagOffMultiple() * flagOff.rate();
      this.boundary = check.boundary();
      this.atAllowance = rates.fit(check.allowedIncrease());
      double margin = 1e-12;
      double atEstimate = rates.fit(Math.max(rates.lowest() + margin, Math.min(rates.highest() - margin, estimate)))
          .variance();
      this.firstStep = Math.max(3 * Math.sqrt(Math.max(atAllowance.variance(), atEstimate)), 1e-9);
    }

    double z(double delta, ConstrainedRates.Fit fit) {
      if (fit.variance() > 0) {
        return (estimate - delta) / Math.sqrt(fit.variance());
      }
      return estimate == delta ? 0 : Math.copySign(Double.POSITIVE_INFINITY, estimate - delta);
    }

    double criticalZ(ConstrainedRates.Fit fit) {
      return boundary.criticalZ(fit.evidence());
    }

    /** The lowest contrast the test does not reject: where z falls to the boundary below the estimate. */
    double lowerEnd() {
      return end(delta -> {
        ConstrainedRates.Fit fit = rates.fit(delta);
        return z(delta, fit) - criticalZ(fit);
      }, -1, rates.lowest());
    }

    double upperEnd() {
      return end(delta -> {
        ConstrainedRates.Fit fit = rates.fit(delta);
        return -z(delta, fit) - criticalZ(fit);
      }, 1, rates.highest());
    }

    /**
     * The root of {@code excess} (negative at the estimate, positive once a contrast is rejected) going from
     * the estimate in {@code direction}, or the contrast's limit when nothing up to it is rejected.
     */
    private double end(DoubleUnaryOperator rawExcess, int direction, double limit) {
      // Brent interpolates: an infinite boundary (no evidence at the estimate) must reach it as a number.
      DoubleUnaryOperator excess = delta -> Math.max(-1e9, Math.min(1e9, rawExcess.applyAsDouble(delta)));
      double inside = estimate;
      double room = Math.abs(limit - estimate);
      double step = Math.min(room / 2, firstStep);
      while (true) {
        double outside = estimate + direction * step;
        if (excess.applyAsDouble(outside) > 0) {
          double low = Math.min(inside, outside);
          double high = Math.max(inside, outside);
          return new BrentSolver(SOLVER_RELATIVE, SOLVER_ABSOLUTE).solve(200, excess::applyAsDouble, low, high);
        }
        inside = outside;
        if (step >= room * (1 - 1e-9)) {
          return limit;
        }
        step = Math.min(step * 2, room * (1 - 1e-12));
      }
    }
  }
}
