package io.flagramp.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.analysis.cohort.ContinuousCheck;
import io.flagramp.analysis.cohort.RatesCheck;
import io.flagramp.bench.CohortSimulation.ContinuousScenario;
import io.flagramp.bench.CohortSimulation.RatesScenario;
import io.flagramp.bench.CohortSimulation.Step;
import io.flagramp.bench.CohortSimulation.Tally;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A guard on the cohort judge's stated level, small enough to run with the unit tests: healthy flags (A/A,
 * no increase allowed, so the flag sits exactly at its allowance) judged every minute of a 60-minute soak
 * are reverted at most 5% of the time at 95%, and the single-look test on the same traffic is not, so the
 * simulation can tell a valid method from an invalid one. {@link CohortJudgeBenchmark} has the full table.
 */
class CohortJudgeLevelTest {

  static final Step HOUR_OF_MINUTES = new Step(60, 0, 1);
  static final double LEVEL = 0.05;

  @Test
  void healthyFlagsJudgedEveryMinuteAreRevertedAtMostAtTheStatedLevel() {
    List<RatesCheck> checks = List.of(RatesCheck.of(0, 0, 0.95, 1_000),
        new RatesCheck(0, 0, new FixedSampleBoundary(0.95), 1_000));
    List<Tally> tallies = CohortSimulation.rates(new RatesScenario("A/A at 5%", 50, 0.05, 0.002, 0.002, true), checks,
        HOUR_OF_MINUTES, 200, 42);

    assertThat(tallies.get(0).rollouts).isEqualTo(200);
    assertThat(tallies.get(0).revertedShare()).isLessThanOrEqualTo(LEVEL);
    assertThat(tallies.get(1).revertedShare()).isGreaterThan(2 * LEVEL);
  }

  @Test
  void sparseHealthyFlagsAreNotRevertedOnTheirFirstErrors() {
    List<Tally> tallies = CohortSimulation.rates(new RatesScenario("sparse A/A at 1%", 50, 0.01, 0.0001, 0.0001, true),
        List.of(RatesCheck.of(0, 0, 0.95, 1_000)), HOUR_OF_MINUTES, 200, 43);

    assertThat(tallies.get(0).revertedShare()).isLessThanOrEqualTo(LEVEL);
  }

  @Test
  void latencyAtItsAllowanceIsRevertedAtMostAtTheStatedLevel() {
    List<Tally> tallies = CohortSimulation.continuous(new ContinuousScenario("+10% of +10%", 0.2, 1.1, 0.1, 0.1, 0),
        List.of(new ContinuousCheck(0.1, 0.95, 10, 60)), HOUR_OF_MINUTES, 100, 44);

    assertThat(tallies.get(0).revertedShare()).isLessThanOrEqualTo(LEVEL);
  }
}
