package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.core.OptIn;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.PrometheusServer;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packaged operator's own /metrics, scraped every second by a real Prometheus of its own while it
 * rolls one change out and reverts another; the series are asserted with PromQL, and every panel
 * query of the chart's Grafana dashboard is run against that Prometheus and must parse and return data.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class OperatorMetricsIT {

  private static final Logger log = LoggerFactory.getLogger(OperatorMetricsIT.class);
  static final Path DASHBOARD = Path.of("helm", "flagramp", "dashboards", "flagramp.json");

  @Test
  void theRealPrometheusScrapesTheOperatorsSeriesAndTheDashboardsQueriesReturnData(KubeTestCluster cluster,
      TestPrometheus prometheus) throws Exception {
    OperatorHarness.installCrd(cluster.client());
    int port = freePort();
    String ns = cluster.createNamespace("metrics");
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("app-features").addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("X", "1").build())
        .create();
    Map<String, String> settings = Map.of("FLAGRAMP_NAMESPACES", ns, "FLAGRAMP_HTTP_PORT", Integer.toString(port),
        "FLAGRAMP_RESYNC_INTERVAL", "2s", "FLAGRAMP_INSTANCE", "metrics",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", prometheus.baseUrl());
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings,
            Files.createDirectories(Path.of("target", "metrics")));
        PrometheusServer own = PrometheusServer.prepare(List.of("127.0.0.1:" + port), "")) {
      operator.start();
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> status(port, "/readyz") == 200);
      assertThat(status(port, "/healthz")).isEqualTo(200);
      own.start();
      try (TestApp app = new TestApp(prometheus.registry(), ns)) {
        ScalingChange rollout = change(ns, "rollout", step(10, "2s"), step(100, null));
        rollout.getSpec().getFlag().setPercentageKey("A");
        rollout.getSpec().getFlag().setEnabledKey(null);
        rollout.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
        cluster.client().resources(ScalingChange.class).resource(rollout).create();
        ScalingChange aborted = change(ns, "aborted", step(10, "1h"), step(100, null));
        aborted.getSpec().getFlag().setPercentageKey("B");
        aborted.getSpec().getFlag().setEnabledKey(null);
        cluster.client().resources(ScalingChange.class).resource(aborted).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> phase(cluster, ns, "rollout") == Phase.Succeeded
            && phase(cluster, ns, "aborted") == Phase.Progressing);
        cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("aborted").edit(sc -> {
          sc.getMetadata().getAnnotations().put(Annotations.ABORT, "metrics test");
          return sc;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> phase(cluster, ns, "aborted") == Phase.RolledBack);

        List<String> series = List.of(
            "flagramp_change_info{namespace=\"" + ns + "\",name=\"rollout\",phase=\"Succeeded\"} == 1",
            "flagramp_change_info{name=\"aborted\",phase=\"RolledBack\",reason=\"Aborted\"} == 1",
            "flagramp_change_weight{name=\"rollout\"} == 100",
            "flagramp_change_step{name=\"rollout\"} == 2",
            "flagramp_metric_value{name=\"rollout\",metric=\"error-rate\"} >= 0",
            "flagramp_metric_result{name=\"rollout\",metric=\"error-rate\",result=\"Pass\"} == 1",
            "flagramp_steps_entered_total{namespace=\"" + ns + "\"} >= 3",
            "flagramp_reverts_total{reason=\"Aborted\"} >= 1",
            "flagramp_queries_total{result=\"value\"} > 0",
            "flagramp_reconcile_duration_seconds_count > 0",
            "flagramp_query_duration_seconds_count > 0",
            "flagramp_josdk_reconciliations_started_total > 0",
            "flagramp_josdk_events_received_total > 0",
            "jvm_memory_used_bytes{area=\"heap\"} > 0");
        await().atMost(Duration.ofSeconds(30)).until(() -> series.stream()
            .allMatch(q -> !own.instantQuery(q, Instant.now()).isEmpty()));

        List<String> panels = dashboardQueries();
        // Every panel has data; the failure counters start at 0, so they do too. Only JOSDK's failed
        // reconciliations, labelled by exception class, have no series before the first one.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(panels)
            .as("dashboard queries without data").filteredOn(q -> !q.contains("josdk_reconciliations_failed"))
            .filteredOn(q -> own.instantQuery(q, Instant.now()).isEmpty()).isEmpty());
        log.info("the operator's /metrics: {} series checked with PromQL, {} dashboard queries return data",
            series.size(), panels.size());
        assertThat(panels).isNotEmpty();
      }
    }
  }

  /** Every expr of every panel of the chart's dashboard, with Grafana's $__rate_interval made concrete. */
  static List<String> dashboardQueries() throws IOException {
    List<String> queries = new ArrayList<>();
    collect(new ObjectMapper().readTree(DASHBOARD.toFile()), queries);
    return queries.stream().map(q -> q.replace("$__rate_interval", "1m").replace("$__interval", "1m")
        .replace("$namespace", ".*").replace("$name", ".*").replace("$job", ".*")).toList();
  }

  private static void collect(JsonNode node, List<String> queries) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().equals("expr") && e.getValue().isTextual()) {
          queries.add(e.getValue().asText());
        } else {
          collect(e.getValue(), queries);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, queries));
    }
  }

  private static Phase phase(KubeTestCluster cluster, String ns, String name) {
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName(name).get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  private static int status(int port, String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
