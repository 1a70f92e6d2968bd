package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.core.OptIn;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.PrometheusServer;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart's Grafana dashboard behind the Prometheus Operator: the packaged operator serves two
 * namespaces' changes, and a real Prometheus scrapes it with the job the Prometheus Operator would
 * generate from the chart's ServiceMonitor ({@link ServiceMonitorScrape}), which adds the target's own
 * {@code namespace} (the operator's release namespace), {@code job}, {@code pod} and the rest. The
 * dashboard's variables are resolved as Grafana would ({@code label_values}), and its queries are run with
 * {@code $namespace} set to each namespace in turn.
 *
 * <p>A second Prometheus scrapes the same operator through the ServiceMonitor rendered with
 * {@code honorLabels: false}, to show what the default prevents: the series' namespace renamed
 * {@code exported_namespace}, and every change under the operator's own namespace.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class ServiceMonitorDashboardIT {

  private static final Logger log = LoggerFactory.getLogger(ServiceMonitorDashboardIT.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE_NS = "flagramp-system";
  private static final String POD = "flagramp-7d9f8b6c4-x2k8p";
  private static final String MONITORING = """
      serviceMonitor:
        enabled: true
        honorLabels: %s
        relabelings:
          - {targetLabel: cluster, replacement: test-bed}
        metricRelabelings:
          - {sourceLabels: [__name__], regex: "jvm_gc_.*", action: drop}
      """;

  @Test
  void theDashboardShowsEachNamespacesChangesUnderThatNamespaceThroughTheServiceMonitorsScrape(
      KubeTestCluster cluster, TestPrometheus prometheus) throws Exception {
    OperatorHarness.installCrd(cluster.client());
    String teamA = cluster.createNamespace("team-a");
    String teamB = cluster.createNamespace("team-b");
    for (String ns : List.of(teamA, teamB)) {
      cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
          .withName("app-features").addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("A", "0").build())
          .create();
    }
    int port = OperatorMetricsIT.freePort();
    Map<String, String> settings = Map.of("FLAGRAMP_NAMESPACES", teamA + "," + teamB,
        "FLAGRAMP_HTTP_PORT", Integer.toString(port), "FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_INSTANCE", "dashboard", "FLAGRAMP_PROMETHEUS_ALLOWLIST", prometheus.baseUrl());
    String target = "127.0.0.1:" + port;

    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings,
            Files.createDirectories(Path.of("target", "servicemonitor-dashboard")));
        PrometheusServer monitored = PrometheusServer.prepareWithConfig(scrape("true", target));
        PrometheusServer unhonoured = PrometheusServer.prepareWithConfig(scrape("false", target));
        TestApp app = new TestApp(prometheus.registry(), "dashboard")) {
      operator.start();
      monitored.start();
      unhonoured.start();
      // team-a's change finishes; team-b's soaks at its first step: one phase per namespace.
      ScalingChange done = change(teamA, "rollout", step(10, "2s"), step(100, null));
      ScalingChange soaking = change(teamB, "rollout", step(10, "1h"), step(100, null));
      for (ScalingChange sc : List.of(done, soaking)) {
        sc.getSpec().getFlag().setPercentageKey("A");
        sc.getSpec().getFlag().setEnabledKey(null);
        sc.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
        cluster.client().resources(ScalingChange.class).resource(sc).create();
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> phase(cluster, teamA) == Phase.Succeeded
          && phase(cluster, teamB) == Phase.Progressing);

      // Grafana's variables: label_values(<metric>, <label>), which asks /api/v1/label/<label>/values.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
          labelValues(monitored, "namespace", "flagramp_change_info")).containsExactlyInAnyOrder(teamA, teamB));
      List<String> jobs = labelValues(monitored, "job", "flagramp_josdk_reconciliations_started_total");
      assertThat(jobs).as("the job is the Service's name").containsExactly(HelmChart.RELEASE);
      assertThat(labelValues(monitored, "pod", "jvm_memory_used_bytes")).containsExactly(POD);
      assertThat(labelValues(monitored, "namespace", "jvm_memory_used_bytes"))
          .as("a series without its own namespace gets the target's").containsExactly(RELEASE_NS);

      List<String> queries = dashboardQueries();
      Map<String, Set<String>> phases = Map.of(teamA, Set.of("Succeeded"), teamB, Set.of("Progressing"));
      int answered = 0;
      for (String ns : List.of(teamA, teamB)) {
        List<String> forNs = queries.stream().map(q -> q.replace("$namespace", ns).replace("$job", jobs.get(0)))
            .toList();
        // Every panel has data, as in OperatorMetricsIT; JOSDK's failures have no series before the first.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(forNs)
            .as("dashboard queries without data for " + ns).filteredOn(q -> !q.contains("josdk_reconciliations_failed"))
            .filteredOn(q -> query(monitored, q).isEmpty()).isEmpty());
        for (String q : forNs.stream().filter(q -> q.contains("by (namespace")).toList()) {
          assertThat(query(monitored, q)).as(q).isNotEmpty()
              .allSatisfy(series -> assertThat(series.path("metric").path("namespace").asText()).isEqualTo(ns));
        }
        String byPhase = forNs.stream().filter(q -> q.startsWith("sum by (phase)")).findFirst().orElseThrow();
        // The phase changed in the API server before the next scrape: Prometheus shows it from that scrape on.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(query(monitored, byPhase))
            .extracting(s -> s.path("metric").path("phase").asText())
            .containsExactlyInAnyOrderElementsOf(phases.get(ns)));
        answered += forNs.size();
      }
      // The chart's relabelings and metricRelabelings reach the scrape.
      assertThat(query(monitored, "count by (cluster) (flagramp_change_info)"))
          .extracting(s -> s.path("metric").path("cluster").asText()).containsExactly("test-bed");
      assertThat(query(monitored, "count({__name__=~\"jvm_gc_.*\"})")).isEmpty();
      assertThat(query(monitored, "count({__name__=~\"jvm_memory_.*\"})")).isNotEmpty();

      // Without honorLabels the operator's namespace takes the label, and the dashboard loses the changes'.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
          labelValues(unhonoured, "exported_namespace", "flagramp_change_info")).containsExactlyInAnyOrder(teamA, teamB));
      assertThat(labelValues(unhonoured, "namespace", "flagramp_change_info")).containsExactly(RELEASE_NS);
      String weightForA = queries.get(0).replace("$namespace", teamA).replace("$job", jobs.get(0));
      assertThat(weightForA).startsWith("max by (namespace, name) (flagramp_change_weight");
      assertThat(query(unhonoured, weightForA)).as("honorLabels: false, " + teamA).isEmpty();
      assertThat(query(monitored, weightForA)).as("honorLabels: true, " + teamA).hasSize(1);
      log.info("through the ServiceMonitor's scrape: $namespace {} and {}, {} dashboard queries answered;"
          + " with honorLabels false the namespace variable offers only {}", teamA, teamB, answered, RELEASE_NS);
    }
  }

  /** The chart's ServiceMonitor and Service, with honorLabels as given, as the Prometheus Operator renders them. */
  private static String scrape(String honorLabels, String target) {
    Rendered chart = HelmChart.render(HelmChart.RELEASE, RELEASE_NS, MONITORING.formatted(honorLabels));
    GenericKubernetesResource monitor = (GenericKubernetesResource) chart.ofKind("ServiceMonitor").get(0);
    return ServiceMonitorScrape.config(monitor, chart.one(Service.class), POD, target);
  }

  /** The dashboard's panel queries, with Grafana's intervals made concrete; the variables left to the caller. */
  private static List<String> dashboardQueries() throws IOException {
    List<String> queries = new ArrayList<>();
    JSON.readTree(HelmChart.DASHBOARD.toFile()).path("panels")
        .findValues("expr").forEach(e -> queries.add(e.asText()));
    return queries.stream().map(q -> q.replace("$__rate_interval", "1m").replace("$__interval", "1m")).toList();
  }

  private static List<String> labelValues(PrometheusServer server, String label, String metric) {
    List<String> values = new ArrayList<>();
    read(server.get("/api/v1/label/" + label + "/values?match[]=" + encode(metric))).path("data")
        .forEach(v -> values.add(v.asText()));
    return new ArrayList<>(new TreeSet<>(values));
  }

  private static List<JsonNode> query(PrometheusServer server, String promql) {
    List<JsonNode> series = new ArrayList<>();
    read(server.get("/api/v1/query?query=" + encode(promql))).path("data").path("result").forEach(series::add);
    return series;
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static Phase phase(KubeTestCluster cluster, String ns) {
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("rollout").get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }
}
