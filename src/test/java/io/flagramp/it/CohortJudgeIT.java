package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.CohortMetric;
import io.flagramp.api.v1alpha1.CohortStatus;
import io.flagramp.api.v1alpha1.Cohorts;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.core.Timestamps;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.testbed.FlagApp;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import io.flagramp.testbed.Traffic;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cohort judge against the real Prometheus and the real API server: a {@link FlagApp} serves real
 * HTTP traffic from random users, buckets them by the flag's percentage in its ConfigMap as the operator
 * ramps it, and labels its counters and latency histogram by the flag's variant; Prometheus scrapes it
 * every second; the operator judges flag-on against flag-off every {@link #INTERVAL}.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class CohortJudgeIT {

  private static final Logger log = LoggerFactory.getLogger(CohortJudgeIT.class);
  static final Duration INTERVAL = Duration.ofSeconds(2);
  /** How many intervals a flag failing 20% of its requests may take to be reverted at 1%. */
  static final int MOST_INTERVALS_TO_REVERT = 20;
  /** Requests a second: 2 flag-on users a second at 1%; a simulation of the judge reverts in 4 intervals (median). */
  static final int TRAFFIC = 200;
  static final String FLAGS = "checkout-flags";
  static final String PCT = "NEW_CHECKOUT_PERCENTAGE";
  static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir
  static Path bin;

  private static OperatorHarness harness;
  private static TestPrometheus prometheus;
  private static KubectlPlugin plugin;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster, TestPrometheus shared) throws IOException {
    prometheus = shared;
    plugin = KubectlPlugin.installIn(bin);
    harness = OperatorHarness.start(cluster, OperatorHarness.FAST, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void aFlagWhoseOnPathFailsOneRequestInFiveIsRevertedAtOnePercentAndStatusEventAndPluginShowTheNumbers() {
    String ns = harness.cluster.createNamespace("cohort-fails");
    harness.createConfigMap(ns, FLAGS, Map.of(PCT, "0"));
    ScalingChange sc = change(ns, "new-checkout", FLAGS, PCT, List.of(new Step(1, "60s"), new Step(5, "10s"),
        new Step(100, null)), analysis(List.of(errorRate(ns))));
    try (FlagApp app = app(ns); Traffic traffic = Traffic.start(app.uri(), TRAFFIC)) {
      app.failOnPath(0.2);
      awaitScraped(app);
      harness.changes().resource(sc).create();

      await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "new-checkout"));
      log.info("traffic: {} requests answered, {} unanswered", traffic.sent(), traffic.unanswered());
    }

    ScalingChange reverted = harness.get(ns, "new-checkout");
    assertThat(reverted.getStatus().getReason()).isEqualTo(Reason.CohortWorse);
    assertThat(harness.configMapData(ns, FLAGS)).isEqualTo(Map.of(PCT, "0"));
    HistoryEntry step = reverted.getStatus().getHistory().get(0);
    assertThat(step.getWeight()).as("reverted at the first step").isEqualTo(1);
    assertThat(step.getOutcome()).isEqualTo(StepOutcome.RolledBack);
    long intervals = intervals(step);
    log.info("a flag failing 20% of its requests was reverted at weight 1 after {} intervals of {} ({} to {}): {}",
        intervals, INTERVAL, step.getStartedAt(), step.getEndedAt(), step.getVerdict());
    assertThat(intervals).isLessThanOrEqualTo(MOST_INTERVALS_TO_REVERT);

    // status.metrics[].cohort: the numbers the verdict was drawn from.
    CohortStatus cohort = metric(reverted, "error-rate").getCohort();
    assertThat(cohort.getVerdict()).isEqualTo("Fail");
    assertThat(Double.parseDouble(cohort.getOn())).as("flag-on's error rate").isBetween(0.05, 0.5);
    assertThat(Double.parseDouble(cohort.getOff())).as("flag-off's error rate").isLessThan(0.02);
    assertThat(cohort.getOnSamples()).isPositive();
    assertThat(cohort.getOffSamples()).as("99% of the users are flag-off").isGreaterThan(20 * cohort.getOnSamples());
    assertThat(cohort.getDifference()).matches("\\+0\\.[0-9]+");
    assertThat(cohort.getInterval()).matches("\\+0\\.[0-9]+\\.\\.\\+0\\.[0-9]+");
    assertThat(Double.parseDouble(cohort.getInterval().split("\\.\\.")[0])).as("the interval's low end is above"
        + " the allowance").isGreaterThan(0.005);
    assertThat(cohort.getAllowed()).isEqualTo("+0.005");

    // The revert's Event says the same in words.
    String line = "error-rate flag-on [0-9.]+% vs flag-off [0-9.]+% \\(\\+[0-9.]+ points, 95% interval"
        + " \\+[0-9.]+\\.\\.\\+[0-9.]+; allowed \\+0\\.50\\) fails at weight 1";
    assertThat(reverted.getStatus().getLastDecision()).matches(line + ": reverted, restored " + PCT + "=\"0\"");
    Event revert = await().atMost(Duration.ofSeconds(15)).until(() -> harness.events(ns, "new-checkout").stream()
        .filter(e -> "CohortWorse".equals(e.getReason())).findFirst(), java.util.Optional::isPresent).orElseThrow();
    log.info("the revert's Event: {}", revert.getMessage());
    assertThat(revert.getType()).isEqualTo("Warning");
    assertThat(revert.getMessage()).matches(line + ": reverted.*");

    // And the plugin's screen, as on-call runs it.
    KubectlResult status = plugin.run(harness.cluster, "status", "-n", ns, "new-checkout");
    assertThat(status.exitCode()).isZero();
    assertThat(status.output()).contains("Phase     RolledBack  CohortWorse")
        .containsPattern("error-rate +[0-9.]+% +flag-off \\+0\\.50 points +Fail")
        .containsPattern("flag-on [0-9.]+% of [0-9,]+ requests, flag-off [0-9.]+% of [0-9,]+ \\(min 100 each\\)")
        .containsPattern("difference \\+[0-9.]+ points, 95% interval \\+[0-9.]+\\.\\.\\+[0-9.]+; allowed \\+0\\.50");
  }

  /**
   * One app, one incident, two judges of the same counters: the flag ramped under the cohort judge, and a
   * second change (on a flag the app does not read) whose threshold metric is the app's whole error rate
   * against its baseline, as the before/after judge sees it.
   */
  @Test
  void anIncidentThatTriplesBothCohortsErrorRatesRevertsTheBaselineJudgeButNotTheCohortJudge() {
    String ns = harness.cluster.createNamespace("cohort-incident");
    harness.createConfigMap(ns, FLAGS, Map.of(PCT, "0"));
    harness.createConfigMap(ns, "shadow-flags", Map.of("SHADOW_PERCENTAGE", "0"));
    List<Step> steps = List.of(new Step(20, "60s"), new Step(100, null));
    ScalingChange cohortJudged = change(ns, "by-cohort", FLAGS, PCT, steps, analysis(List.of(errorRate(ns))));
    MetricCheck serviceErrors = new MetricCheck("error-rate", "sum(rate(" + FlagApp.REQUESTS + "{" + FlagApp.KEY
        + "=\"" + ns + "\",outcome=\"error\"}[20s])) / sum(rate(" + FlagApp.REQUESTS + "{" + FlagApp.KEY + "=\""
        + ns + "\"}[20s]))");
    serviceErrors.setMaxIncrease("100%");
    Analysis thresholds = analysis(List.of(serviceErrors));
    thresholds.setBaseline(new Baseline("10s"));
    ScalingChange thresholdJudged = change(ns, "by-baseline", "shadow-flags", "SHADOW_PERCENTAGE", steps, thresholds);
    try (FlagApp app = app(ns); Traffic traffic = Traffic.start(app.uri(), TRAFFIC)) {
      // 1% of requests fail in either cohort: the flag itself is healthy.
      app.errorRate(0.01);
      awaitScraped(app);
      harness.changes().resource(cohortJudged).create();
      harness.changes().resource(thresholdJudged).create();
      await().atMost(WAIT).until(() -> app.percentage() == 20 && "20".equals(harness.configMapData(ns, "shadow-flags")
          .get("SHADOW_PERCENTAGE")));
      // Mid-step: the baseline judge passes the step, the cohort judge has counted 100 flag-on requests.
      await().atMost(WAIT).until(() -> passing(ns, "by-baseline") && onSamples(ns, "by-cohort") >= 100);

      assertThat(harness.phase(ns, "by-baseline")).as("the baseline judge passes the step before the incident")
          .isEqualTo(Phase.Progressing);
      Instant incident = Instant.now();
      app.incident(3);

      await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "by-baseline"));
      log.info("the baseline judge reverted {} s after the incident began: {}",
          Duration.between(incident, Instant.now()).toSeconds(), harness.get(ns, "by-baseline").getStatus()
              .getLastDecision());
      assertThat(harness.get(ns, "by-baseline").getStatus().getReason()).isEqualTo(Reason.ThresholdBreached);
      // The same incident, judged by cohort for ten more intervals: never a Fail, never a revert.
      await().during(INTERVAL.multipliedBy(10)).atMost(INTERVAL.multipliedBy(15)).until(() -> {
        ScalingChange sc = harness.get(ns, "by-cohort");
        return sc.getStatus().getPhase() != Phase.RolledBack
            && !"Fail".equals(metric(sc, "error-rate").getCohort().getVerdict());
      });
      log.info("traffic: {} requests answered, {} unanswered", traffic.sent(), traffic.unanswered());
    }
    ScalingChange judged = harness.get(ns, "by-cohort");
    assertThat(judged.getStatus().getHistory()).noneMatch(h -> h.getOutcome() == StepOutcome.RolledBack);
    // Both cohorts' rates rose over the step: the incident was in the counts the cohort judge kept passing.
    CohortStatus cohort = metric(judged, "error-rate").getCohort();
    log.info("the cohort judge through the incident: {} ({}): flag-on {} of {}, flag-off {} of {}, difference {}"
        + " ({})", judged.getStatus().getPhase(), metric(judged, "error-rate").getMessage(), cohort.getOn(),
        cohort.getOnSamples(), cohort.getOff(), cohort.getOffSamples(), cohort.getDifference(), cohort.getInterval());
    assertThat(judged.getStatus().getPhase()).isIn(Phase.Progressing, Phase.Succeeded);
    assertThat(Double.parseDouble(cohort.getOff())).as("flag-off's rate rose over its 1%").isGreaterThan(0.012);
    assertThat(Double.parseDouble(cohort.getOn())).as("flag-on's rate rose over its 1%").isGreaterThan(0.012);
  }

  @Test
  void aLatencyRiseOfHalfOnTheFlagOnPathOnlyIsReverted() {
    String ns = harness.cluster.createNamespace("cohort-slow-on");
    harness.createConfigMap(ns, FLAGS, Map.of(PCT, "0"));
    ScalingChange sc = change(ns, "new-checkout", FLAGS, PCT, List.of(new Step(20, "30s"), new Step(100, null)),
        analysis(List.of(latency(ns))));
    try (FlagApp app = app(ns); Traffic traffic = Traffic.start(app.uri(), TRAFFIC)) {
      app.slowerOnPath(1.5);
      awaitScraped(app);
      harness.changes().resource(sc).create();

      await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "new-checkout"));
    }
    ScalingChange reverted = harness.get(ns, "new-checkout");
    assertThat(reverted.getStatus().getReason()).isEqualTo(Reason.CohortWorse);
    HistoryEntry step = reverted.getStatus().getHistory().get(0);
    CohortStatus cohort = metric(reverted, "latency").getCohort();
    log.info("flag-on 50% slower: reverted at weight 20 after {} intervals: {} (flag-on values {}; flag-off {})",
        intervals(step), step.getVerdict(), cohort.getOnValues(), cohort.getOffValues());
    assertThat(step.getVerdict()).matches("latency flag-on 0\\.0[0-9]+ vs flag-off 0\\.0[0-9]+ \\(\\+[0-9.]+%, 95%"
        + " interval \\+[0-9.]+%\\.\\.\\+[0-9.]+%; allowed \\+20%\\) fails at weight 20");
    assertThat(cohort.getVerdict()).isEqualTo("Fail");
    double ratio = Double.parseDouble(cohort.getOn()) / Double.parseDouble(cohort.getOff());
    assertThat(ratio).as("flag-on's median over flag-off's").isBetween(1.3, 1.7);
    assertThat(Long.valueOf(cohort.getOnSamples())).isGreaterThanOrEqualTo(10L);
  }

  @Test
  void aLatencyRiseOfHalfOnEveryoneMidStepIsNotReverted() {
    String ns = harness.cluster.createNamespace("cohort-slow-all");
    harness.createConfigMap(ns, FLAGS, Map.of(PCT, "0"));
    ScalingChange sc = change(ns, "new-checkout", FLAGS, PCT, List.of(new Step(20, "30s"), new Step(100, null)),
        analysis(List.of(latency(ns))));
    CohortStatus cohort;
    try (FlagApp app = app(ns); Traffic traffic = Traffic.start(app.uri(), TRAFFIC)) {
      awaitScraped(app);
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> valuesInStep(ns, "new-checkout") >= 2);

      app.slowerForEveryone(1.5);

      // The step's last judgement at weight 20 (at 100 there is no flag-off cohort left to compare with).
      AtomicReference<CohortStatus> passed = new AtomicReference<>();
      await().atMost(WAIT).until(() -> {
        ScalingChange live = harness.get(ns, "new-checkout");
        CohortStatus c = metric(live, "latency").getCohort();
        if (c != null && "Pass".equals(c.getVerdict())) {
          passed.set(c);
        }
        return live.getStatus().getPhase() == Phase.RolledBack || passed.get() != null;
      });
      await().atMost(WAIT).until(() -> harness.phase(ns, "new-checkout") == Phase.Succeeded);
      cohort = passed.get();
    }
    ScalingChange succeeded = harness.get(ns, "new-checkout");
    assertThat(succeeded.getStatus().getHistory()).noneMatch(h -> h.getOutcome() == StepOutcome.RolledBack);
    HistoryEntry step = succeeded.getStatus().getHistory().get(0);
    log.info("everyone 50% slower mid-step: passed at weight 20 after {} intervals: {} (flag-on values {}; flag-off"
        + " {})", intervals(step), step.getVerdict(), cohort.getOnValues(), cohort.getOffValues());
    assertThat(step.getVerdict()).matches("latency flag-on .* passes at weight 20");
    // The slow-down is in flag-off's own series: its last values are half again its first.
    List<Double> off = values(cohort.getOffValues());
    assertThat(off.get(off.size() - 1) / off.get(0)).as("flag-off's latency rose").isGreaterThan(1.3);
  }

  // ---- the changes ----

  private static FlagApp app(String ns) {
    return new FlagApp(harness.client, ns, FLAGS, PCT, ns, prometheus.registry());
  }

  /** Errors over requests by cohort since the step began, flag-on at most 0.5 points worse. */
  private static MetricCheck errorRate(String flagKey) {
    MetricCheck m = new MetricCheck();
    m.setName("error-rate");
    String requests = FlagApp.REQUESTS + "{" + FlagApp.KEY + "=\"" + flagKey + "\",";
    m.setCohort(CohortMetric.rate("sum(increase(" + requests + "outcome=\"error\",$cohort}[$range]))",
        "sum(increase(" + requests + "$cohort}[$range]))", "0.005"));
    return m;
  }

  /** The median latency by cohort over the last 6 seconds, flag-on at most 20% slower. */
  private static MetricCheck latency(String flagKey) {
    MetricCheck m = new MetricCheck();
    m.setName("latency");
    m.setCohort(CohortMetric.value("histogram_quantile(0.5, sum by (le) (rate(" + FlagApp.DURATION + "_bucket{"
        + FlagApp.KEY + "=\"" + flagKey + "\",$cohort}[6s])))", "20%"));
    return m;
  }

  private static Analysis analysis(List<MetricCheck> metrics) {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout("2s");
    analysis.setPrometheus(source);
    analysis.setInterval(INTERVAL.toSeconds() + "s");
    Cohorts cohorts = new Cohorts();
    cohorts.setMinSamples(100L);
    analysis.setCohorts(cohorts);
    analysis.setMetrics(new ArrayList<>(metrics));
    return analysis;
  }

  private static ScalingChange change(String ns, String name, String configMap, String key, List<Step> steps,
      Analysis analysis) {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName(name);
    sc.getMetadata().setNamespace(ns);
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget(configMap, key, null));
    spec.setSteps(new ArrayList<>(steps));
    spec.setAnalysis(analysis);
    sc.setSpec(spec);
    return sc;
  }

  // ---- reading what happened ----

  /** Waits until Prometheus has 10s of the app's requests, flag-off ones at least. */
  private static void awaitScraped(FlagApp app) {
    String query = "count_over_time(sum(rate(" + FlagApp.REQUESTS + "{" + FlagApp.KEY + "=\"" + app.flagKey()
        + "\"}[5s]))[10s:1s]) > 9";
    await().atMost(WAIT).until(() -> !prometheus.server().instantQuery(query, Instant.now()).isEmpty());
  }

  private static MetricStatus metric(ScalingChange sc, String name) {
    return sc.getStatus().getMetrics().stream().filter(m -> name.equals(m.getName())).findFirst().orElseThrow();
  }

  /** Intervals from the step's start to its end, each begun one counted. */
  private static long intervals(HistoryEntry step) {
    Duration took = Duration.between(Timestamps.parse(step.getStartedAt()), Timestamps.parse(step.getEndedAt()));
    return (took.toMillis() + INTERVAL.toMillis() - 1) / INTERVAL.toMillis();
  }

  /** The change's first metric passes now, measured at its current weight. */
  private static boolean passing(String ns, String name) {
    ScalingChange sc = harness.get(ns, name);
    return sc != null && sc.getStatus() != null && sc.getStatus().getMetrics() != null
        && !sc.getStatus().getMetrics().isEmpty()
        && sc.getStatus().getMetrics().get(0).getResult() == io.flagramp.api.v1alpha1.MetricResult.Pass;
  }

  /** Flag-on requests a cohort rate has counted in the current step; 0 before any. */
  private static long onSamples(String ns, String name) {
    ScalingChange sc = harness.get(ns, name);
    if (sc == null || sc.getStatus() == null || sc.getStatus().getMetrics() == null) {
      return 0;
    }
    return sc.getStatus().getMetrics().stream().filter(m -> m.getCohort() != null && m.getCohort().getOnSamples() != null)
        .mapToLong(m -> m.getCohort().getOnSamples()).findFirst().orElse(0);
  }

  /** Values a continuous cohort metric has kept in the current step, flag-on's. */
  private static long valuesInStep(String ns, String name) {
    ScalingChange sc = harness.get(ns, name);
    if (sc == null || sc.getStatus() == null || sc.getStatus().getMetrics() == null) {
      return 0;
    }
    return sc.getStatus().getMetrics().stream().filter(m -> m.getCohort() != null)
        .mapToLong(m -> values(m.getCohort().getOnValues()).size()).findFirst().orElse(0);
  }

  private static List<Double> values(String kept) {
    if (kept == null || kept.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(kept.trim().split(" +")).filter(v -> !v.equals("-")).map(Double::valueOf).toList();
  }
}
