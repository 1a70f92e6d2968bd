package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What on-call reads with the real kubectl: the printer columns and the category, from the installed CRD. */
@ExtendWith(KubeApiServerExtension.class)
class KubectlGetIT {

  private static OperatorHarness harness;
  private static String ns;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster);
    ns = cluster.createNamespace("kubectl-get");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(1, "1h"), step(100, null))).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Progressing
        && harness.get(ns, "use-redis").getStatus().getNextStepAt() != null);
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  @Test
  void wideShowsWhenASoakingChangesNextStepIsDueAsATimeNotInvalid() {
    String next = harness.get(ns, "use-redis").getStatus().getNextStepAt();

    KubeTestCluster.KubectlResult wide = harness.cluster.kubectl("get", "schg", "-n", ns, "-o", "wide");

    assertThat(wide.exitCode()).as(wide.output()).isZero();
    assertThat(wide.output().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PHASE", "REASON", "STEP", "WEIGHT", "AGE", "NEXT", "DECISION");
    String row = wide.output().lines().filter(l -> l.startsWith("use-redis ")).findFirst().orElseThrow();
    assertThat(row).contains(" " + next + " ").doesNotContain("<invalid>");
  }

  @Test
  void theFlagrampCategoryListsScalingChanges() {
    KubeTestCluster.KubectlResult listed = harness.cluster.kubectl("get", "flagramp", "-n", ns);

    assertThat(listed.exitCode()).as(listed.output()).isZero();
    // One kind in the category: kubectl shows its own columns, without a kind prefix on the name.
    assertThat(listed.output().lines()).anySatisfy(l -> assertThat(l).startsWith("use-redis ").contains("Progressing"));
  }
}
