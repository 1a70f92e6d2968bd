package io.flagramp;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.operator.OperatorSettings;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagrampOperatorTest {

  /** JOSDK applies the configuration overrider twice when leader election is on; metrics must register once. */
  @Test
  void anOperatorWithLeaderElectionIsCreatedWithItsMetricsRegisteredOnce() {
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_NAMESPACES", "team-a",
        "FLAGRAMP_LEADER_ELECTION", "true", "FLAGRAMP_LEASE_NAMESPACE", "team-a"));
    PrometheusRegistry registry = new PrometheusRegistry();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      MetricsSource none = request -> {
        throw new AssertionError("not measured");
      };
      Operator operator = FlagrampOperator.create(client, settings, Clock.systemUTC(), new ConfigMapFlagStore(client),
          none, new OperatorMetrics(registry));
      assertThat(operator).isNotNull();
      assertThat(registry.scrape().stream().map(m -> m.getMetadata().getName()))
          .contains("flagramp_josdk_events_received");
    }
  }
}
