package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.MinSamples;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.ProviderErrorPolicy;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The planner with spec.analysis, driven by a fake metrics source that sees the flag's weight. */
class AnalysisPlannerTest {

  /** An operator with a default Prometheus, so the changes here need not name one. */
  static final PlannerSettings SETTINGS = new PlannerSettings(Duration.ofMinutes(10), Duration.ofSeconds(15), 20, true);
  static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  static final String PCT = "USE_REDIS_PERCENTAGE";

  /** Three steps of 2 minutes, measured every minute: error-rate max 0.01 (limit 2), latency +50% over baseline. */
  static ScalingChange threeSteps() {
    ScalingChange change = Changes.change("use-redis").step(1, "2m").step(5, "2m").step(100, "2m").build();
    Analysis analysis = new Analysis();
    analysis.setInterval("1m");
    analysis.setBaseline(new Baseline("10m"));
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    errors.setFailureLimit(2);
    MetricCheck latency = new MetricCheck("p99-latency", "latency");
    latency.setMaxIncrease("50%");
    analysis.setMetrics(List.of(errors, latency));
    change.getSpec().setAnalysis(analysis);
    return change;
  }

  /** Healthy traffic: 0.001 errors, 0.2s p99; the baseline query is the same, averaged. */
  static Measurement healthy(String name, String promql) {
    return new Measurement.Value(name.equals("error-rate") ? 0.001 : 0.2);
  }

  static Simulation sim(ScalingChange change) {
    Simulation sim = new Simulation(SETTINGS, change, T0);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    sim.metrics = AnalysisPlannerTest::healthy;
    return sim;
  }

  static int weight(Simulation sim) {
    return Integer.parseInt(sim.configMap().getOrDefault(PCT, "0"));
  }

  @Test
  void healthyTrafficCompletesRecordingTheBaselineTheValuesAndEachStepsVerdict() {
    Simulation sim = sim(threeSteps());
    List<String> baselineQueries = new java.util.ArrayList<>();
    sim.metrics = (name, promql) -> {
      if (promql.startsWith("avg_over_time")) {
        baselineQueries.add(promql);
      }
      return healthy(name, promql);
    };

    sim.runUntilQuiet(100);

    var status = sim.change.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getBaseline()).containsExactly(Map.entry("error-rate", "0.001"), Map.entry("p99-latency", "0.2"));
    assertThat(baselineQueries).containsExactly("avg_over_time((errors)[10m:1m])", "avg_over_time((latency)[10m:1m])");
    assertThat(status.getMetrics()).extracting(MetricStatus::getName, MetricStatus::getValue, MetricStatus::getResult)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("error-rate", "0.001", MetricResult.Pass),
            org.assertj.core.groups.Tuple.tuple("p99-latency", "0.2", MetricResult.Pass));
    assertThat(status.getHistory()).extracting(HistoryEntry::getVerdict).containsOnly(
        "error-rate 0.001 within max 0.01 at weight 1; p99-latency 0.2 within baseline 0.2 +50% = 0.3 at weight 1",
        "error-rate 0.001 within max 0.01 at weight 5; p99-latency 0.2 within baseline 0.2 +50% = 0.3 at weight 5",
        "error-rate 0.001 within max 0.01 at weight 100; p99-latency 0.2 within baseline 0.2 +50% = 0.3 at weight 100");
    assertThat(status.getHistory()).extracting(HistoryEntry::getStartedAt)
        .as("each step soaks its 2 minutes and passes its measurements")
        .containsExactly("2026-11-26T02:00:00Z", "2026-11-26T02:02:00Z", "2026-11-26T02:04:00Z");
    assertThat(sim.now).isEqualTo(T0.plus(Duration.ofMinutes(6)));
  }

  @Test
  void anErrorRateBreachAtTheSecondStepRevertsAfterFailureLimitIntervals() {
    Simulation sim = sim(threeSteps());
    AtomicReference<Instant> firstBreach = new AtomicReference<>();
    sim.metrics = (name, promql) -> {
      if (name.equals("error-rate") && weight(sim) >= 5) {
        firstBreach.compareAndSet(null, sim.now);
        return new Measurement.Value(0.031);
      }
      return healthy(name, promql);
    };

    sim.runUntilQuiet(100);

    var status = sim.change.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(status.getLastDecision()).isEqualTo("error-rate 0.031 > max 0.01 (2/2) at weight 5: reverted,"
        + " removed USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"");
    assertThat(status.condition(Condition.STALLED).orElseThrow().getReason()).isEqualTo("ThresholdBreached");
    assertThat(sim.configMap()).isEqualTo(Map.of("USE_REDIS", "false"));
    assertThat(Duration.between(firstBreach.get(), sim.now)).as("one interval after the first failing measurement")
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(status.getHistory().get(1).getOutcome()).isEqualTo(StepOutcome.RolledBack);
    assertThat(status.getHistory().get(1).getVerdict()).isEqualTo("error-rate 0.031 > max 0.01 (2/2) at weight 5");
    assertThat(sim.plans.stream().flatMap(p -> p.notice().stream()).filter(n -> n.kind() == Notice.Kind.Warning))
        .extracting(Notice::reason).containsExactly("ThresholdBreached");
  }

  @Test
  void aLatencyRiseOverTheBaselineReverts() {
    Simulation sim = sim(threeSteps());
    sim.metrics = (name, promql) -> name.equals("p99-latency") && weight(sim) >= 5
        ? new Measurement.Value(0.42) : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getLastDecision())
        .startsWith("p99-latency 0.42 > baseline 0.2 +50% = 0.3 (1/1) at weight 5: reverted");
  }

  @Test
  void onFailureHoldFreezesTheFlagUntilTheSpecChanges() {
    ScalingChange change = threeSteps();
    change.getSpec().setOnFailure(OnFailure.Hold);
    Simulation sim = sim(change);
    AtomicBoolean bad = new AtomicBoolean(true);
    sim.metrics = (name, promql) -> name.equals("error-rate") && weight(sim) >= 5 && bad.get()
        ? new Measurement.Value(0.05) : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().condition(Condition.STALLED).orElseThrow().getReason()).isEqualTo("ThresholdBreached");
    assertThat(sim.configMap()).containsEntry(PCT, "5");
    assertThat(sim.plans.get(sim.plans.size() - 1).requeueAfter()).as("frozen: nothing scheduled").isEmpty();
    int queries = sim.queries;
    sim.advance(Duration.ofHours(1));
    sim.reconcile();
    assertThat(sim.queries).as("no measuring while frozen").isEqualTo(queries);

    bad.set(false);
    sim.change.getSpec().getAnalysis().getMetrics().get(0).setMax(0.1);
    sim.specEdited();
    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void withProviderErrorsOnHoldTheChangeIsHeldAfterTheLimitNeverAdvancesAndResumesWhenPrometheusIsBack() {
    ScalingChange change = threeSteps();
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(3);
    policy.setAction(ProviderErrorAction.Hold);
    change.getSpec().getAnalysis().setOnProviderError(policy);
    Simulation sim = sim(change);
    AtomicBoolean down = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> down.get()
        ? new Measurement.Failed("Prometheus at http://p:9090 unreachable: connection refused") : healthy(name, promql);
    sim.runUntilStep(1);
    down.set(true);

    for (int i = 0; i < 10; i++) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
    }

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().condition(Condition.READY).orElseThrow().getReason()).isEqualTo("MetricsUnavailable");
    assertThat(sim.change.getStatus().getLastDecision()).isEqualTo("error-rate: Prometheus at http://p:9090"
        + " unreachable: connection refused (3/3) at weight 5: holding at weight 5 until Prometheus answers");
    assertThat(sim.change.getStatus().getCurrentStep()).as("no step advanced").isEqualTo(1);

    down.set(false);
    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    List<String> decisions = sim.plans.stream().flatMap(p -> p.notice().stream()).map(Notice::message).toList();
    int held = decisions.indexOf("error-rate: Prometheus at http://p:9090 unreachable: connection refused (3/3) at"
        + " weight 5: holding at weight 5 until Prometheus answers");
    assertThat(held).as("held once, with one Event").isPositive();
    assertThat(decisions.get(held + 1)).as("the first answer after the outage passes the step")
        .startsWith("entered step 3/3 at weight 100");
  }

  @Test
  void aFailedQueryBelowTheBreakerLimitIsReportedAtOnceAndClearedWhenPrometheusAnswers() {
    Simulation sim = sim(threeSteps());
    AtomicBoolean down = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> down.get() && name.equals("error-rate")
        ? new Measurement.Failed("Prometheus at http://p:9090 unreachable: connection refused") : healthy(name, promql);
    sim.runUntilStep(1);
    down.set(true);
    sim.advance(Duration.ofMinutes(1));

    Plan failing = sim.reconcile();

    assertThat(failing.status().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(failing.status().condition(Condition.RECONCILING).orElseThrow().getReason()).isEqualTo("MetricsUnavailable");
    assertThat(failing.notice().orElseThrow().kind()).isEqualTo(Notice.Kind.Warning);
    assertThat(failing.status().getLastDecision()).isEqualTo("error-rate: Prometheus at http://p:9090 unreachable:"
        + " connection refused; asking again every 1m, holding after 5 failures in a row");
    sim.advance(Duration.ofMinutes(1));
    assertThat(sim.reconcile().notice()).as("the same failure again is no news").isEmpty();

    down.set(false);
    sim.advance(Duration.ofMinutes(1));
    Plan answered = sim.reconcile();

    assertThat(answered.status().condition(Condition.RECONCILING).orElseThrow().getReason()).isNotEqualTo("MetricsUnavailable");
    assertThat(answered.notice().orElseThrow().kind()).isEqualTo(Notice.Kind.Normal);
    assertThat(sim.configMap()).containsEntry(PCT, "100");
  }

  @Test
  void aReconcileBetweenMeasurementsDoesNotEndAHoldForMetrics() {
    ScalingChange change = threeSteps();
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(2);
    change.getSpec().getAnalysis().setOnProviderError(policy);
    Simulation sim = sim(change);
    AtomicBoolean down = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> down.get() ? new Measurement.Failed("HTTP 503 from Prometheus") : healthy(name, promql);
    sim.runUntilStep(1);
    down.set(true);
    for (int i = 0; i < 4; i++) {
      Plan plan = sim.reconcile();
      if (plan.status().getPhase() == Phase.Held) {
        break;
      }
      sim.advance(plan.requeueAfter().orElseThrow());
    }
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    int queries = sim.queries;

    sim.advance(Duration.ofSeconds(10));  // an annotation or a resync, before the next measurement is due
    Plan between = sim.reconcile();

    assertThat(sim.queries).isEqualTo(queries);
    assertThat(between.status().getPhase()).isEqualTo(Phase.Held);
    assertThat(between.notice()).isEmpty();
  }

  @Test
  void withProviderErrorsOnFailTheChangeReverts() {
    ScalingChange change = threeSteps();
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(2);
    policy.setAction(ProviderErrorAction.Fail);
    change.getSpec().getAnalysis().setOnProviderError(policy);
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> weight(sim) >= 5 ? new Measurement.Failed("HTTP 503 from Prometheus")
        : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().condition(Condition.STALLED).orElseThrow().getReason()).isEqualTo("MetricsUnavailable");
    assertThat(sim.configMap()).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void aQueryWithNoSeriesHoldsAndNeverAdvancesUntilItHasData() {
    Simulation sim = sim(threeSteps());
    AtomicBoolean empty = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> empty.get() && name.equals("error-rate")
        ? new Measurement.NoData("query returned no series") : healthy(name, promql);
    sim.runUntilStep(1);
    empty.set(true);

    for (int i = 0; i < 20; i++) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
    }

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().condition(Condition.READY).orElseThrow().getReason()).isEqualTo("NoData");
    assertThat(sim.change.getStatus().getCurrentStep()).isEqualTo(1);
    assertThat(sim.configMap()).containsEntry(PCT, "5");

    empty.set(false);
    sim.runUntilQuiet(100);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void noDataWithOnNoDataFailCountsAsAFailure() {
    ScalingChange change = threeSteps();
    change.getSpec().getAnalysis().setOnNoData(OnNoData.Fail);
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> name.equals("error-rate") && weight(sim) >= 5
        ? new Measurement.NoData("query returned NaN") : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getLastDecision())
        .startsWith("error-rate: no data (query returned NaN) (2/2) at weight 5: reverted");
  }

  @Test
  void tooLittleTrafficKeepsAStepWaitingWithoutFailingIt() {
    ScalingChange change = threeSteps();
    change.getSpec().getAnalysis().setMinSamples(new MinSamples("samples", 1000));
    Simulation sim = sim(change);
    AtomicBoolean quiet = new AtomicBoolean(true);
    sim.metrics = (name, promql) -> name.equals("minSamples")
        ? new Measurement.Value(quiet.get() ? 340 : 5000) : healthy(name, promql);

    for (int i = 0; i < 10; i++) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
    }

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(sim.change.getStatus().getCurrentStep()).isZero();
    assertThat(sim.change.getStatus().getLastDecision()).isEqualTo("step 1/3 soaked 2m; waiting for a passing analysis");
    assertThat(Analyzer.metric(sim.change.getStatus(), "minSamples").getMessage())
        .isEqualTo("minSamples 340 < min 1000 at weight 1: waiting for traffic");

    quiet.set(false);
    sim.runUntilQuiet(100);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void noStepIsEnteredBeforeItsPredecessorPassedAMeasurementEvenWithAShortPause() {
    ScalingChange change = threeSteps();
    change.getSpec().getSteps().forEach(s -> s.setPause("1s"));
    Simulation sim = sim(change);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getHistory()).extracting(HistoryEntry::getStartedAt)
        .containsExactly("2026-11-26T02:00:00Z", "2026-11-26T02:01:00Z", "2026-11-26T02:02:00Z");
  }

  @Test
  void aBaselineThatPrometheusCannotAnswerIsMeasuredAgainAndHeldAfterTheLimitBeforeAnyWrite() {
    ScalingChange change = threeSteps();
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(2);
    change.getSpec().getAnalysis().setOnProviderError(policy);
    Simulation sim = sim(change);
    AtomicBoolean down = new AtomicBoolean(true);
    sim.metrics = (name, promql) -> down.get() ? new Measurement.Failed("HTTP 503 from Prometheus") : healthy(name, promql);

    for (int i = 0; i < 6; i++) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
    }

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().getLastDecision())
        .isEqualTo("baseline error-rate: HTTP 503 from Prometheus (2/2): holding before the first step until Prometheus answers");
    assertThat(sim.flagWrites()).isZero();

    down.set(false);
    sim.runUntilQuiet(100);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void aBaselineWithoutDataForAMaxIncreaseMetricIsMeasuredAgainBeforeAnyWrite() {
    Simulation sim = sim(threeSteps());
    AtomicBoolean empty = new AtomicBoolean(true);
    sim.metrics = (name, promql) -> empty.get() && name.equals("p99-latency")
        ? new Measurement.NoData("query returned no series") : healthy(name, promql);

    for (int i = 0; i < 4; i++) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
    }

    assertThat(sim.flagWrites()).isZero();
    assertThat(sim.change.getStatus().getBaseline()).isNull();
    assertThat(sim.change.getStatus().getLastDecision()).isEqualTo("baseline p99-latency: no data (query returned no"
        + " series), needed for maxIncrease; measuring the baseline again in 1m");
    empty.set(false);
    sim.runUntilQuiet(100);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void aBaselineWithoutDataWithOnNoDataFailEndsTheChangeBeforeAnyWrite() {
    ScalingChange change = threeSteps();
    change.getSpec().getAnalysis().setOnNoData(OnNoData.Fail);
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> name.equals("p99-latency")
        ? new Measurement.NoData("query returned no series") : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.flagWrites()).isZero();
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getLastDecision()).isEqualTo("baseline p99-latency: no data (query returned no"
        + " series), needed for maxIncrease: reverted, nothing was written, nothing to restore");
  }

  @Test
  void afterTheLastStepTheChangeBakesMeasuringAndABreachWhileBakingReverts() {
    ScalingChange change = threeSteps();
    change.getSpec().setBake("5m");
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> name.equals("error-rate") && sim.change.getStatus() != null
        && sim.change.getStatus().getPhase() == Phase.Baking ? new Measurement.Value(0.5) : healthy(name, promql);

    sim.runUntilQuiet(100);

    assertThat(sim.plans.stream().flatMap(p -> p.notice().stream())).extracting(Notice::reason)
        .contains("Baking", "ThresholdBreached");
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void aCleanBakeEndsSucceededAfterTheBakeTime() {
    ScalingChange change = threeSteps();
    change.getSpec().setBake("5m");
    Simulation sim = sim(change);

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.now).isEqualTo(T0.plus(Duration.ofMinutes(6 + 5)));
    assertThat(sim.change.getStatus().getLastDecision()).startsWith("step 3/3 at weight 100 soaked 7m and passed analysis");
  }

  @Test
  void analysisWithoutAnAddressIsInvalidWhenTheOperatorHasNoDefault() {
    Simulation sim = new Simulation(new PlannerSettings(Duration.ofMinutes(10), Duration.ofSeconds(15), 20, false),
        threeSteps(), T0);

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(plan.status().getLastDecision()).isEqualTo("invalid spec: spec.analysis.prometheus.address: is not"
        + " set, and the operator has no default (FLAGRAMP_PROMETHEUS_ADDRESS)");
    assertThat(sim.queries).isZero();
  }

  @Test
  void aRestartedOperatorMeasuresAtTheRecordedCadenceNotAtOnce() {
    Simulation sim = sim(threeSteps());
    sim.runUntilStep(0);
    sim.advance(Duration.ofSeconds(60));
    sim.reconcile();  // the first measurement of step 1, at 02:01:00
    int queries = sim.queries;

    Simulation restarted = sim.restartedAt(sim.now.plusSeconds(20));
    Plan plan = restarted.reconcile();

    assertThat(restarted.queries).isZero();
    assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(40));
    assertThat(queries).isEqualTo(2 + 2);
  }

  @Test
  void aQueryPrometheusSaysIsWrongIsQueryInvalidNotMetricsUnavailableAndItsCountStopsAtTheLimit() {
    Simulation sim = sim(threeSteps());
    AtomicBoolean wrong = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> wrong.get() && name.equals("error-rate")
        ? new Measurement.Failed("Prometheus returned 3 series where one value is needed", true)
        : healthy(name, promql);
    sim.runUntilStep(0);
    wrong.set(true);

    sim.advance(Duration.ofMinutes(1));
    sim.reconcile();
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.QueryInvalid);
    assertThat(sim.change.getStatus().getLastDecision()).startsWith("error-rate: Prometheus returned 3 series where"
        + " one value is needed, the query is wrong; asking again every 1m");

    for (int i = 0; i < 12; i++) {
      sim.advance(Duration.ofMinutes(1));
      sim.reconcile();
    }
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.QueryInvalid);
    assertThat(sim.change.getStatus().getLastDecision()).endsWith(": holding at weight 1 until the query is fixed"
        + " (spec.analysis.metrics[].query)");
    assertThat(Analyzer.metric(sim.change.getStatus(), "error-rate").getConsecutiveErrors())
        .as("13 failed rounds, counted up to the limit").isEqualTo(5);
    assertThat(Analyzer.metric(sim.change.getStatus(), "error-rate").getMessage()).contains("(5/5)");

    wrong.set(false);  // the query was fixed
    sim.advance(Duration.ofMinutes(1));
    sim.reconcile();
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(sim.change.getStatus().getReason()).isNotEqualTo(Reason.QueryInvalid);
  }

  @Test
  void aConsecutiveFailureCountStopsAtTheFailureLimit() {
    ScalingChange change = threeSteps();
    change.getSpec().setOnFailure(io.flagramp.api.v1alpha1.OnFailure.Hold);
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> name.equals("error-rate") && weight(sim) >= 5
        ? new Measurement.Value(0.5) : healthy(name, promql);
    sim.runUntilStep(1);
    for (int i = 0; i < 10; i++) {
      sim.advance(Duration.ofMinutes(1));
      sim.reconcile();
    }

    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.ThresholdBreached);
    assertThat(Analyzer.metric(sim.change.getStatus(), "error-rate").getConsecutiveFailures()).isEqualTo(2);
  }
}
