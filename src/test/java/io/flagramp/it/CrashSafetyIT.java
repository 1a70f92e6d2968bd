package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** All progress is in status: an operator stopped mid-soak and started again loses nothing. */
@ExtendWith(KubeApiServerExtension.class)
class CrashSafetyIT {

  private static OperatorHarness harness;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster);
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  @Test
  void anOperatorRestartedMidSoakEndsTheSoakAtTheOriginalTimeAndNeitherRepeatsNorSkipsAStep() {
    String ns = harness.cluster.createNamespace("restart");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(1, "1s"), step(5, "8s"), step(100, null))).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> currentStep(ns) == 1);
    String nextStepAt = harness.get(ns, "use-redis").getStatus().getNextStepAt();

    harness.stopOperator();
    int writesWhileDown = harness.requests.writesIn(ns).size();
    harness.startOperator(UnaryOperator.identity());

    await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    ScalingChange done = harness.get(ns, "use-redis");
    List<HistoryEntry> history = done.getStatus().getHistory();
    assertThat(history).extracting(HistoryEntry::getWeight).containsExactly(1, 5, 100);
    Instant lastEntered = Instant.parse(history.get(2).getStartedAt());
    assertThat(lastEntered).as("not before the soak ends").isAfterOrEqualTo(Instant.parse(nextStepAt));
    assertThat(lastEntered).as("not a fresh 8s soak either").isBefore(Instant.parse(nextStepAt).plusSeconds(3));
    assertThat(history.get(1).getEndedAt()).isEqualTo(history.get(2).getStartedAt());
    List<ApiRequests.Request> afterRestart = harness.requests.writesIn(ns)
        .subList(writesWhileDown, harness.requests.writesIn(ns).size());
    assertThat(afterRestart.stream().filter(r -> r.kind().equals("configmap")))
        .as("the restarted operator writes only the last step").hasSize(1);
  }

  private static int currentStep(String ns) {
    ScalingChange sc = harness.get(ns, "use-redis");
    return sc == null || sc.getStatus() == null ? -2 : sc.getStatus().getCurrentStep();
  }

}
