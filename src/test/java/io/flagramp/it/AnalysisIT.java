package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Watch;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thresholds made real: the operator measures a test app scraped by a real Prometheus every
 * second, and reverts a flag when the app's error rate or latency goes bad at a step.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class AnalysisIT {

  static final Duration INTERVAL = Duration.ofSeconds(2);
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final Logger log = LoggerFactory.getLogger(AnalysisIT.class);
  private static OperatorHarness harness;
  private static TestPrometheus prometheus;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster, TestPrometheus shared) {
    prometheus = shared;
    harness = OperatorHarness.start(cluster, OperatorHarness.FAST, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  /** error-rate max 0.05 (2 in a row) and p99-latency at most 50% over its 6s baseline, every 2s. */
  static Analysis analysis(String address, TestApp app) {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("2s");
    analysis.setPrometheus(source);
    analysis.setInterval("2s");
    analysis.setBaseline(new Baseline("6s"));
    MetricCheck errors = new MetricCheck("error-rate", app.errorRateQuery());
    errors.setMax(0.05);
    errors.setFailureLimit(2);
    MetricCheck latency = new MetricCheck("p99-latency", app.p99Query());
    latency.setMaxIncrease("50%");
    analysis.setMetrics(new java.util.ArrayList<>(java.util.List.of(errors, latency)));
    return analysis;
  }

  private static ScalingChange analysed(String ns, TestApp app) {
    ScalingChange sc = change(ns, "use-redis", step(1, "3s"), step(5, "8s"), step(100, "3s"));
    sc.getSpec().setAnalysis(analysis(prometheus.baseUrl(), app));
    return sc;
  }

  private static String pct(String ns) {
    return harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE");
  }

  @Test
  void healthyTrafficCompletesAThreeStepRolloutRecordingTheBaselineAndTheValues() {
    String ns = harness.cluster.createNamespace("healthy");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      harness.changes().resource(analysed(ns, app)).create();

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    }
    ScalingChange done = harness.get(ns, "use-redis");
    assertThat(done.getStatus().getBaseline()).containsOnlyKeys("error-rate", "p99-latency");
    assertThat(done.getStatus().getBaseline().get("error-rate")).isEqualTo("0");
    assertThat(Double.parseDouble(done.getStatus().getBaseline().get("p99-latency"))).isBetween(0.025, 0.05);
    assertThat(done.getStatus().getMetrics()).extracting(MetricStatus::getName).containsExactly("error-rate", "p99-latency");
    assertThat(done.getStatus().getMetrics()).allSatisfy(m -> {
      assertThat(m.getResult()).isEqualTo(MetricResult.Pass);
      assertThat(m.getValue()).isNotBlank();
      assertThat(m.getMessage()).contains(" within ").endsWith("at weight 100");
    });
    assertThat(done.getStatus().getHistory()).extracting(HistoryEntry::getVerdict)
        .allSatisfy(v -> assertThat(v).startsWith("error-rate 0 within max 0.05"));
    assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "100");
  }

  @Test
  void anErrorRateBreachAtTheSecondStepRevertsTheFlagWithoutAPerson() {
    String ns = harness.cluster.createNamespace("errors");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    AtomicReference<Instant> restoredAt = new AtomicReference<>();
    try (TestApp app = new TestApp(prometheus.registry(), ns);
        Watch watch = onRestore(ns, restoredAt)) {
      awaitScraped(app);
      harness.changes().resource(analysed(ns, app)).create();
      await().atMost(WAIT).until(() -> "5".equals(pct(ns)));

      app.errorRate(0.5);

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);
      await().atMost(Duration.ofSeconds(10)).until(() -> restoredAt.get() != null);
      Instant firstBreachScraped = firstScrapeWithErrors(ns);
      Duration latency = Duration.between(firstBreachScraped, restoredAt.get());
      log.info("revert latency: {} ms from the first breaching sample scraped to the ConfigMap restored ="
          + " {} analysis intervals (failureLimit 2, interval 2s, scrape 1s: bound 2 intervals + 1 scrape = 2.5)",
          latency.toMillis(), String.format("%.2f", latency.toMillis() / (double) INTERVAL.toMillis()));
    }
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
    assertThat(sc.getStatus().getLastDecision()).matches("error-rate 0\\.[0-9]+ > max 0\\.05 \\(2/2\\) at weight 5:"
        + " reverted, removed USE_REDIS_PERCENTAGE \\(was absent\\), restored USE_REDIS=\"false\"");
    Condition stalled = sc.getStatus().condition(Condition.STALLED).orElseThrow();
    assertThat(stalled.isTrue()).isTrue();
    assertThat(stalled.getReason()).isEqualTo("ThresholdBreached");
    assertThat(stalled.getMessage()).isEqualTo(sc.getStatus().getLastDecision());
    assertThat(sc.getStatus().getHistory().get(1).getOutcome()).isEqualTo(StepOutcome.RolledBack);
    assertThat(sc.getStatus().getHistory().get(1).getVerdict()).matches("error-rate 0\\.[0-9]+ > max 0\\.05 \\(2/2\\) at weight 5");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("ThresholdBreached");
    }));
  }

  @Test
  void aBreachAtTheSecondStepOfAFlagdFlagGivesTheDocumentBackByteForByte() {
    String ns = harness.cluster.createNamespace("flagd-breach");
    String key = "flags.flagd.json";
    String document = """
        {
          "flags": {
            "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
            "dark-mode": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"}
          }
        }
        """;
    harness.createConfigMap(ns, "app-features", Map.of(key, document));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      ScalingChange sc = analysed(ns, app);
      sc.getSpec().setFlag(io.flagramp.api.v1alpha1.FlagTarget.flagd("app-features", key, "new-checkout"));
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> harness.configMapData(ns, "app-features").get(key)
          .contains("[\"on\",5],[\"off\",95]"));

      app.errorRate(0.5);

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);
    }
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getReason()).isEqualTo(io.flagramp.api.v1alpha1.Reason.ThresholdBreached);
    assertThat(sc.getStatus().getLastDecision()).matches("error-rate 0\\.[0-9]+ > max 0\\.05 \\(2/2\\) at weight 5:"
        + " reverted.*");
    await().atMost(Duration.ofSeconds(10)).until(() -> document.equals(harness.configMapData(ns, "app-features")
        .get(key)));
    assertThat(harness.configMapData(ns, "app-features")).containsOnlyKeys(key);
  }

  @Test
  void withOnFailureHoldABreachFreezesTheFlagAtItsWeight() {
    String ns = harness.cluster.createNamespace("hold");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      ScalingChange sc = analysed(ns, app);
      sc.getSpec().setOnFailure(io.flagramp.api.v1alpha1.OnFailure.Hold);
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "5".equals(pct(ns)));

      app.errorRate(0.5);

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
      Condition stalled = harness.condition(ns, "use-redis", Condition.STALLED).orElseThrow();
      assertThat(stalled.getReason()).isEqualTo("ThresholdBreached");
      assertThat(stalled.getMessage()).matches("error-rate 0\\.[0-9]+ > max 0\\.05 \\(2/2\\) at weight 5: holding at"
          + " weight 5 \\(onFailure: Hold\\); abort to restore the original values");
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getReason()).isEqualTo("ThresholdBreached");
      }));
      await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
          harness.phase(ns, "use-redis") == Phase.Held && "5".equals(pct(ns)));
    }
  }

  @Test
  void aLatencyRiseOverTheBaselineReverts() {
    String ns = harness.cluster.createNamespace("latency");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      harness.changes().resource(analysed(ns, app)).create();
      await().atMost(WAIT).until(() -> "5".equals(pct(ns)));

      app.latency(0.4);

      await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
    }
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getLastDecision())
        .matches("p99-latency 0\\.[0-9]+ > baseline 0\\.0[0-9]+ \\+50% = 0\\.0[0-9]+ \\(1/1\\) at weight 5: reverted, .*");
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void aQueryThatReturnsNoSeriesHoldsAndNeverAdvances() {
    String ns = harness.cluster.createNamespace("noseries");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    ScalingChange sc = change(ns, "use-redis", step(1, "2s"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    analysis.setPrometheus(source);
    analysis.setInterval("2s");
    MetricCheck missing = new MetricCheck("redis-errors", "sum(rate(redis_errors_total{app=\"" + ns + "\"}[5s]))");
    missing.setMax(0.0);
    analysis.setMetrics(new java.util.ArrayList<>(java.util.List.of(missing)));
    sc.getSpec().setAnalysis(analysis);

    harness.changes().resource(sc).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
    Condition stalled = harness.condition(ns, "use-redis", Condition.STALLED).orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("NoData");
    assertThat(stalled.getMessage()).isEqualTo("redis-errors: no data (query returned no series) at weight 1: holding"
        + " at weight 1 until it has data");
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() ->
        harness.phase(ns, "use-redis") == Phase.Held && "1".equals(pct(ns)));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "several series|label_replace(vector(1), \"copy\", \"a\", \"\", \"\") or vector(2)|query returned 2 series",
      "rejected PromQL|sum(rate(http_requests_total[5m]|bad PromQL: invalid parameter"})
  void aQueryPrometheusSaysIsWrongIsQueryInvalidAndHoldsUntilItIsFixed(String name, String query, String says) {
    String ns = harness.cluster.createNamespace("invalid-query");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    ScalingChange sc = change(ns, "use-redis", step(1, "1s"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    io.flagramp.api.v1alpha1.ProviderErrorPolicy policy = new io.flagramp.api.v1alpha1.ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(2);
    analysis.setOnProviderError(policy);
    MetricCheck wrong = new MetricCheck("error-rate", query);
    wrong.setMax(1.0);
    analysis.setMetrics(new java.util.ArrayList<>(java.util.List.of(wrong)));
    sc.getSpec().setAnalysis(analysis);

    harness.changes().resource(sc).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
    ScalingChange held = harness.get(ns, "use-redis");
    assertThat(held.getStatus().getReason()).as(name).isEqualTo(io.flagramp.api.v1alpha1.Reason.QueryInvalid);
    assertThat(held.getStatus().getLastDecision()).contains(says).contains("the query is wrong (2/2)")
        .endsWith("until the query is fixed (spec.analysis.metrics[].query)");
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
        harness.get(ns, "use-redis").getStatus().getMetrics().get(0).getConsecutiveErrors() == 2);

    harness.changes().inNamespace(ns).withName("use-redis").edit(c -> {
      c.getSpec().getAnalysis().getMetrics().get(0).setQuery("vector(0)");
      return c;
    });
    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
  }

  /** Waits until Prometheus has 6s of the app's 5s rates, the baseline window. */
  private static void awaitScraped(TestApp app) {
    await().atMost(WAIT).until(() -> !prometheus.server().instantQuery("count_over_time((" + app.p99Query()
        + ")[6s:1s]) > 5", Instant.now()).isEmpty());
  }

  private static Watch onRestore(String ns, AtomicReference<Instant> restoredAt) {
    return BenchmarkSupport.onRestore(harness, ns, restoredAt);
  }

  /** The timestamp of the first scraped sample in which the app's 5xx counter had grown. */
  private static Instant firstScrapeWithErrors(String ns) {
    return firstScrapeWithErrors(prometheus, ns);
  }

  static Instant firstScrapeWithErrors(TestPrometheus prometheus, String ns) {
    String query = "http_requests_total{app=\"" + ns + "\",code=\"500\"}[2m]";
    try {
      JsonNode result = new ObjectMapper().readTree(prometheus.server().get("/api/v1/query?query="
          + URLEncoder.encode(query, StandardCharsets.UTF_8))).path("data").path("result").get(0).path("values");
      for (JsonNode sample : result) {
        if (Double.parseDouble(sample.get(1).asText()) > 0) {
          return Instant.ofEpochMilli(Math.round(sample.get(0).asDouble() * 1000));
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("no sample with errors in " + query);
  }
}
