package io.flagramp.analysis.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RatesJudgeTest {

  /** No increase allowed, 95%, no minimum: the strictest check. */
  static final RatesCheck STRICT = RatesCheck.of(0, 0, 0.95, 0);
  /** 0.1 points allowed, 95%, 1,000 requests per cohort. */
  static final RatesCheck TENTH_OF_A_POINT = RatesCheck.of(0.001, 0, 0.95, 1000);

  static RatesJudgement judge(long onErrors, long onRequests, long offErrors, long offRequests, RatesCheck check) {
    return RatesJudge.judge("error-rate", new CohortCounts(onErrors, onRequests),
        new CohortCounts(offErrors, offRequests), check);
  }

  @Test
  void failsAFlagWhoseErrorRateIsClearlyAboveTheAllowanceAndSaysSoInOneLine() {
    RatesJudgement j = judge(510, 100_000, 2_000, 1_000_000, TENTH_OF_A_POINT);

    assertThat(j.verdict()).isEqualTo(Verdict.Fail);
    assertThat(j.reason()).isEqualTo(Reason.Decided);
    Comparison c = j.comparison().orElseThrow();
    assertThat(c.difference()).isCloseTo(0.0031, within(1e-12));
    assertThat(c.lower()).isGreaterThan(c.allowed());
    assertThat(c.allowed()).isEqualTo(0.001);
    assertThat(j.line()).isEqualTo(
        "error-rate flag-on 0.51% vs flag-off 0.20% (+0.31 points, 95% interval +0.24..+0.40; allowed +0.10)");
  }

  @Test
  void intervalIsWiderThanTheSingleLookIntervalByTheMixtureBoundarysFactor() {
    // Large counts, where the score interval is the Wald interval: its half-width in standard errors is the
    // boundary's critical z, about 3 to 4 at 95% for hundreds of errors, against 1.96 for one look.
    RatesJudgement j = judge(5_100, 1_000_000, 20_000, 10_000_000, STRICT);
    Comparison c = j.comparison().orElseThrow();
    double se = Math.sqrt(0.0051 * 0.9949 / 1_000_000 + 0.002 * 0.998 / 10_000_000);
    double lowerZ = (c.difference() - c.lower()) / se;
    double upperZ = (c.upper() - c.difference()) / se;
    assertThat(lowerZ).isBetween(3.0, 4.5);
    assertThat(upperZ).isBetween(3.0, 4.5);
    assertThat(lowerZ).isCloseTo(upperZ, within(0.3)); // the score interval leans towards the larger rate
  }

  @Test
  void passesEqualCohortsWhenAnIncreaseIsAllowedAndTheMinimumIsMet() {
    RatesJudgement j = judge(200, 100_000, 2_000, 1_000_000, TENTH_OF_A_POINT);

    assertThat(j.verdict()).isEqualTo(Verdict.Pass);
    assertThat(j.comparison().orElseThrow().upper()).isLessThanOrEqualTo(0.001);
    assertThat(j.minimumMet()).isTrue();
  }

  @Test
  void leavesEqualCohortsUndecidedWhenNoIncreaseIsAllowed() {
    RatesJudgement j = judge(200, 100_000, 2_000, 1_000_000, STRICT);

    assertThat(j.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(j.reason()).isEqualTo(Reason.StraddlesAllowance);
    Comparison c = j.comparison().orElseThrow();
    assertThat(c.lower()).isLessThan(0);
    assertThat(c.upper()).isGreaterThan(0);
  }

  @Test
  void neverPassesACohortWithoutTrafficAndSaysWhichOneIsMissing() {
    RatesJudgement noFlagOn = judge(0, 0, 2_000, 1_000_000, TENTH_OF_A_POINT);
    RatesJudgement neither = judge(0, 0, 0, 0, TENTH_OF_A_POINT);
    RatesJudgement noFlagOff = judge(3, 1_000, 0, 0, TENTH_OF_A_POINT);

    for (RatesJudgement j : List.of(noFlagOn, neither, noFlagOff)) {
      assertThat(j.verdict()).isEqualTo(Verdict.Undecided);
      assertThat(j.reason()).isEqualTo(Reason.NoData);
      assertThat(j.comparison()).isEmpty();
      assertThat(j.minimumMet()).isFalse();
    }
    assertThat(noFlagOn.line()).isEqualTo("error-rate: no flag-on requests yet (flag-off 0.20% of 1,000,000)");
    assertThat(neither.line()).isEqualTo("error-rate: no requests in either cohort yet");
    assertThat(noFlagOff.line()).isEqualTo("error-rate: no flag-off requests yet (flag-on 0.30% of 1,000)");
  }

  @Test
  void zeroErrorsEverywhereWithNoIncreaseAllowedIsUndecidedNotPass() {
    RatesJudgement j = judge(0, 1_000_000, 0, 10_000_000, STRICT);

    assertThat(j.verdict()).isEqualTo(Verdict.Undecided);
  }

  @Test
  void zeroFlagOnErrorsPassOnlyOnceEnoughCleanRequestsRuleOutTheAllowance() {
    // 0 errors in 300 requests cannot rule out a rate of 0.3% (the allowance over flag-off's 0.2%); in 30,000
    // it can.
    RatesJudgement few = judge(0, 300, 200, 100_000, RatesCheck.of(0.001, 0, 0.95, 0));
    RatesJudgement many = judge(0, 30_000, 200, 100_000, RatesCheck.of(0.001, 0, 0.95, 0));

    assertThat(few.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(few.comparison().orElseThrow().upper()).isGreaterThan(0.001);
    assertThat(many.verdict()).isEqualTo(Verdict.Pass);
    assertThat(many.line()).startsWith("error-rate flag-on 0.00% vs flag-off 0.20% (-0.20 points, 95% interval -0.");
  }

  @Test
  void oneEarlyErrorInASmallCohortDoesNotFailTheFlag() {
    // The first flag-on minute at 1% of 50 req/s: 30 requests, one of them an error, flag-off clean so far.
    RatesJudgement j = judge(1, 30, 6, 2_970, STRICT);

    assertThat(j.verdict()).isEqualTo(Verdict.Undecided);
  }

  @Test
  void failsAClearRegressionBeforeTheMinimumButWithholdsAPassUntilIt() {
    RatesCheck minimum = RatesCheck.of(0.001, 0, 0.95, 50_000);
    RatesJudgement failing = judge(300, 1_500, 60, 30_000, minimum);
    RatesJudgement healthy = judge(20, 10_000, 20, 10_000, RatesCheck.of(0.01, 0, 0.95, 50_000));

    assertThat(failing.verdict()).isEqualTo(Verdict.Fail);
    assertThat(failing.minimumMet()).isFalse();
    assertThat(healthy.verdict()).isEqualTo(Verdict.Undecided);
    assertThat(healthy.reason()).isEqualTo(Reason.BelowMinimum);
    assertThat(healthy.comparison().orElseThrow().upper()).isLessThan(0.01);
    assertThat(healthy.line()).endsWith(
        "; allowed +1.00), waiting for 50,000 requests per cohort (flag-on 10,000, flag-off 10,000)");
  }

  @Test
  void aRelativeAllowanceIsAddedToTheAbsoluteOneAndShownInPoints() {
    // 1.5 × flag-off's 0.20% is allowed: flag-on at 0.25% passes, at 0.60% fails.
    RatesCheck half = RatesCheck.of(0, 0.5, 0.95, 0);
    RatesJudgement passing = judge(2_500, 1_000_000, 20_000, 10_000_000, half);
    RatesJudgement failing = judge(6_000, 1_000_000, 20_000, 10_000_000, half);

    assertThat(passing.verdict()).isEqualTo(Verdict.Pass);
    assertThat(failing.verdict()).isEqualTo(Verdict.Fail);
    assertThat(passing.comparison().orElseThrow().allowed()).isCloseTo(0.001, within(1e-12));
    assertThat(passing.line()).endsWith("; allowed 50% of flag-off = +0.10)");
    RatesJudgement both = judge(2_500, 1_000_000, 20_000, 10_000_000, RatesCheck.of(0.0005, 0.5, 0.95, 0));
    assertThat(both.line()).endsWith("; allowed +0.05 + 50% of flag-off = +0.15)");
  }

  @Test
  void hugeCountsGiveANarrowFiniteIntervalAroundTheDifference() {
    long billion = 1_000_000_000_000L;
    RatesJudgement j = judge(2_000_000_000L, billion, 20_000_000_000L, 10 * billion, RatesCheck.of(0.00001, 0, 0.95, 0));

    Comparison c = j.comparison().orElseThrow();
    assertThat(j.verdict()).isEqualTo(Verdict.Pass);
    assertThat(c.bounded()).isTrue();
    assertThat(c.difference()).isCloseTo(0, within(1e-15));
    assertThat(c.upper() - c.lower()).isLessThan(1e-5).isPositive();
  }

  @Test
  void moreFlagOnErrorsNeverMoveTheIntervalDownNorTheVerdictBack() {
    List<Verdict> verdicts = new ArrayList<>();
    double lastLower = Double.NEGATIVE_INFINITY;
    double lastUpper = Double.NEGATIVE_INFINITY;
    for (long errors = 0; errors <= 120; errors += 4) {
      RatesJudgement j = judge(errors, 10_000, 200, 100_000, TENTH_OF_A_POINT);
      Comparison c = j.comparison().orElseThrow();
      assertThat(c.lower()).isGreaterThanOrEqualTo(lastLower - 1e-9);
      assertThat(c.upper()).isGreaterThanOrEqualTo(lastUpper - 1e-9);
      lastLower = c.lower();
      lastUpper = c.upper();
      verdicts.add(j.verdict());
    }
    assertThat(verdicts).startsWith(Verdict.Pass).endsWith(Verdict.Fail);
    int firstUndecided = verdicts.indexOf(Verdict.Undecided);
    int firstFail = verdicts.indexOf(Verdict.Fail);
    assertThat(verdicts.lastIndexOf(Verdict.Pass)).isLessThan(firstUndecided);
    assertThat(verdicts.lastIndexOf(Verdict.Undecided)).isLessThan(firstFail);
  }

  @Test
  void moreConfidenceWidensTheIntervalAndAWiderAllowanceNeverWorsensTheVerdict() {
    Comparison at90 = judge(60, 10_000, 400, 200_000, RatesCheck.of(0, 0, 0.90, 0)).comparison().orElseThrow();
    Comparison at99 = judge(60, 10_000, 400, 200_000, RatesCheck.of(0, 0, 0.99, 0)).comparison().orElseThrow();
    assertThat(at99.lower()).isLessThan(at90.lower());
    assertThat(at99.upper()).isGreaterThan(at90.upper());

    Verdict previous = Verdict.Fail;
    for (double allowed = 0; allowed < 0.02; allowed += 0.0005) {
      Verdict v = judge(60, 10_000, 400, 200_000, RatesCheck.of(allowed, 0, 0.95, 0)).verdict();
      assertThat(rank(v)).isGreaterThanOrEqualTo(rank(previous));
      previous = v;
    }
    assertThat(previous).isEqualTo(Verdict.Pass);
  }

  @Test
  void aRequestOrTwoDecideNothingAndTheIntervalStaysWithinAHundredPoints() {
    RatesCheck relative = RatesCheck.of(0.001, 0.5, 0.95, 0);
    for (RatesJudgement j : List.of(judge(1, 1, 0, 1, STRICT), judge(0, 1, 1, 1, STRICT), judge(1, 1, 0, 1, relative),
        judge(0, 1, 1, 1, relative), judge(0, 1, 0, 1, relative))) {
      assertThat(j.verdict()).as(j.line()).isEqualTo(Verdict.Undecided);
      Comparison c = j.comparison().orElseThrow();
      assertThat(c.lower()).isGreaterThanOrEqualTo(-1);
      assertThat(c.upper()).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void countsFromPrometheusAreRoundedAndKeptPossible() {
    assertThat(CohortCounts.measured(3.4, 1_000.6)).isEqualTo(new CohortCounts(3, 1_001));
    assertThat(CohortCounts.measured(10.2, 9.8)).isEqualTo(new CohortCounts(10, 10));
    assertThat(CohortCounts.measured(Double.NaN, Double.NaN)).isEqualTo(new CohortCounts(0, 0));
    assertThat(CohortCounts.measured(-0.0, -1)).isEqualTo(new CohortCounts(0, 0));
    assertThat(CohortCounts.measured(Double.POSITIVE_INFINITY, 5)).isEqualTo(new CohortCounts(5, 5));
  }

  @Test
  void refusesCountsThatCannotBe() {
    assertThatThrownBy(() -> new CohortCounts(5, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CohortCounts(-1, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RatesCheck.of(-0.1, 0, 0.95, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RatesCheck.of(0, 0, 1.0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  private static int rank(Verdict v) {
    return switch (v) {
      case Fail -> 0;
      case Undecided -> 1;
      case Pass -> 2;
    };
  }
}
