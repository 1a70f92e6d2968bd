package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.core.OptIn;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The other side of {@code TenancyIT}'s ConfigMap opt-in: a cluster that turned the check off
 * ({@code FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN=false}, the chart's {@code requireConfigMapOptIn: false}) gets
 * its unlabelled ConfigMaps ramped and restored like any other, against the real API server.
 */
@ExtendWith(KubeApiServerExtension.class)
class ConfigMapOptInOffIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void withTheCheckOffAnUnlabelledConfigMapIsRampedToTheEnd(KubeTestCluster cluster) {
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
        "FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "false"));
    try (OperatorHarness harness = OperatorHarness.start(cluster, settings, OperatorHarness.NO_METRICS,
        UnaryOperator.identity())) {
      String ns = harness.cluster.createNamespace("cm-optin-off");
      harness.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
          .withName("app-features").endMetadata().addToData("USE_REDIS", "false").build()).create();

      harness.changes().resource(change(ns, "use-redis", step(10, "1s"), step(100, null))).create();

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
      assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS", "true")
          .containsEntry("USE_REDIS_PERCENTAGE", "100");
      assertThat(harness.client.configMaps().inNamespace(ns).withName("app-features").get().getMetadata()
          .getLabels()).as("still unlabelled: nothing asked its owners to opt in").doesNotContainKey(OptIn.FLAGS);
    }
  }
}
