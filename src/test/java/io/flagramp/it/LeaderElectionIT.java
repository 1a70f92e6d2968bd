package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.OptIn;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two operator processes (the packaged jar) elect a leader on a Lease; only the leader writes. The
 * leader is SIGKILLed mid-rollout; the other takes over, and the rollout completes with no step
 * repeated or skipped.
 */
@ExtendWith(KubeApiServerExtension.class)
class LeaderElectionIT {

  private static final Logger log = LoggerFactory.getLogger(LeaderElectionIT.class);

  @Test
  void onlyTheLeaderWritesAndWhenItIsKilledTheOtherFinishesTheRolloutWithoutRepeatingOrSkippingAStep(
      KubeTestCluster cluster) throws Exception {
    OperatorHarness.installCrd(cluster.client());
    String ns = cluster.createNamespace("leader");
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("app-features").addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().addToData("USE_REDIS", "false")
        .build()).create();
    Path logs = Files.createDirectories(Path.of("target", "leader"));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (OperatorProcess a = new OperatorProcess(cluster.kubeconfig(), settings(ns, "replica-a"), logs.resolve("a"));
        OperatorProcess b = new OperatorProcess(cluster.kubeconfig(), settings(ns, "replica-b"), logs.resolve("b"));
        Watch watch = record(cluster, ns, seen)) {
      Files.createDirectories(logs.resolve("a"));
      Files.createDirectories(logs.resolve("b"));
      a.start();
      b.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> holder(cluster, ns) != null);
      String leader = holder(cluster, ns);
      OperatorProcess leading = leader.equals("replica-a") ? a : b;
      OperatorProcess standing = leading == a ? b : a;

      cluster.client().resources(ScalingChange.class).resource(change(ns, "use-redis", step(1, "3s"), step(10, "3s"),
          step(25, "3s"), step(50, "3s"), step(100, "2s"))).create();
      await().atMost(Duration.ofSeconds(60)).until(() -> seen.contains("10"));
      assertThat(events(cluster, ns)).as("only the leader writes").allMatch(e -> leader.equals(e.getReportingInstance()));
      assertThat(standing.logLines()).noneMatch(l -> l.contains("entered step"));

      Instant killed = Instant.now();
      leading.kill();
      String follower = leading == a ? "replica-b" : "replica-a";
      await().atMost(Duration.ofSeconds(90)).until(() -> follower.equals(holder(cluster, ns)));
      Instant tookOver = Instant.now();
      await().atMost(Duration.ofSeconds(90)).until(() -> phase(cluster, ns) == Phase.Succeeded);
      Instant firstWriteAfter = await().atMost(Duration.ofSeconds(15)).until(() -> events(cluster, ns).stream()
          .filter(e -> follower.equals(e.getReportingInstance()))
          .map(e -> Instant.parse(e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getEventTime().getTime()))
          .min(Instant::compareTo), java.util.Optional::isPresent).orElseThrow();

      ScalingChange done = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").get();
      List<Integer> entered = done.getStatus().getHistory().stream().map(HistoryEntry::getWeight).toList();
      log.info("leader election: {} led; SIGKILLed; {} held the Lease {} ms later, and its first Event came {} ms after"
          + " the kill; values seen {}; steps entered {}", leader, follower,
          Duration.between(killed, tookOver).toMillis(), Duration.between(killed, firstWriteAfter).toMillis(), seen,
          entered);
      assertThat(seen).as("each weight once, in order").containsExactly("-", "1", "10", "25", "50", "100");
      assertThat(entered).containsExactly(1, 10, 25, 50, 100);
    }
  }

  private static Map<String, String> settings(String ns, String instance) {
    return Map.of("FLAGRAMP_NAMESPACES", ns, "FLAGRAMP_LEADER_ELECTION", "true", "FLAGRAMP_LEASE_NAMESPACE", ns,
        "FLAGRAMP_INSTANCE", instance, "FLAGRAMP_HTTP_PORT", "0", "FLAGRAMP_RESYNC_INTERVAL", "2s");
  }

  private static String holder(KubeTestCluster cluster, String ns) {
    Lease lease = cluster.client().leases().inNamespace(ns).withName("flagramp-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static Phase phase(KubeTestCluster cluster, String ns) {
    ScalingChange sc = cluster.client().resources(ScalingChange.class).inNamespace(ns).withName("use-redis").get();
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  private static List<Event> events(KubeTestCluster cluster, String ns) {
    return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "use-redis".equals(e.getInvolvedObject().getName())).toList();
  }

  /** Every distinct value of the percentage key, "-" for absent. */
  private static Watch record(KubeTestCluster cluster, String ns, List<String> seen) {
    return cluster.client().configMaps().inNamespace(ns).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        String value = cm.getData() == null ? "-" : cm.getData().getOrDefault("USE_REDIS_PERCENTAGE", "-");
        if (seen.isEmpty() || !Objects.equals(seen.get(seen.size() - 1), value)) {
          seen.add(value);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }
}
