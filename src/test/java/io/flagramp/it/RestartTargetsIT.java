package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.WorkloadKind;
import io.flagramp.core.OptIn;
import io.flagramp.operator.Workloads;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeControllers;
import io.flagramp.testbed.KubeControllersExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restart targets against the real API server with kube-controller-manager, kube-scheduler and a kwok
 * node: a Deployment whose pods read the flag through envFrom is restarted at each step, its ReplicaSet
 * replaced and its pods turned Ready, and the soak starts only then. kwok stands in for a kubelet (there
 * is none here): it reports the pods Running and Ready without running a container.
 */
@ExtendWith({KubeApiServerExtension.class, KubeControllersExtension.class})
class RestartTargetsIT {

  private static final Logger log = LoggerFactory.getLogger(RestartTargetsIT.class);

  @Test
  void aDeploymentReadingTheFlagIsRestartedAtEachStepAndTheSoakStartsOnceItsNewPodsAreReady(
      KubeTestCluster cluster, KubeControllers controllers) {
    String ns = cluster.createNamespace("restart");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      deployment(harness.client, ns, "api", Map.of());
      await().atMost(Duration.ofSeconds(60)).until(() -> available(harness.client, ns, "api") == 2);
      Set<String> podsBefore = podUids(harness.client, ns);

      ScalingChange sc = change(ns, "use-redis", step(10, "3s"), step(50, "3s"), step(100, "2s"));
      sc.getSpec().setRestartTargets(List.of(new RestartTarget(WorkloadKind.Deployment, "api")));
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(120)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);

      ScalingChange done = harness.get(ns, "use-redis");
      List<HistoryEntry> history = done.getStatus().getHistory();
      assertThat(history).extracting(HistoryEntry::getWeight).containsExactly(10, 50, 100);
      List<ReplicaSet> replicaSets = harness.client.apps().replicaSets().inNamespace(ns).list().getItems();
      assertThat(replicaSets).as("one ReplicaSet per restart, plus the first").hasSize(4);
      Deployment api = harness.client.apps().deployments().inNamespace(ns).withName("api").get();
      assertThat(api.getSpec().getTemplate().getMetadata().getAnnotations().get(Workloads.RESTARTED_AT))
          .isEqualTo(done.getStatus().getRestart().getValue()).endsWith("/1.100");
      assertThat(podUids(harness.client, ns)).as("every pod was replaced").doesNotContainAnyElementsOf(podsBefore);

      StringBuilder figures = new StringBuilder();
      for (HistoryEntry h : history) {
        Instant written = Instant.parse(h.getStartedAt());
        Instant rolledOut = Instant.parse(h.getRolledOutAt());
        assertThat(rolledOut).isAfter(written);
        figures.append(" weight ").append(h.getWeight()).append(": ")
            .append(Duration.between(written, rolledOut).toMillis()).append(" ms;");
      }
      // The soak started at the rollout: the next step came a full pause after it, not after the write.
      for (int i = 0; i + 1 < history.size(); i++) {
        assertThat(Duration.between(Instant.parse(history.get(i).getRolledOutAt()),
            Instant.parse(history.get(i + 1).getStartedAt()))).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
      }
      // When it rolled out, every pod of the Deployment was Ready, none older than the last restart.
      Instant lastReady = harness.client.pods().inNamespace(ns).withLabel("app", "api").list().getItems().stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(RestartTargetsIT::readySince).max(Instant::compareTo).orElseThrow();
      assertThat(Instant.parse(history.get(2).getRolledOutAt()))
          .isAfterOrEqualTo(lastReady.minusSeconds(1));  // conditions have whole seconds
      log.info("restart targets: ConfigMap write to every new pod Ready and the soak started:{}", figures);
    }
  }

  @Test
  void aDeploymentThatNeverBecomesReadyFailsTheStepAndTheRevertRestartsItAgain(KubeTestCluster cluster,
      KubeControllers controllers) {
    String ns = cluster.createNamespace("never-ready");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      deployment(harness.client, ns, "api", controllers.neverReady());

      ScalingChange sc = change(ns, "use-redis", step(10, "3s"), step(100, "2s"));
      sc.getSpec().setRestartTargets(List.of(new RestartTarget(WorkloadKind.Deployment, "api")));
      sc.getSpec().setRestartTimeout("8s");
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(5)).until(() -> harness.get(ns, "use-redis").getStatus() != null
          && harness.get(ns, "use-redis").getStatus().getReason() == Reason.RollingOut);
      assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "10");

      await().atMost(Duration.ofSeconds(60)).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));

      ScalingChange done = harness.get(ns, "use-redis");
      assertThat(done.getStatus().getReason()).isEqualTo(Reason.RestartTimedOut);
      assertThat(done.getStatus().getLastDecision()).startsWith("Deployment api ").contains(
          ": not rolled out 8s (restartTimeout) after the write at weight 10: reverted, ");
      assertThat(harness.configMapData(ns, "app-features")).doesNotContainKey("USE_REDIS_PERCENTAGE")
          .containsEntry("USE_REDIS", "false");
      Deployment api = harness.client.apps().deployments().inNamespace(ns).withName("api").get();
      assertThat(api.getSpec().getTemplate().getMetadata().getAnnotations().get(Workloads.RESTARTED_AT))
          .as("restarted again after the restore").endsWith("/1.restore");
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anyMatch(e -> "RestartTimedOut".equals(e.getReason())));
    }
  }

  @Test
  void aDeploymentWithoutTheOptInLabelIsNeverRestarted(KubeTestCluster cluster, KubeControllers controllers) {
    String ns = cluster.createNamespace("not-opted-in");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      Deployment created = deployment(harness.client, ns, "api", Map.of(), false);

      ScalingChange sc = change(ns, "use-redis", step(10, "3s"));
      sc.getSpec().setRestartTargets(List.of(new RestartTarget(WorkloadKind.Deployment, "api")));
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> harness.phase(ns, "use-redis") == Phase.Invalid);

      assertThat(harness.get(ns, "use-redis").getStatus().getReason()).isEqualTo(Reason.RestartTargetNotOptedIn);
      assertThat(harness.configMapData(ns, "app-features")).doesNotContainKey("USE_REDIS_PERCENTAGE");
      Deployment api = harness.client.apps().deployments().inNamespace(ns).withName("api").get();
      assertThat(api.getMetadata().getGeneration()).isEqualTo(created.getMetadata().getGeneration());
    }
  }

  private static Deployment deployment(KubernetesClient client, String ns, String name,
      Map<String, String> podAnnotations) {
    return deployment(client, ns, name, podAnnotations, true);
  }

  private static Deployment deployment(KubernetesClient client, String ns, String name,
      Map<String, String> podAnnotations, boolean optedIn) {
    return client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).addToLabels(optedIn ? Map.of(OptIn.RESTART, OptIn.VALUE) : Map.of())
        .endMetadata()
        .withNewSpec()
          .withReplicas(2)
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", name).addToAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .addNewContainer()
                .withName("app").withImage("registry.invalid/app:1")  // kwok pulls nothing
                .addNewEnvFrom().withNewConfigMapRef().withName("app-features").endConfigMapRef().endEnvFrom()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build()).create();
  }

  private static int available(KubernetesClient client, String ns, String name) {
    Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
    return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null ? 0
        : d.getStatus().getAvailableReplicas();
  }

  private static Set<String> podUids(KubernetesClient client, String ns) {
    return client.pods().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getUid())
        .collect(Collectors.toCollection(HashSet::new));
  }

  private static Instant readySince(Pod pod) {
    return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
        .map(c -> Instant.parse(c.getLastTransitionTime())).findFirst().orElse(Instant.MAX);
  }
}
