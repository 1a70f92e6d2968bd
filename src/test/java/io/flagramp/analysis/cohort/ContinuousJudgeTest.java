package io.flagramp.analysis.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ContinuousJudgeTest {

  /** Flag-on up to 10% higher, 95%, from the 10th value, a 60-minute soak looked at every minute. */
  static final ContinuousCheck TEN_PERCENT = new ContinuousCheck(0.10, 0.95, 10, 60);

  /** n values spread evenly (in log) around 0.2 s, the order shuffled so that no trend lines up with time. */
  static double[] latencies(int n, double scale) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      int shuffled = (i * 37) % n;
      values[i] = scale * 0.2 * Math.exp(0.3 * ((shuffled + 0.5) / n - 0.5));
    }
    return values;
  }

  static ContinuousJudgement judge(double[] on, double[] off, ContinuousCheck check) {
    return ContinuousJudge.judge("p99-latency", on, off, check);
  }

  @Test
  void spendsTheErrorBudgetEvenlyOverThePlannedLooksFromTheMinimum() {
    // 5% over looks 10..60, 51 of them: 0.098% each, two-sided.
    assertThat(ContinuousJudge.criticalZ(TEN_PERCENT)).isCloseTo(3.297, within(0.001));
    // One planned look is the single-look test.
    assertThat(ContinuousJudge.criticalZ(new ContinuousCheck(0, 0.95, 10, 10))).isCloseTo(1.960, within(0.001));
  }

  @Test
  void failsAFlagFiftyPercentSlowerAndEstimatesTheChange() {
    ContinuousJudgement j = judge(latencies(30, 1.5), latencies(30, 1.0), TEN_PERCENT);

    assertThat(j.verdict()).isEqualTo(Verdict.Fail);
    assertThat(j.reason()).isEqualTo(Reason.Decided);
    Comparison c = j.comparison().orElseThrow();
    assertThat(c.difference()).isCloseTo(0.5, within(1e-9));
    assertThat(c.lower()).isGreaterThan(0.10);
    assertThat(c.upper()).isGreaterThan(0.5);
    assertThat(j.line()).startsWith("p99-latency flag-on 0.3 vs flag-off 0.2 (+50%, 95% interval +");
    assertThat(j.line()).endsWith("; allowed +10%)");
  }

  @Test
  void passesEqualCohortsWithinTheAllowanceAndLeavesThemUndecidedWithoutOne() {
    ContinuousJudgement allowed = judge(latencies(30, 1.0), latencies(30, 1.0), new ContinuousCheck(0.2, 0.95, 10, 60));
    ContinuousJudgement strict = judge(latencies(30, 1.0), latencies(30, 1.0), new ContinuousCheck(0, 0.95, 10, 60));

    assertThat(allowed.verdict()).isEqualTo(Verdict.Pass);
    assertThat(allowed.comparison().orElseThrow().difference()).isCloseTo(0, within(1e-9));
    assertThat(strict.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(strict.reason()).isEqualTo(Reason.StraddlesAllowance);
  }

  @Test
  void decidesNothingBeforeTheMinimumNorAfterThePlan() {
    ContinuousJudgement early = judge(latencies(9, 3.0), latencies(9, 1.0), TEN_PERCENT);
    ContinuousJudgement late = judge(latencies(61, 3.0), latencies(61, 1.0), TEN_PERCENT);

    assertThat(early.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(early.reason()).isEqualTo(Reason.BelowMinimum);
    assertThat(early.line()).endsWith(", waiting for 10 values per cohort (flag-on 9, flag-off 9)");
    assertThat(late.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(late.reason()).isEqualTo(Reason.PastPlannedLooks);
    assertThat(late.line()).endsWith(", past the 60 planned looks");
  }

  @Test
  void aCohortWithoutValuesIsUndecidedAndNamed() {
    double[] missing = new double[20];
    Arrays.fill(missing, Double.NaN);
    ContinuousJudgement j = judge(missing, latencies(20, 1.0), TEN_PERCENT);

    assertThat(j.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(j.reason()).isEqualTo(Reason.NoData);
    assertThat(j.comparison()).isEmpty();
    assertThat(j.line()).isEqualTo("p99-latency: no flag-on values yet (flag-off 0.2 over 20 values)");
    assertThat(judge(new double[0], new double[0], TEN_PERCENT).line())
        .isEqualTo("p99-latency: no values in either cohort yet");
  }

  @Test
  void missingIntervalsAreLeftOutButStillCountAsLooks() {
    double[] on = latencies(30, 1.5);
    on[3] = Double.NaN;
    on[17] = 0;
    ContinuousJudgement j = judge(on, latencies(30, 1.0), TEN_PERCENT);

    assertThat(j.flagOnValues()).isEqualTo(28);
    assertThat(j.flagOffValues()).isEqualTo(30);
    assertThat(j.verdict()).isEqualTo(Verdict.Fail);
    double[] gappy = latencies(65, 1.5);
    Arrays.fill(gappy, 0, 30, Double.NaN);
    assertThat(judge(gappy, latencies(65, 1.0), TEN_PERCENT).reason()).isEqualTo(Reason.PastPlannedLooks);
  }

  @Test
  void aSlowerFlagOnNeverMovesTheIntervalDown() {
    double lastLower = -1;
    double lastEstimate = -1;
    Verdict last = Verdict.Pass;
    for (double scale = 0.8; scale <= 1.6; scale += 0.05) {
      ContinuousJudgement j = judge(latencies(40, scale), latencies(40, 1.0), TEN_PERCENT);
      Comparison c = j.comparison().orElseThrow();
      assertThat(c.lower()).isGreaterThanOrEqualTo(lastLower);
      assertThat(c.difference()).isGreaterThan(lastEstimate);
      assertThat(j.verdict() == Verdict.Pass && last != Verdict.Pass).isFalse();
      lastLower = c.lower();
      lastEstimate = c.difference();
      last = j.verdict();
    }
    assertThat(last).isEqualTo(Verdict.Fail);
  }

  @Test
  void theUnitDoesNotMatter() {
    ContinuousJudgement seconds = judge(latencies(30, 1.3), latencies(30, 1.0), TEN_PERCENT);
    double[] on = Arrays.stream(latencies(30, 1.3)).map(v -> v * 1000).toArray();
    double[] off = Arrays.stream(latencies(30, 1.0)).map(v -> v * 1000).toArray();
    ContinuousJudgement millis = judge(on, off, TEN_PERCENT);

    assertThat(millis.verdict()).isEqualTo(seconds.verdict());
    assertThat(millis.comparison().orElseThrow().difference())
        .isCloseTo(seconds.comparison().orElseThrow().difference(), within(1e-9));
  }

  @Test
  void refusesAPlanThatCannotBeKept() {
    assertThatThrownBy(() -> new ContinuousCheck(0.1, 0.95, 4, 60)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ContinuousCheck(0.1, 0.95, 10, 9)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ContinuousCheck(-0.1, 0.95, 10, 60)).isInstanceOf(IllegalArgumentException.class);
  }
}
