package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeControllers;
import io.flagramp.testbed.KubeControllersExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart's PodDisruptionBudget on the real API server with kube-controller-manager's disruption
 * controller computing its status, over the chart's own Deployment whose pods kwok runs and makes Ready:
 * a drain evicts through the Eviction API, which the budget's {@code status.disruptionsAllowed} governs.
 */
@ExtendWith({KubeApiServerExtension.class, KubeControllersExtension.class})
class ChartDrainIT {

  private static final Logger log = LoggerFactory.getLogger(ChartDrainIT.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Test
  void withOneReplicaTheBudgetAllowsADisruptionAndTheEvictionADrainMakesGoesThrough(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String ns = cluster.createNamespace("drain-one");
    Rendered chart = HelmChart.render("drain-one", ns, "replicaCount: 1\n");
    PodDisruptionBudget pdb = install(client, chart);

    PodDisruptionBudgetStatus status = awaitBudget(client, ns, pdb, 1, 1);
    assertThat(status.getDisruptionsAllowed()).isGreaterThanOrEqualTo(1);
    String pod = readyPods(client, ns, chart).get(0).getMetadata().getName();
    assertThat(client.pods().inNamespace(ns).withName(pod).evict()).as("evicted").isTrue();
    log.info("replicaCount 1: {} healthy of {}, disruptionsAllowed {}, the eviction of {} went through",
        status.getCurrentHealthy(), status.getExpectedPods(), status.getDisruptionsAllowed(), pod);

    // The budget the chart rendered before (minAvailable: 1 over the one replica) is what blocked drains.
    String oldNs = cluster.createNamespace("drain-old");
    Rendered old = HelmChart.render("drain-old", oldNs, "replicaCount: 1\n");
    PodDisruptionBudget oldPdb = old.one(PodDisruptionBudget.class);
    oldPdb.getSpec().setMaxUnavailable(null);
    oldPdb.getSpec().setMinAvailable(new IntOrString(1));
    oldPdb.getSpec().setUnhealthyPodEvictionPolicy(null);
    install(client, old, oldPdb);
    PodDisruptionBudgetStatus blocked = awaitBudget(client, oldNs, oldPdb, 1, 1);
    assertThat(blocked.getDisruptionsAllowed()).isZero();
    String oldPod = readyPods(client, oldNs, old).get(0).getMetadata().getName();
    assertThat(client.pods().inNamespace(oldNs).withName(oldPod).evict()).as("refused (429)").isFalse();
    log.info("the old minAvailable 1 over 1 replica: disruptionsAllowed {}, the eviction was refused",
        blocked.getDisruptionsAllowed());
  }

  @Test
  void withTwoReplicasTheBudgetKeepsOneAndAnUnreadyPodIsNeverHeldBack(KubeTestCluster cluster) {
    KubernetesClient client = cluster.client();
    String ns = cluster.createNamespace("drain-two");
    Rendered chart = HelmChart.render("drain-two", ns, "");
    PodDisruptionBudget pdb = install(client, chart);

    PodDisruptionBudgetStatus status = awaitBudget(client, ns, pdb, 2, 2);
    assertThat(status.getDisruptionsAllowed()).as("one of two may go at a time").isEqualTo(1);

    // Replicas that run but never turn Ready (a crash loop, a wrong Prometheus address): the budget
    // allows nothing, and a drain still evicts them, since an unready pod serves nothing.
    String unreadyNs = cluster.createNamespace("drain-unready");
    Map<String, String> neverReady = KubeControllers.neverReady();
    Rendered unready = HelmChart.render("drain-unready", unreadyNs, "podAnnotations: {%s: \"%s\"}\n"
        .formatted(neverReady.keySet().iterator().next(), neverReady.values().iterator().next()));
    PodDisruptionBudget unreadyPdb = install(client, unready);
    await("2 running unready pods").atMost(TIMEOUT).until(() -> pods(client, unreadyNs, unready).stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase())).count() == 2);
    PodDisruptionBudgetStatus none = awaitBudget(client, unreadyNs, unreadyPdb, 2, 0);
    assertThat(none.getCurrentHealthy()).isZero();
    assertThat(none.getDisruptionsAllowed()).isZero();
    String pod = pods(client, unreadyNs, unready).get(0).getMetadata().getName();
    assertThat(client.pods().inNamespace(unreadyNs).withName(pod).evict()).as("evicted although unready").isTrue();
    log.info("replicaCount 2: disruptionsAllowed {} with 2 ready; {} with 2 unready, and an unready pod was evicted",
        status.getDisruptionsAllowed(), none.getDisruptionsAllowed());
  }

  /** The rendered ServiceAccount, Deployment and PodDisruptionBudget (or the one given instead). */
  private static PodDisruptionBudget install(KubernetesClient client, Rendered chart, PodDisruptionBudget... instead) {
    PodDisruptionBudget pdb = instead.length > 0 ? instead[0] : chart.one(PodDisruptionBudget.class);
    List<HasMetadata> objects = chart.objects().stream()
        .filter(o -> Set.of("ServiceAccount", "Deployment").contains(o.getKind())).toList();
    objects.forEach(o -> client.resource(o).create());
    client.resource(pdb).create();
    return pdb;
  }

  /** The budget's status once the disruption controller has seen its current spec and expected pods. */
  private static PodDisruptionBudgetStatus awaitBudget(KubernetesClient client, String ns, PodDisruptionBudget pdb,
      int expectedPods, int healthy) {
    String name = pdb.getMetadata().getName();
    return await("the budget's status over " + expectedPods + " pods").atMost(TIMEOUT).until(() -> {
      PodDisruptionBudget live = client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(name).get();
      return live.getStatus();
    }, s -> s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= 1
        && s.getExpectedPods() != null && s.getExpectedPods() == expectedPods
        && s.getCurrentHealthy() != null && s.getCurrentHealthy() == healthy && s.getDesiredHealthy() != null);
  }

  private static List<Pod> readyPods(KubernetesClient client, String ns, Rendered chart) {
    return pods(client, ns, chart).stream().filter(p -> p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).toList();
  }

  private static List<Pod> pods(KubernetesClient client, String ns, Rendered chart) {
    return client.pods().inNamespace(ns)
        .withLabels(chart.deployment().getSpec().getSelector().getMatchLabels()).list().getItems();
  }
}
