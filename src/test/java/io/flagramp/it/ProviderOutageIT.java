package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ProviderErrorAction;
import io.flagramp.api.v1alpha1.ProviderErrorPolicy;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prometheus taken away mid-rollout. Each test has its own real Prometheus (not the shared one), since
 * it stops it.
 */
@ExtendWith(KubeApiServerExtension.class)
class ProviderOutageIT {

  static final Duration WAIT = Duration.ofSeconds(60);
  private static OperatorHarness harness;
  private ScrapeTarget target;
  private PrometheusServer prometheus;
  private TestApp app;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster, OperatorHarness.FAST, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  @BeforeEach
  void ownPrometheus() {
    target = new ScrapeTarget();
    prometheus = PrometheusServer.prepare(List.of(target.address()), "").start();
  }

  @AfterEach
  void stopPrometheus() {
    app.close();
    prometheus.close();
    target.close();
  }

  private ScalingChange rollout(String ns, ProviderErrorAction action) {
    app = new TestApp(target.registry(), ns);
    // The baseline averages the last 6s of 5s rates: wait until Prometheus has that much of the app.
    await().atMost(WAIT).until(() -> !prometheus.instantQuery("count_over_time((" + app.p99Query() + ")[6s:1s]) > 5",
        Instant.now()).isEmpty());
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    ScalingChange sc = change(ns, "use-redis", step(1, "2s"), step(5, "4s"), step(100, "2s"));
    sc.getSpec().setAnalysis(AnalysisIT.analysis(prometheus.baseUrl(), app));
    ProviderErrorPolicy policy = new ProviderErrorPolicy();
    policy.setConsecutiveErrorLimit(2);
    policy.setAction(action);
    sc.getSpec().getAnalysis().setOnProviderError(policy);
    return sc;
  }

  @Test
  void withHoldTheChangeIsHeldAfterTheErrorLimitAdvancesNoStepAndResumesWhenPrometheusIsBack() {
    String ns = harness.cluster.createNamespace("outage-hold");
    harness.changes().resource(rollout(ns, ProviderErrorAction.Hold)).create();
    await().atMost(WAIT).until(() -> "5".equals(pct(ns)));

    prometheus.stop();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
    Condition stalled = harness.condition(ns, "use-redis", Condition.STALLED).orElseThrow();
    assertThat(stalled.isTrue()).isTrue();
    assertThat(stalled.getReason()).isEqualTo("MetricsUnavailable");
    assertThat(stalled.getMessage()).contains("unreachable").contains("(2/2) at weight 5: holding at weight 5 until"
        + " Prometheus answers");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("MetricsUnavailable");
    }));
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() ->
        harness.phase(ns, "use-redis") == Phase.Held && "5".equals(pct(ns)));

    prometheus.start();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    assertThat(pct(ns)).isEqualTo("100");
  }

  @Test
  void withFailTheChangeReverts() {
    String ns = harness.cluster.createNamespace("outage-fail");
    harness.changes().resource(rollout(ns, ProviderErrorAction.Fail)).create();
    await().atMost(WAIT).until(() -> "5".equals(pct(ns)));

    prometheus.stop();

    await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
    Condition stalled = harness.condition(ns, "use-redis", Condition.STALLED).orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("MetricsUnavailable");
    assertThat(stalled.getMessage()).contains("unreachable").contains("(2/2) at weight 5: reverted, removed"
        + " USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"");
  }

  private static String pct(String ns) {
    return harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE");
  }
}
