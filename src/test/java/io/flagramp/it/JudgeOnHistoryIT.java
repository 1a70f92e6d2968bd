package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.analysis.ThresholdJudge;
import io.flagramp.core.Measurement;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.PrometheusEndpoint;
import io.flagramp.metrics.Query;
import io.flagramp.operator.Measurer;
import io.flagramp.testbed.BackfilledHistory;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The judge's edge cases through real PromQL: deterministic history written with promtool, asked
 * at explicit evaluation times by the operator's own client, judged by the operator's own judge.
 * testbed_history_value reads i at sample i; its 44s average at sample 10 is exactly 9.
 */
@ExtendWith(PrometheusExtension.class)
class JudgeOnHistoryIT {

  private final PrometheusClient client = new PrometheusClient();
  private PrometheusEndpoint endpoint;
  private BackfilledHistory history;

  @BeforeEach
  void prometheus(TestPrometheus prometheus) {
    endpoint = new PrometheusEndpoint(prometheus.baseUrl(), Duration.ofSeconds(5), PrometheusEndpoint.Auth.NONE);
    history = prometheus.history();
  }

  private Measurement measure(String promql, int sample) {
    return Measurer.measure(client, new Query(endpoint, promql, history.at(sample), Duration.ZERO));
  }

  private static MetricCheck check(Double min, Double max, String maxIncrease, Integer failureLimit) {
    MetricCheck c = new MetricCheck("value", "testbed_history_value");
    c.setMin(min);
    c.setMax(max);
    c.setMaxIncrease(maxIncrease);
    c.setFailureLimit(failureLimit);
    return c;
  }

  private MetricStatus judge(MetricCheck check, Optional<Double> baseline, MetricStatus previous, int sample,
      String promql, OnNoData onNoData) {
    return ThresholdJudge.judge(check, baseline, previous, measure(promql, sample), onNoData, 5, 10, history.at(sample));
  }

  @Test
  void aValueExactlyAtMaxPassesAndTheNextSampleFails() {
    MetricCheck max10 = check(null, 10.0, null, null);

    assertThat(judge(max10, Optional.empty(), null, 10, "testbed_history_value", OnNoData.Hold).getMessage())
        .isEqualTo("value 10 within max 10 at weight 10");
    assertThat(judge(max10, Optional.empty(), null, 11, "testbed_history_value", OnNoData.Hold).getMessage())
        .isEqualTo("value 11 > max 10 (1/1) at weight 10");
  }

  @Test
  void aValueBelowMinFails() {
    assertThat(judge(check(6.0, null, null, null), Optional.empty(), null, 5, "testbed_history_value", OnNoData.Hold)
        .getMessage()).isEqualTo("value 5 < min 6 (1/1) at weight 10");
  }

  @Test
  void increasesOverABaselineFromRealPromqlPassAtTheBoundAndFailBeyondIt() {
    Measurement baseline = measure("avg_over_time(testbed_history_value[44s])", 10);
    assertThat(baseline).isEqualTo(new Measurement.Value(9.0));
    double b = ((Measurement.Value) baseline).value();

    MetricCheck relative = check(null, null, "50%", null);
    assertThat(judge(relative, Optional.of(b), null, 13, "testbed_history_value", OnNoData.Hold).getResult())
        .isEqualTo(MetricResult.Pass);
    assertThat(judge(relative, Optional.of(b), null, 14, "testbed_history_value", OnNoData.Hold).getMessage())
        .isEqualTo("value 14 > baseline 9 +50% = 13.5 (1/1) at weight 10");
    MetricCheck absolute = check(null, null, "4", null);
    assertThat(judge(absolute, Optional.of(b), null, 13, "testbed_history_value", OnNoData.Hold).getMessage())
        .isEqualTo("value 13 within baseline 9 +4 = 13 at weight 10");
    assertThat(judge(absolute, Optional.of(b), null, 14, "testbed_history_value", OnNoData.Hold).getResult())
        .isEqualTo(MetricResult.Fail);
  }

  @Test
  void aRateIsJudgedExactly() {
    String rate = "sum(rate(testbed_history_requests_total[1m]))";
    assertThat(judge(check(null, 2.0, null, null), Optional.empty(), null, 60, rate, OnNoData.Hold).getMessage())
        .isEqualTo("value 2 within max 2 at weight 10");
    assertThat(judge(check(2.5, null, null, null), Optional.empty(), null, 60, rate, OnNoData.Hold).getMessage())
        .isEqualTo("value 2 < min 2.5 (1/1) at weight 10");
  }

  @Test
  void failuresCountOnlyInARowAcrossMeasurements() {
    MetricCheck max10 = check(null, 10.0, null, 3);
    String q = "testbed_history_value";

    MetricStatus first = judge(max10, Optional.empty(), null, 11, q, OnNoData.Hold);
    MetricStatus second = judge(max10, Optional.empty(), first, 12, q, OnNoData.Hold);
    MetricStatus pass = judge(max10, Optional.empty(), second, 10, q, OnNoData.Hold);
    MetricStatus again = judge(max10, Optional.empty(), pass, 11, q, OnNoData.Hold);
    MetricStatus twice = judge(max10, Optional.empty(), again, 12, q, OnNoData.Hold);
    MetricStatus third = judge(max10, Optional.empty(), twice, 13, q, OnNoData.Hold);

    assertThat(second.getMessage()).isEqualTo("value 12 > max 10 (2/3) at weight 10");
    assertThat(ThresholdJudge.breached(max10, second)).isFalse();
    assertThat(pass.getConsecutiveFailures()).isZero();
    assertThat(third.getMessage()).isEqualTo("value 13 > max 10 (3/3) at weight 10");
    assertThat(ThresholdJudge.breached(max10, third)).isTrue();
  }

  @Test
  void zeroOverZeroIsNoDataHeldOrFailedAsOnNoDataSays() {
    String idle = "sum(rate(testbed_history_idle_requests_total[1m])) / sum(rate(testbed_history_idle_requests_total[1m]))";

    MetricStatus held = judge(check(null, 0.01, null, null), Optional.empty(), null, 60, idle, OnNoData.Hold);
    MetricStatus failed = judge(check(null, 0.01, null, null), Optional.empty(), null, 60, idle, OnNoData.Fail);

    assertThat(held.getResult()).isEqualTo(MetricResult.NoData);
    assertThat(held.getMessage()).isEqualTo("value: no data (query returned NaN) at weight 10");
    assertThat(failed.getResult()).isEqualTo(MetricResult.Fail);
    assertThat(failed.getMessage()).isEqualTo("value: no data (query returned NaN) (1/1) at weight 10");
  }

  @Test
  void anEmptyResultIsNoDataAndSeveralSeriesAreAProviderError() {
    MetricStatus empty = judge(check(null, 1.0, null, null), Optional.empty(), null, 10,
        "testbed_history_value{missing=\"x\"}", OnNoData.Hold);
    MetricStatus several = judge(check(null, 1.0, null, null), Optional.empty(), null, 10,
        "testbed_history_replica_value", OnNoData.Hold);

    assertThat(empty.getResult()).isEqualTo(MetricResult.NoData);
    assertThat(empty.getMessage()).isEqualTo("value: no data (query returned no series) at weight 10");
    assertThat(several.getResult()).isEqualTo(MetricResult.Error);
    assertThat(several.getConsecutiveErrors()).isEqualTo(1);
    assertThat(several.getMessage()).startsWith("value: query returned 3 series").endsWith("(1/5) at weight 10");
  }
}
