package io.flagramp.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.core.Measurement;
import io.flagramp.core.Numbers;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ThresholdJudgeTest {

  static final Instant AT = Instant.parse("2026-11-26T02:00:00Z");

  static MetricCheck check(String name, Double min, Double max, String maxIncrease, Integer failureLimit) {
    MetricCheck c = new MetricCheck(name, "q");
    c.setMin(min);
    c.setMax(max);
    c.setMaxIncrease(maxIncrease);
    c.setFailureLimit(failureLimit);
    return c;
  }

  static MetricStatus previous(int failures, int errors, int passes) {
    MetricStatus s = new MetricStatus("m");
    s.setConsecutiveFailures(failures);
    s.setConsecutiveErrors(errors);
    s.setPasses(passes);
    return s;
  }

  static Stream<Arguments> verdicts() {
    MetricCheck errorRate = check("error-rate", null, 0.01, null, 3);
    MetricCheck latency = check("p99-latency", null, null, "50%", null);
    MetricCheck absolute = check("p99-latency", null, null, "0.002", null);
    MetricCheck floor = check("success-rate", 0.99, null, null, null);
    return Stream.of(
        Arguments.of("a value above max fails and counts", errorRate, null, previous(2, 0, 1),
            new Measurement.Value(0.031), OnNoData.Hold, MetricResult.Fail, 3, 0, 1,
            "error-rate 0.031 > max 0.01 (3/3) at weight 10", true),
        Arguments.of("the first failure is below the limit", errorRate, null, null,
            new Measurement.Value(0.02), OnNoData.Hold, MetricResult.Fail, 1, 0, 0,
            "error-rate 0.02 > max 0.01 (1/3) at weight 10", false),
        Arguments.of("a value exactly at max passes", errorRate, null, previous(2, 0, 0),
            new Measurement.Value(0.01), OnNoData.Hold, MetricResult.Pass, 0, 0, 1,
            "error-rate 0.01 within max 0.01 at weight 10", false),
        Arguments.of("a pass resets failures and errors", errorRate, null, previous(2, 3, 4),
            new Measurement.Value(0.0012), OnNoData.Hold, MetricResult.Pass, 0, 0, 5,
            "error-rate 0.0012 within max 0.01 at weight 10", false),
        Arguments.of("below min fails", floor, null, null,
            new Measurement.Value(0.93), OnNoData.Hold, MetricResult.Fail, 1, 0, 0,
            "success-rate 0.93 < min 0.99 (1/1) at weight 10", true),
        Arguments.of("relative increase over the baseline fails", latency, 0.21, null,
            new Measurement.Value(0.42), OnNoData.Hold, MetricResult.Fail, 1, 0, 0,
            "p99-latency 0.42 > baseline 0.21 +50% = 0.315 (1/1) at weight 10", true),
        Arguments.of("relative increase within bounds passes", latency, 0.21, null,
            new Measurement.Value(0.3), OnNoData.Hold, MetricResult.Pass, 0, 0, 1,
            "p99-latency 0.3 within baseline 0.21 +50% = 0.315 at weight 10", false),
        Arguments.of("absolute increase over the baseline fails", absolute, 0.001, null,
            new Measurement.Value(0.0031), OnNoData.Hold, MetricResult.Fail, 1, 0, 0,
            "p99-latency 0.0031 > baseline 0.001 +0.002 = 0.003 (1/1) at weight 10", true),
        Arguments.of("a zero baseline allows no relative increase", latency, 0.0, null,
            new Measurement.Value(0.0001), OnNoData.Hold, MetricResult.Fail, 1, 0, 0,
            "p99-latency 0.0001 > baseline 0 +50% = 0 (1/1) at weight 10", true),
        Arguments.of("maxIncrease without a baseline is no data, never a pass", latency, null, null,
            new Measurement.Value(0.2), OnNoData.Hold, MetricResult.NoData, 0, 0, 0,
            "p99-latency: no data (no baseline to compare with) at weight 10", false),
        Arguments.of("no data with onNoData Hold is NoData and counts nothing", errorRate, null, previous(1, 2, 3),
            new Measurement.NoData("query returned no series"), OnNoData.Hold, MetricResult.NoData, 1, 0, 3,
            "error-rate: no data (query returned no series) at weight 10", false),
        Arguments.of("no data with onNoData Fail is a failing measurement", errorRate, null, previous(2, 0, 0),
            new Measurement.NoData("query returned NaN"), OnNoData.Fail, MetricResult.Fail, 3, 0, 0,
            "error-rate: no data (query returned NaN) (3/3) at weight 10", true),
        Arguments.of("a provider failure is Error and counts toward the breaker", errorRate, null, previous(1, 1, 2),
            new Measurement.Failed("Prometheus at http://p:9090 unreachable: connection refused"), OnNoData.Hold,
            MetricResult.Error, 1, 2, 2,
            "error-rate: Prometheus at http://p:9090 unreachable: connection refused (2/5) at weight 10", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("verdicts")
  void judgesOneMeasurement(String name, MetricCheck check, Double baseline, MetricStatus previous,
      Measurement measurement, OnNoData onNoData, MetricResult result, int failures, int errors, int passes,
      String message, boolean breached) {
    MetricStatus next = ThresholdJudge.judge(check, Optional.ofNullable(baseline), previous, measurement, onNoData, 5, 10, AT);

    assertThat(next.getResult()).isEqualTo(result);
    assertThat(next.getConsecutiveFailures()).as("failures").isEqualTo(failures);
    assertThat(next.getConsecutiveErrors()).as("errors").isEqualTo(errors);
    assertThat(next.getPasses()).as("passes").isEqualTo(passes);
    assertThat(next.getMessage()).isEqualTo(message);
    assertThat(ThresholdJudge.breached(check, next)).as("breached").isEqualTo(breached);
    assertThat(next.getMeasuredAt()).isEqualTo("2026-11-26T02:00:00Z");
  }

  @Test
  void neitherNoDataNorAnErrorIsEverAPass() {
    MetricCheck check = check("m", null, 1.0, null, null);
    for (OnNoData policy : OnNoData.values()) {
      assertThat(ThresholdJudge.judge(check, Optional.empty(), null, new Measurement.NoData("x"), policy, 5, 1, AT).getResult())
          .isNotEqualTo(MetricResult.Pass);
      assertThat(ThresholdJudge.judge(check, Optional.empty(), null, new Measurement.Failed("x"), policy, 5, 1, AT).getResult())
          .isNotEqualTo(MetricResult.Pass);
    }
  }

  @Test
  void tooLittleTrafficKeepsTheStepFromPassingWithoutFailingIt() {
    MetricStatus low = ThresholdJudge.judgeSamples("minSamples", 1000, null, new Measurement.Value(340), 5, 5, AT);
    MetricStatus enough = ThresholdJudge.judgeSamples("minSamples", 1000, low, new Measurement.Value(1200), 5, 5, AT);

    assertThat(low.getResult()).isEqualTo(MetricResult.NoData);
    assertThat(low.getMessage()).isEqualTo("minSamples 340 < min 1000 at weight 5: waiting for traffic");
    assertThat(low.getConsecutiveFailures()).isZero();
    assertThat(enough.getResult()).isEqualTo(MetricResult.Pass);
    assertThat(enough.getMessage()).isEqualTo("minSamples 1200 >= min 1000 at weight 5");
  }

  @Test
  void valuesReadWithFourSignificantDigits() {
    assertThat(Numbers.format(0.031234)).isEqualTo("0.03123");
    assertThat(Numbers.format(0.0012)).isEqualTo("0.0012");
    assertThat(Numbers.format(0.21)).isEqualTo("0.21");
    assertThat(Numbers.format(12345.6)).isEqualTo("12346");
    assertThat(Numbers.format(0)).isEqualTo("0");
    assertThat(Numbers.format(100)).isEqualTo("100");
  }
}
