package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.CohortStatus;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Undecided;
import io.flagramp.api.v1alpha1.UndecidedAction;
import io.flagramp.demo.CohortTraffic;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The planner with a cohort metric, over simulated traffic counted by cohort ({@link CohortTraffic}):
 * 50 requests a second, 0.2% failing without the flag.
 */
class CohortPlannerTest {

  static final Instant T0 = Instant.parse("2026-12-06T02:00:00Z");
  static final String ERRORS = "sum(increase(app_requests_total{outcome=\"error\",$cohort}[$range]))";
  static final String REQUESTS = "sum(increase(app_requests_total{$cohort}[$range]))";

  /** 1% for 30m, 5% for 30m, then 100%; error-rate may be 0.5 points worse with the flag. */
  static ScalingChange change(Undecided undecided) {
    ScalingChange change = Changes.change("use-redis").step(1, "30m").step(5, "30m").step(100, null).build();
    Analysis analysis = new Analysis();
    analysis.setInterval("1m");
    Cohorts cohorts = new Cohorts();
    cohorts.setUndecided(undecided);
    analysis.setCohorts(cohorts);
    MetricCheck errors = new MetricCheck("error-rate", null);
    errors.setCohort(CohortMetric.rate(ERRORS, REQUESTS, "0.005"));
    analysis.setMetrics(List.of(errors));
    change.getSpec().setAnalysis(analysis);
    return change;
  }

  static Simulation sim(ScalingChange change, double onErrorRate, double requestsPerSecond) {
    Simulation sim = new Simulation(AnalysisPlannerTest.SETTINGS, change, T0);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    CohortTraffic traffic = new CohortTraffic(requestsPerSecond, 0.002, onErrorRate,
        () -> AnalysisPlannerTest.weight(sim), () -> sim.now, 20261206L);
    sim.metrics = traffic::answer;
    return sim;
  }

  /** Reconciles, jumping the clock, until {@code done} or {@code limit} of simulated time. */
  static void runUntil(Simulation sim, Predicate<Simulation> done, Duration limit) {
    Instant end = sim.now.plus(limit);
    while (!done.test(sim) && sim.now.isBefore(end)) {
      var plan = sim.reconcile();
      if (done.test(sim)) {
        return;
      }
      sim.now = sim.now.plus(plan.requeueAfter().orElseThrow(() -> new AssertionError("quiet: "
          + sim.change.getStatus().getLastDecision())));
    }
  }

  @Test
  void aFlagThatFailsAFifthOfItsRequestsIsRevertedAtOnePercentWithTheNumbersInTheDecision() {
    Simulation sim = sim(change(null), 0.2, 50);
    List<String> queries = new ArrayList<>();
    var traffic = sim.metrics;
    sim.metrics = (name, promql) -> {
      queries.add(name + " " + promql);
      return traffic.apply(name, promql);
    };

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.RolledBack,
        Duration.ofHours(1));

    var status = sim.change.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(status.getReason()).isEqualTo(Reason.CohortWorse);
    assertThat(status.getLastDecision()).startsWith("error-rate flag-on ").contains(" vs flag-off ")
        .contains("points, 95% interval ").contains("allowed +0.5").contains("fails at weight 1");
    assertThat(sim.configMap()).doesNotContainKey(AnalysisPlannerTest.PCT);
    CohortStatus cohort = status.getMetrics().get(0).getCohort();
    assertThat(cohort.getVerdict()).isEqualTo("Fail");
    assertThat(cohort.getOnSamples()).isPositive();
    assertThat(cohort.getOffSamples()).isGreaterThan(cohort.getOnSamples() * 50);
    Duration took = Duration.between(T0, sim.now);
    assertThat(took).as("reverted within 10 intervals of 1m").isLessThanOrEqualTo(Duration.ofMinutes(10));
    assertThat(queries).as("each cohort's counts since the step began, by the label's value")
        .contains("error-rate#on-errors sum(increase(app_requests_total{outcome=\"error\","
            + "feature_flag_result_variant=\"on\"}[60s]))")
        .contains("error-rate#off-requests sum(increase(app_requests_total{feature_flag_result_variant=\"off\"}"
            + "[60s]))");
    assertThat(sim.events).anyMatch(n -> n.reason().equals("CohortWorse") && n.message().contains("flag-on"));
  }

  @Test
  void theCohortsNumbersReachTheMetricsEndpointAndLeaveItWithTheChange() {
    Simulation sim = sim(change(null), 0.2, 50);
    io.prometheus.metrics.model.registry.PrometheusRegistry registry =
        new io.prometheus.metrics.model.registry.PrometheusRegistry();
    io.flagramp.operator.OperatorMetrics metrics = new io.flagramp.operator.OperatorMetrics(registry);
    sim.observedBy(metrics);

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.RolledBack,
        Duration.ofHours(1));

    CohortStatus cohort = sim.change.getStatus().getMetrics().get(0).getCohort();
    java.util.Map<String, Double> shown = gauges(registry);
    assertThat(shown).containsEntry("flagramp_cohort_value{cohort=on}", Double.parseDouble(cohort.getOn()))
        .containsEntry("flagramp_cohort_value{cohort=off}", Double.parseDouble(cohort.getOff()))
        .containsEntry("flagramp_cohort_samples{cohort=on}", cohort.getOnSamples().doubleValue())
        .containsEntry("flagramp_cohort_difference{bound=allowed}", 0.005)
        .containsKeys("flagramp_cohort_difference{bound=estimate}", "flagramp_cohort_difference{bound=lower}",
            "flagramp_cohort_difference{bound=upper}");
    assertThat(shown.get("flagramp_cohort_difference{bound=lower}")).as("worse than allowed, surely")
        .isGreaterThan(0.005);

    metrics.forgotten(sim.change);
    assertThat(gauges(registry)).isEmpty();
  }

  /** The cohort gauges, by name and their one label besides the change's and the metric's. */
  static java.util.Map<String, Double> gauges(io.prometheus.metrics.model.registry.PrometheusRegistry registry) {
    java.util.Map<String, Double> shown = new java.util.TreeMap<>();
    for (var snapshot : registry.scrape()) {
      String metric = snapshot.getMetadata().getPrometheusName();
      if (!metric.startsWith("flagramp_cohort_")) {
        continue;
      }
      for (var point : ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) snapshot).getDataPoints()) {
        String label = point.getLabels().contains("cohort") ? "cohort=" + point.getLabels().get("cohort")
            : "bound=" + point.getLabels().get("bound");
        shown.put(metric + "{" + label + "}", point.getValue());
      }
    }
    return shown;
  }

  @Test
  void aHealthyFlagPassesEachStepOnItsOwnCohortAndSucceeds() {
    Simulation sim = sim(change(null), 0.002, 500);

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.Succeeded,
        Duration.ofHours(6));

    var status = sim.change.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getHistory()).hasSize(3);
    assertThat(status.getHistory().get(0).getVerdict()).startsWith("error-rate flag-on").contains("passes at weight 1");
    assertThat(status.getMetrics().get(0).getResult()).isEqualTo(MetricResult.Pass);
  }

  @Test
  void undecidedPastThePauseIsExtendedThenHeldAndAPromoteLetsItGoOn() {
    // 5 requests a second: 1% of them is too few to say either way within the step.
    Simulation sim = sim(change(null), 0.002, 5);

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getReason() == Reason.Undecided,
        Duration.ofHours(1));
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(sim.now).isAfterOrEqualTo(T0.plus(Duration.ofMinutes(30)));
    assertThat(sim.change.getStatus().getLastDecision()).contains("extended until");

    runUntil(sim, s -> s.change.getStatus().getPhase() == Phase.Held, Duration.ofHours(1));
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.Undecided);
    assertThat(sim.now).as("extended by the pause again").isAfterOrEqualTo(T0.plus(Duration.ofMinutes(60)));
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(1);
    assertThat(sim.change.getStatus().getLastDecision()).contains("holding at weight 1")
        .contains("flagramp.io/promote");

    sim.annotate(Annotations.PROMOTE, "checked the dashboards");
    runUntil(sim, s -> s.change.getStatus().getCurrentWeight() == 5, Duration.ofMinutes(5));
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(5);
    assertThat(sim.change.getStatus().getHistory().get(0).getVerdict()).contains("promoted by");
  }

  @Test
  void aBakeBelowOneHundredThatStaysUndecidedIsExtendedAsBakingThenHeld() {
    ScalingChange change = Changes.change("use-redis").step(1, "30m").step(5, "30m").build();
    change.getSpec().setAnalysis(change(null).getSpec().getAnalysis());
    change.getSpec().setBake("30m");
    Simulation sim = new Simulation(AnalysisPlannerTest.SETTINGS, change, T0);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    CohortTraffic traffic = new CohortTraffic(500, 0.002, 0.002, () -> AnalysisPlannerTest.weight(sim),
        () -> sim.now, 20261206L);
    sim.metrics = traffic::answer;

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getBakeStartedAt() != null,
        Duration.ofHours(3));
    // The bake starts: from now on, too little traffic to decide in its 30 minutes.
    traffic.requestsPerSecond(5);
    runUntil(sim, s -> s.change.getStatus().getReason() == Reason.Undecided, Duration.ofHours(1));

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Baking);
    assertThat(sim.change.getStatus().getLastDecision()).contains("extended until");
    runUntil(sim, s -> s.change.getStatus().getPhase() == Phase.Held, Duration.ofHours(2));
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.Undecided);
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(5);
  }

  @Test
  void withOnFailureHoldACohortFailFreezesTheFlagEvenWhenTheCohortsLaterLookAlike() {
    ScalingChange change = change(null);
    change.getSpec().setOnFailure(io.flagramp.api.v1alpha1.OnFailure.Hold);
    Simulation sim = new Simulation(AnalysisPlannerTest.SETTINGS, change, T0);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    CohortTraffic traffic = new CohortTraffic(50, 0.002, 0.2, () -> AnalysisPlannerTest.weight(sim),
        () -> sim.now, 20261206L);
    sim.metrics = traffic::answer;

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.Held,
        Duration.ofHours(1));
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.CohortWorse);
    // The flag's path is fixed under it: its cohort soon reads as well as the other.
    traffic.onErrorRate(0.002);
    traffic.requestsPerSecond(500);
    Instant held = sim.now;
    for (int i = 0; i < 500 && sim.now.isBefore(held.plus(Duration.ofHours(3))); i++) {
      var plan = sim.reconcile();
      sim.now = sim.now.plus(plan.requeueAfter().orElse(Duration.ofMinutes(1)));
    }

    assertThat(sim.change.getStatus().getPhase()).as("frozen by onFailure: Hold until abort or a spec change")
        .isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.CohortWorse);
    assertThat(AnalysisPlannerTest.weight(sim)).isEqualTo(1);
  }

  @Test
  void undecidedWithActionRevertRestoresTheOriginalsOnceThePauseIsOver() {
    Undecided revert = new Undecided();
    revert.setAction(UndecidedAction.Revert);
    Simulation sim = sim(change(revert), 0.002, 5);

    runUntil(sim, s -> s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.RolledBack,
        Duration.ofHours(1));

    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.Undecided);
    assertThat(Duration.between(T0, sim.now)).isBetween(Duration.ofMinutes(30), Duration.ofMinutes(32));
    assertThat(sim.configMap()).doesNotContainKey(AnalysisPlannerTest.PCT);
  }
}
