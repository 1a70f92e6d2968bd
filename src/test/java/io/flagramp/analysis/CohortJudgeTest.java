package io.flagramp.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.core.Measurement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CohortJudgeTest {

  private static final Instant START = Instant.parse("2026-11-23T02:00:00Z");

  private static Round round(int weight) {
    return new Round(START, START.plusSeconds(60), Duration.ofSeconds(2), weight, Optional.empty(), OnNoData.Hold,
        5, Duration.ofSeconds(60));
  }

  private static CohortJudge errorRate() {
    MetricCheck check = new MetricCheck();
    check.setName("error-rate");
    check.setCohort(CohortMetric.rate("e{$cohort}[$range]", "r{$cohort}[$range]", "0.005"));
    return new CohortJudge(check, new Cohorts());
  }

  @Test
  void atWeightHundredThereIsNoFlagOffCohortSoTheMetricPassesSayingWhyInsteadOfHoldingTheChangeForever() {
    CohortJudge judge = errorRate();
    Map<String, Measurement> everyoneOn = Map.of(
        "error-rate#on-errors", new Measurement.Value(12), "error-rate#on-requests", new Measurement.Value(6000),
        "error-rate#off-errors", new Measurement.NoData("query returned no series"),
        "error-rate#off-requests", new Measurement.NoData("query returned no series"));

    MetricStatus judged = judge.judge(null, everyoneOn, round(100));

    assertThat(judged.getResult()).isEqualTo(MetricResult.Pass);
    assertThat(judged.getMessage())
        .isEqualTo("error-rate: every user is flag-on, no flag-off cohort to compare with at weight 100");
    assertThat(judge.blocks(judged)).isEmpty();
    assertThat(judge.breached(judged)).isFalse();
  }

  @Test
  void belowWeightHundredACohortWithoutTrafficIsUndecidedAndBlocksTheStep() {
    CohortJudge judge = errorRate();
    Map<String, Measurement> noOff = Map.of(
        "error-rate#on-errors", new Measurement.Value(12), "error-rate#on-requests", new Measurement.Value(6000),
        "error-rate#off-errors", new Measurement.Value(0), "error-rate#off-requests", new Measurement.Value(0));

    MetricStatus judged = judge.judge(null, noOff, round(99));

    assertThat(judged.getResult()).isEqualTo(MetricResult.Undecided);
    assertThat(judge.blocks(judged)).isPresent();
  }
}
