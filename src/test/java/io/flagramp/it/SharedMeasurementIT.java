package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusServer;
import io.flagramp.testbed.ScrapeTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ScalingChanges that ask the same Prometheus the same query share one query per interval. Counted
 * by Prometheus itself (prometheus_http_requests_total), on a Prometheus of this test's own.
 */
@ExtendWith(KubeApiServerExtension.class)
class SharedMeasurementIT {

  private static final Logger log = LoggerFactory.getLogger(SharedMeasurementIT.class);
  private static OperatorHarness harness;
  private static ScrapeTarget target;
  private static PrometheusServer prometheus;
  private static TestApp app;

  @BeforeAll
  static void start(KubeTestCluster cluster) {
    target = new ScrapeTarget();
    prometheus = PrometheusServer.prepare(List.of(target.address()), "").start();
    app = new TestApp(target.registry(), "shared");
    await().atMost(Duration.ofSeconds(60)).until(() -> !prometheus.instantQuery(app.errorRateQuery(), Instant.now()).isEmpty());
    harness = OperatorHarness.start(cluster, OperatorHarness.FAST, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stop() {
    harness.close();
    app.close();
    prometheus.close();
    target.close();
  }

  /** Two changes, one rollout each, both measuring {@code query}; returns the queries Prometheus served. */
  private long queriesFor(String prefix, String queryA, String queryB) {
    long before = queriesServed();
    String a = harness.cluster.createNamespace(prefix + "-a");
    String b = harness.cluster.createNamespace(prefix + "-b");
    for (String[] c : new String[][] {{a, queryA}, {b, queryB}}) {
      harness.createConfigMap(c[0], "app-features", Map.of());
      ScalingChange sc = change(c[0], "use-redis", step(50, "6s"), step(100, "6s"));
      Analysis analysis = new Analysis();
      io.flagramp.api.v1alpha1.PrometheusSource source = new io.flagramp.api.v1alpha1.PrometheusSource();
      source.setAddress(prometheus.baseUrl());
      analysis.setPrometheus(source);
      analysis.setInterval("2s");
      MetricCheck errors = new MetricCheck("error-rate", c[1]);
      errors.setMax(0.05);
      analysis.setMetrics(List.of(errors));
      sc.getSpec().setAnalysis(analysis);
      harness.changes().resource(sc).create();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(a, "use-redis") == Phase.Succeeded
        && harness.phase(b, "use-redis") == Phase.Succeeded);
    return queriesServed() - before;
  }

  @Test
  void twoChangesAskingTheSameQueryCostAboutHalfTheQueriesOfTwoAskingDifferentOnes() {
    long different = queriesFor("apart", app.errorRateQuery(), app.errorRateQuery() + " + 0");
    long same = queriesFor("shared", app.errorRateQuery(), app.errorRateQuery());

    log.info("two changes of two 6s steps, measured every 2s: {} Prometheus queries with different expressions,"
        + " {} with the same one (ratio {})", different, same, String.format("%.2f", same / (double) different));
    assertThat(same).isLessThan(different);
    assertThat(same).isLessThanOrEqualTo(Math.round(different * 0.75));
  }

  /** Prometheus' own count of /api/v1/query requests, read from its /metrics page. */
  private static long queriesServed() {
    return prometheus.get("/metrics").lines()
        .filter(l -> l.startsWith("prometheus_http_requests_total{") && l.contains("handler=\"/api/v1/query\""))
        .mapToLong(l -> Math.round(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))))
        .sum();
  }
}
