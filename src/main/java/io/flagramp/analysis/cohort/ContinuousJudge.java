package io.flagramp.analysis.cohort;

import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Judges a continuous value, such as a latency quantile measured once an interval in each cohort, from the
 * two series gathered since the step began. Pure: the series and the check in, a {@link ContinuousJudgement}
 * out.
 *
 * <p>The method, in plain words: Kayenta's rank test, with the allowance built in and its error budget
 * split over the looks. Flag-off's values are first raised by the allowance (× 1.1 for 10%); then the
 * Mann–Whitney U statistic counts the pairs (flag-on value, raised flag-off value) in which flag-on is
 * higher. If flag-on were exactly at its allowance, about half would be. The count becomes a z statistic
 * (its normal approximation, from Commons Math's ranking and normal distribution), and:
 *
 * <ul>
 *   <li>Fail: flag-on is higher than flag-off × (1 + allowance) in clearly more than half the pairs;
 *   <li>Pass: it is lower in clearly more than half, and both cohorts have their minimum: not worse than
 *       allowed;
 *   <li>Undecided otherwise, and before the minimum, and after the planned looks.
 * </ul>
 *
 * "Clearly" is the look's share of the error budget. <b>Bonferroni over the planned looks:</b> the look at
 * interval k, for k from {@code minimumValues} to {@code plannedLooks}, is a two-sided test at level
 * (1 − confidence) / (plannedLooks − minimumValues + 1); looks before the minimum and after the plan spend
 * nothing and decide nothing. The chance that any look of the step is wrong is then at most the sum of the
 * looks' levels, 1 − confidence, whatever the looks have in common. At 95% over a 60-minute soak looked at
 * every minute from the 10th value, each look tests at 0.098% (|z| ≥ 3.30), against 1.96 for a single look.
 *
 * <p>Why Bonferroni and not a mixture boundary as for rates, nor an exact group-sequential boundary: the
 * series are short (tens of values), where a rank statistic's path is not yet the Brownian motion that a
 * mixture boundary or a Pocock/O'Brien–Fleming boundary is computed for; Bonferroni needs only each look's
 * own test to be valid and nothing about how looks relate, so it stays valid with values missing and with
 * looks correlated by a shared load swing. What it costs: it is conservative, since consecutive looks share
 * almost all their data (the benchmark measures the false-revert share well below the level), and it needs
 * a plan: the caller says how many intervals the step can last.
 *
 * <p>What the caller keeps between looks: nothing but when the step began. The look's index is the length of
 * the series: {@code flagOn[i]} and {@code flagOff[i]} are the values of the i-th interval since the step
 * began (a Prometheus range query over the step, one point per interval), NaN where an interval has none.
 * Two looks at the same length see the same data and spend the same share once; a restart or a missed
 * interval changes nothing.
 *
 * <p>The estimate is the Hodges–Lehmann ratio (the median of all flag-on / flag-off ratios) and the interval
 * is the set of ratios the same test does not reject, so Fail is the interval wholly above the allowance and
 * Pass the interval wholly at or below it. Ranks make it indifferent to the unit, to outliers and to skew.
 *
 * <p>What it assumes: the values are independent draws and flag-on's distribution is flag-off's scaled. Not
 * covered: minutes are not independent when load swings (a swing shared by both cohorts makes the test
 * cautious, a drift in one cohort only fools it); a change in spread alone is barely seen; and a high
 * quantile computed from few requests is noisier and higher than from many, so at a small weight
 * flag-on's p99 is biased upward against flag-off's. Prefer means or medians per interval, or quantiles
 * over enough requests per interval, for small cohorts.
 */
public final class ContinuousJudge {

  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  private ContinuousJudge() {}

  /**
   * One look at the step so far.
   *
   * @param metric the metric's name, first word of the on-call line
   * @param flagOn one value per interval since the step began, NaN (or any value not finite and positive)
   *     where there is none
   * @param flagOff the same for flag-off; the look's index is the longer series' length
   * @param check the allowance, the confidence and the plan
   */
  public static ContinuousJudgement judge(String metric, double[] flagOn, double[] flagOff, ContinuousCheck check) {
    int look = Math.max(flagOn.length, flagOff.length);
    double[] on = usable(flagOn);
    double[] off = usable(flagOff);
    boolean sampled = on.length >= check.minimumValues() && off.length >= check.minimumValues();
    if (on.length == 0 || off.length == 0) {
      return new ContinuousJudgement(metric, Verdict.Undecided, Reason.NoData, on.length, off.length, median(on),
          median(off), Optional.empty(), check, sampled);
    }
    // Before the minimum and after the plan no budget is spent; the interval is then shown at the first
    // look's level so that on-call still sees where the numbers stand.
    boolean spending = sampled && look <= check.plannedLooks();
    double critical = criticalZ(check);
    double pairs = (double) on.length * off.length;
    double sd = Math.sqrt(pairs * (on.length + off.length + 1) / 12);
    double z = (flagOnHigher(on, off, Math.log1p(check.allowedIncrease())) - pairs / 2) / sd;
    Verdict verdict = !spending ? Verdict.Undecided
        : z >= critical ? Verdict.Fail : z <= -critical ? Verdict.Pass : Verdict.Undecided;
    Reason reason = !sampled ? Reason.BelowMinimum
        : look > check.plannedLooks() ? Reason.PastPlannedLooks
        : verdict == Verdict.Undecided ? Reason.StraddlesAllowance : Reason.Decided;
    return new ContinuousJudgement(metric, verdict, reason, on.length, off.length, median(on), median(off),
        Optional.of(comparison(on, off, pairs, critical * sd, check.allowedIncrease())), check, sampled);
  }

  /** The |z| each spending look must reach: its two-sided share of 1 − confidence. */
  static double criticalZ(ContinuousCheck check) {
    double perLook = (1 - check.confidence()) / check.spendingLooks();
    return STANDARD_NORMAL.inverseCumulativeProbability(1 - perLook / 2);
  }

  /**
   * The Hodges–Lehmann change and the changes the test does not reject. At log-ratio θ the test counts the
   * pairwise log-ratios above θ; it rejects "flag-on is e^θ × flag-off" upward while that count is at least
   * pairs/2 + margin, downward while it is at most pairs/2 − margin. The interval's ends are the sorted
   * log-ratios where those counts are crossed.
   */
  private static Comparison comparison(double[] on, double[] off, double pairs, double margin, double allowed) {
    double[] logRatios = logRatios(on, off);
    Arrays.sort(logRatios);
    int m = logRatios.length;
    double lowerIndex = Math.floor(m - (pairs / 2 + margin)) + 1;
    double upperIndex = Math.ceil(m - (pairs / 2 - margin));
    double lower = lowerIndex < 1 ? -1 : Math.expm1(logRatios[(int) lowerIndex - 1]);
    double upper = upperIndex > m ? Double.POSITIVE_INFINITY : Math.expm1(logRatios[(int) upperIndex - 1]);
    double estimate = Math.expm1((logRatios[(m - 1) / 2] + logRatios[m / 2]) / 2);
    return new Comparison(estimate, lower, upper, allowed);
  }

  /** Mann–Whitney's U for flag-on against flag-off raised by the allowance: pairs with flag-on higher, ties half. */
  private static double flagOnHigher(double[] on, double[] off, double allowedLog) {
    double[] pooled = new double[on.length + off.length];
    for (int i = 0; i < on.length; i++) {
      pooled[i] = Math.log(on[i]);
    }
    for (int j = 0; j < off.length; j++) {
      pooled[on.length + j] = Math.log(off[j]) + allowedLog;
    }
    double[] ranks = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE).rank(pooled);
    double onRankSum = 0;
    for (int i = 0; i < on.length; i++) {
      onRankSum += ranks[i];
    }
    return onRankSum - on.length * (on.length + 1) / 2.0;
  }

  private static double[] logRatios(double[] on, double[] off) {
    double[] logOff = new double[off.length];
    for (int j = 0; j < off.length; j++) {
      logOff[j] = Math.log(off[j]);
    }
    double[] ratios = new double[on.length * off.length];
    int k = 0;
    for (double value : on) {
      double logOn = Math.log(value);
      for (double l : logOff) {
        ratios[k++] = logOn - l;
      }
    }
    return ratios;
  }

  private static double[] usable(double[] values) {
    return Arrays.stream(values).filter(v -> Double.isFinite(v) && v > 0).toArray();
  }

  private static OptionalDouble median(double[] values) {
    return values.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(StatUtils.percentile(values, 50));
  }
}
