package io.flagramp.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With the controllers and kwok's fake node, Deployments behave as in a real cluster as far as the
 * API shows: ReplicaSets, scheduled pods that turn Running and Ready, {@code kubectl rollout restart}
 * and {@code rollout status}, and a Deployment that stays unavailable when its pods never turn Ready.
 */
@ExtendWith({KubeApiServerExtension.class, KubeControllersExtension.class})
class DeploymentsTestBedIT {

  private static final Logger log = LoggerFactory.getLogger(DeploymentsTestBedIT.class);
  private static final Duration ROLLOUT_TIMEOUT = Duration.ofSeconds(60);
  private static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  @Test
  void aDeploymentGetsAReplicaSetAndTwoRunningReadyPodsOnTheFakeNode(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String namespace = cluster.createNamespace("deployments");
    createFlagsAndDeployment(client, namespace, "app", Map.of(), 600);

    await("2 available replicas").atMost(ROLLOUT_TIMEOUT)
        .until(() -> availableReplicas(client.apps().deployments().inNamespace(namespace).withName("app").get()) == 2);

    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName("app").get();
    assertThat(condition(deployment, "Available")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
    List<ReplicaSet> replicaSets = client.apps().replicaSets().inNamespace(namespace).list().getItems();
    assertThat(replicaSets).singleElement().satisfies(rs -> {
      assertThat(rs.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(deployment.getMetadata().getUid()));
      assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(2);
    });
    assertThat(pods(client, namespace, "app")).hasSize(2).allSatisfy(pod -> {
      assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(replicaSets.get(0).getMetadata().getUid()));
      assertThat(pod.getSpec().getNodeName()).isEqualTo(KubeControllers.NODE_NAME);
      assertThat(pod.getSpec().getContainers().get(0).getEnvFrom()).singleElement()
          .satisfies(from -> assertThat(from.getConfigMapRef().getName()).isEqualTo("app-flags"));
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getPodIP()).isNotBlank();
      assertThat(ready(pod)).isTrue();
    });
  }

  @Test
  void kubectlRolloutRestartReplacesEveryPodAndRolloutStatusSeesItComplete(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String namespace = cluster.createNamespace("restart");
    createFlagsAndDeployment(client, namespace, "app", Map.of(), 600);
    await("2 available replicas").atMost(ROLLOUT_TIMEOUT)
        .until(() -> availableReplicas(client.apps().deployments().inNamespace(namespace).withName("app").get()) == 2);
    Set<String> before = uids(pods(client, namespace, "app"));

    long started = System.nanoTime();
    KubectlResult restart = cluster.kubectl("rollout", "restart", "deployment/app", "-n", namespace);
    KubectlResult status = cluster.kubectl("rollout", "status", "deployment/app", "-n", namespace,
        "--timeout=" + ROLLOUT_TIMEOUT.toSeconds() + "s");
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    log.info("kubectl rollout restart + rollout status of 2 replicas took {} ms", tookMillis);

    assertThat(restart.exitCode()).as(restart.output()).isZero();
    assertThat(status.exitCode()).as(status.output()).isZero();
    assertThat(status.output()).contains("successfully rolled out");
    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName("app").get();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).containsKey(RESTARTED_AT);
    assertThat(availableReplicas(deployment)).isEqualTo(2);
    assertThat(client.apps().replicaSets().inNamespace(namespace).list().getItems()).hasSize(2);
    // rollout status returns once the new pods are available; the old ones may still be terminating.
    await("only the restarted pods left").atMost(ROLLOUT_TIMEOUT).untilAsserted(() ->
        assertThat(pods(client, namespace, "app")).hasSize(2).allSatisfy(pod -> {
          assertThat(before).doesNotContain(pod.getMetadata().getUid());
          assertThat(pod.getMetadata().getAnnotations()).containsKey(RESTARTED_AT);
          assertThat(ready(pod)).isTrue();
        }));
  }

  @Test
  void aDeploymentWhosePodsRunButNeverTurnReadyStaysUnavailableUntilItsProgressDeadlinePasses(
      KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String namespace = cluster.createNamespace("unready");
    int progressDeadlineSeconds = 5;
    createFlagsAndDeployment(client, namespace, "app", KubeControllers.neverReady(), progressDeadlineSeconds);

    await("progress deadline exceeded").atMost(ROLLOUT_TIMEOUT).until(() ->
        condition(client.apps().deployments().inNamespace(namespace).withName("app").get(), "Progressing")
            .filter(c -> "ProgressDeadlineExceeded".equals(c.getReason())).isPresent());

    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName("app").get();
    assertThat(availableReplicas(deployment)).isZero();
    assertThat(deployment.getStatus().getReadyReplicas()).isNull();
    assertThat(condition(deployment, "Available")).hasValueSatisfying(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("MinimumReplicasUnavailable");
    });
    assertThat(pods(client, namespace, "app")).hasSize(2).allSatisfy(pod -> {
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(ready(pod)).isFalse();
    });
    KubectlResult status = cluster.kubectl("rollout", "status", "deployment/app", "-n", namespace, "--timeout=10s");
    assertThat(status.exitCode()).as(status.output()).isNotZero();
    assertThat(status.output()).contains("exceeded its progress deadline");
  }

  @Test
  void everyNamespaceGetsADefaultServiceAccountAndTheRootCaConfigMapWhileTheControllersRun(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String namespace = cluster.createNamespace("defaults");

    await("the controllers' objects in a new namespace").atMost(ROLLOUT_TIMEOUT).untilAsserted(() -> {
      assertThat(client.serviceAccounts().inNamespace(namespace).withName("default").get()).isNotNull();
      assertThat(client.configMaps().inNamespace(namespace).withName("kube-root-ca.crt").get()).isNotNull();
    });
  }

  private static void createFlagsAndDeployment(KubernetesClient client, String namespace, String name,
      Map<String, String> podAnnotations, int progressDeadlineSeconds) {
    client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
        .withNewMetadata().withName(name + "-flags").endMetadata()
        .withData(Map.of("USE_REDIS", "true", "USE_REDIS_PERCENTAGE", "5"))
        .build()).create();
    client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
          .withReplicas(2)
          .withProgressDeadlineSeconds(progressDeadlineSeconds)
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate()
            .withNewMetadata().addToLabels("app", name).addToAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .addNewContainer()
                // kwok never pulls it; nothing does.
                .withName("app").withImage("registry.invalid/app:1")
                .addNewEnvFrom().withNewConfigMapRef().withName(name + "-flags").endConfigMapRef().endEnvFrom()
              .endContainer()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build()).create();
  }

  private static int availableReplicas(Deployment deployment) {
    return Optional.ofNullable(deployment.getStatus()).map(DeploymentStatus::getAvailableReplicas).orElse(0);
  }

  private static Optional<DeploymentCondition> condition(Deployment deployment, String type) {
    return Optional.ofNullable(deployment.getStatus()).map(DeploymentStatus::getConditions).orElse(List.of())
        .stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static List<Pod> pods(KubernetesClient client, String namespace, String app) {
    return client.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
  }

  private static Set<String> uids(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
  }

  private static boolean ready(Pod pod) {
    List<PodCondition> conditions = pod.getStatus().getConditions();
    return conditions != null
        && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
