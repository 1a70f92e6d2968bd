package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricResult;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.OnNoData;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PromLabelProxy;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import io.prometheus.metrics.core.metrics.Gauge;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With FLAGRAMP_PROMETHEUS_TENANT_LABEL=namespace and the real prom-label-proxy v0.11.1 in front of the
 * test bed's real Prometheus, a change cannot read a metric of another namespace. Two tenants' series of
 * one metric, labelled by namespace as a scrape would: team A's error ratio is 0.01, team B's 0.9, and
 * a second metric exists in B only. A change of A that names B's series, names no namespace, matches
 * every namespace by regex, or brings B's namespace in its address' query string is judged on A's
 * 0.01 (each of those reads 0.9 or more from Prometheus itself, which would roll it back); one that asks
 * for B's other metric gets no data; a change of B is judged on B's own 0.9 and rolled back.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class TenantScopedQueriesIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ERROR_RATIO = "flagramp_it_tenant_error_ratio";
  private static final String ONLY_IN_B = "flagramp_it_tenant_only_in_b";
  private static final double A_VALUE = 0.01;
  private static final double B_VALUE = 0.9;

  private static TestPrometheus prometheus;
  private static PromLabelProxy proxy;
  private static OperatorHarness harness;
  private static Gauge errorRatio;
  private static Gauge onlyInB;
  private static String teamA;
  private static String teamB;

  @BeforeAll
  static void start(KubeTestCluster cluster, TestPrometheus shared) {
    prometheus = shared;
    proxy = PromLabelProxy.start(prometheus.baseUrl(), "namespace");
    teamA = cluster.createNamespace("team-a");
    teamB = cluster.createNamespace("team-b");
    errorRatio = Gauge.builder().name(ERROR_RATIO).help("each tenant's error ratio").labelNames("namespace")
        .register(prometheus.registry());
    onlyInB = Gauge.builder().name(ONLY_IN_B).help("a series of team B alone").labelNames("namespace")
        .register(prometheus.registry());
    errorRatio.labelValues(teamA).set(A_VALUE);
    errorRatio.labelValues(teamB).set(B_VALUE);
    onlyInB.labelValues(teamB).set(1);
    await().atMost(WAIT).until(() -> prometheus.server().instantQuery(ERROR_RATIO, Instant.now()).size() == 2
        && prometheus.server().instantQuery(ONLY_IN_B, Instant.now()).size() == 1);
    // The proxy is the only address a change may name: Prometheus itself would be read unscoped.
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", proxy.baseUrl(), "FLAGRAMP_PROMETHEUS_TENANT_LABEL", "namespace"));
    harness = OperatorHarness.start(cluster, settings, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (errorRatio != null) {
      prometheus.registry().unregister(errorRatio);
      prometheus.registry().unregister(onlyInB);
    }
  }

  @Test
  void theTestBedsPrometheusGivesBsSeriesToAnyoneAndTheProxyGivesAOnlyAs() {
    String namedB = "max(" + ERROR_RATIO + "{namespace=\"" + teamB + "\"})";

    assertThat(prometheus.server().instantQuery(namedB, Instant.now())).containsExactly(B_VALUE);
    assertThat(proxy.get(query(namedB, "&namespace=" + teamA)).body()).contains("\"" + A_VALUE + "\"")
        .doesNotContain("\"" + B_VALUE + "\"");
    HttpResponse<String> noTenant = proxy.get(query(namedB, ""));
    assertThat(noTenant.statusCode()).as("a query without the parameter is refused").isEqualTo(400);
  }

  @Test
  void aChangeOfANamingBsSeriesNoNamespaceOrAnyByRegexIsJudgedOnAsOwnValue() {
    harness.createConfigMap(teamA, "app-features", Map.of());
    Map<String, String> queries = Map.of(
        "named-b", "max(" + ERROR_RATIO + "{namespace=\"" + teamB + "\"})",
        "no-namespace", "sum(" + ERROR_RATIO + ")",
        "any-by-regex", "sum(" + ERROR_RATIO + "{namespace=~\".+\"})");
    for (String promql : queries.values()) {
      assertThat(prometheus.server().instantQuery(promql, Instant.now())).as("unscoped, " + promql + " reads B's")
          .allMatch(v -> v >= B_VALUE);
    }

    harness.changes().resource(analysed(teamA, "reads-b", proxy.baseUrl(), queries, OnNoData.Hold)).create();

    assertThat(settled(teamA, "reads-b")).isEqualTo(Phase.Succeeded);
    assertThat(metrics(teamA, "reads-b")).as("every metric judged on A's own series")
        .extracting(MetricStatus::getName, MetricStatus::getValue, MetricStatus::getResult)
        .containsExactlyInAnyOrder(
            tuple("named-b", "0.01", MetricResult.Pass),
            tuple("no-namespace", "0.01", MetricResult.Pass),
            tuple("any-by-regex", "0.01", MetricResult.Pass));
  }

  @Test
  void aChangeOfABringingBsNamespaceInItsAddressQueryStringIsRefusedBeforeAnyQuery() {
    harness.createConfigMap(teamA, "app-features-by-address", Map.of());
    // Spelt as Go's url.ParseQuery reads it back to "namespace". A base address has no query string: the
    // change is Invalid, and nothing is sent (were it sent, the client drops the parameter as well).
    String address = proxy.baseUrl() + "/?namesp%61ce=" + teamB;
    ScalingChange sc = analysed(teamA, "address-b", address, Map.of("no-namespace", "sum(" + ERROR_RATIO + ")"),
        OnNoData.Hold);
    sc.getSpec().getFlag().setConfigMapName("app-features-by-address");

    harness.changes().resource(sc).create();

    assertThat(settled(teamA, "address-b")).isEqualTo(Phase.Invalid);
    ScalingChange seen = harness.changes().inNamespace(teamA).withName("address-b").get();
    assertThat(seen.getStatus().getLastDecision()).contains("spec.analysis.prometheus.address")
        .contains("it has a query string");
    assertThat(seen.getStatus().getMetrics()).as("never measured").isNull();
  }

  @Test
  void aChangeOfAAskingForAMetricOnlyBHasGetsNoData() {
    harness.createConfigMap(teamA, "app-features-only-b", Map.of());
    ScalingChange sc = analysed(teamA, "only-b", proxy.baseUrl(), Map.of("only-in-b", "sum(" + ONLY_IN_B + ")"),
        OnNoData.Hold);
    sc.getSpec().getFlag().setConfigMapName("app-features-only-b");
    assertThat(prometheus.server().instantQuery("sum(" + ONLY_IN_B + ")", Instant.now())).as("unscoped")
        .containsExactly(1.0);

    harness.changes().resource(sc).create();

    assertThat(settled(teamA, "only-b")).isEqualTo(Phase.Held);
    assertThat(harness.get(teamA, "only-b").getStatus().getReason()).isEqualTo(Reason.NoData);
    assertThat(metrics(teamA, "only-b")).singleElement().satisfies(m -> {
      assertThat(m.getResult()).isEqualTo(MetricResult.NoData);
      assertThat(m.getValue()).isNull();
    });
  }

  @Test
  void aChangeOfBIsJudgedOnBsOwnValueAndRolledBack() {
    harness.createConfigMap(teamB, "app-features", Map.of());

    harness.changes().resource(analysed(teamB, "reads-own", proxy.baseUrl(),
        Map.of("no-namespace", "sum(" + ERROR_RATIO + ")"), OnNoData.Hold)).create();

    assertThat(settled(teamB, "reads-own")).isEqualTo(Phase.RolledBack);
    await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(teamB, "reads-own"));
    assertThat(metrics(teamB, "reads-own")).singleElement().satisfies(m -> {
      assertThat(m.getValue()).isEqualTo("0.9");
      assertThat(m.getResult()).isEqualTo(MetricResult.Fail);
    });
  }

  private static String query(String promql, String more) {
    return "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + more;
  }

  /** The phase the change comes to rest in: it ended, or it waits for someone; a failure then says which. */
  private static Phase settled(String ns, String name) {
    return await().atMost(WAIT).until(() -> harness.phase(ns, name),
        phase -> phase == Phase.Succeeded || phase == Phase.RolledBack || phase == Phase.Held || phase == Phase.Invalid);
  }

  private static List<MetricStatus> metrics(String ns, String name) {
    ScalingChange sc = harness.get(ns, name);
    return sc == null || sc.getStatus() == null ? List.of()
        : Optional.ofNullable(sc.getStatus().getMetrics()).orElse(List.of());
  }

  /** Two steps measured every second at {@code address}, each query passing at 0.05 or less. */
  private static ScalingChange analysed(String ns, String name, String address, Map<String, String> queries,
      OnNoData onNoData) {
    ScalingChange sc = change(ns, name, step(50, "3s"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("1s");
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    analysis.setOnNoData(onNoData);
    List<MetricCheck> checks = new ArrayList<>();
    queries.forEach((metric, promql) -> {
      MetricCheck check = new MetricCheck(metric, promql);
      check.setMax(0.05);
      checks.add(check);
    });
    analysis.setMetrics(checks);
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }
}
