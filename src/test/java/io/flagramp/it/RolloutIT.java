package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.core.Annotations;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A rollout against the real kube-apiserver: the walk, the revert, what it costs in API writes. */
@ExtendWith(KubeApiServerExtension.class)
class RolloutIT {

  private static final Logger log = LoggerFactory.getLogger(RolloutIT.class);
  private static OperatorHarness harness;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster);
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  /** A ConfigMap with the flag off, unrelated keys (one with awkward whitespace) and binary data. */
  private static void appFeatures(String ns) {
    harness.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("app-features").withNamespace(ns).addToLabels("team", "social")
        .addToLabels(io.flagramp.core.OptIn.FLAGS, io.flagramp.core.OptIn.VALUE).endMetadata()
        .addToData("USE_REDIS", "false")
        .addToData("DB_POOL", "20")
        .addToData("BANNER", "  keep me\n\texactly  ")
        .addToBinaryData("logo.bin", "AAEC/w==")
        .build()).create();
  }

  /** Records each distinct value of a key as the API server's watch delivers it. */
  private static Watch recordValues(String ns, String key, List<String> seen) {
    return harness.client.configMaps().inNamespace(ns).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        String value = cm.getData() == null ? null : cm.getData().get(key);
        String last = seen.isEmpty() ? null : seen.get(seen.size() - 1);
        if (!Objects.equals(value, last)) {
          seen.add(value);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }

  @Test
  void aFourStepRolloutWalksTheKeyThroughEachWeightTouchesNothingElseAndEndsReady() {
    String ns = harness.cluster.createNamespace("rollout");
    appFeatures(ns);
    ConfigMap before = harness.client.configMaps().inNamespace(ns).withName("app-features").get();
    List<String> seen = new CopyOnWriteArrayList<>();
    Watch watch = recordValues(ns, "USE_REDIS_PERCENTAGE", seen);
    try {
      harness.changes().resource(change(ns, "use-redis", step(1, "2s"), step(5, "2s"), step(50, "2s"),
          step(100, "2s"))).create();
      CompletableFuture<KubeTestCluster.KubectlResult> kubectlWait = CompletableFuture.supplyAsync(() ->
          harness.cluster.kubectl("wait", "--for=condition=Ready", "scalingchange/use-redis", "-n", ns,
              "--timeout=90s"));

      await().atMost(Duration.ofSeconds(90)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
      KubeTestCluster.KubectlResult waited = kubectlWait.join();

      assertThat(waited.exitCode()).as(waited.output()).isZero();
      assertThat(waited.output()).contains("scalingchange.flagramp.io/use-redis condition met");
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("100"));
    } finally {
      watch.close();
    }
    assertThat(before.getData()).doesNotContainKey("USE_REDIS_PERCENTAGE");
    assertThat(seen).containsExactly("1", "5", "50", "100");

    ConfigMap after = harness.client.configMaps().inNamespace(ns).withName("app-features").get();
    assertThat(after.getData()).containsEntry("USE_REDIS_PERCENTAGE", "100").containsEntry("USE_REDIS", "true");
    assertThat(after.getData()).containsEntry("DB_POOL", "20").containsEntry("BANNER", "  keep me\n\texactly  ");
    assertThat(after.getBinaryData()).isEqualTo(before.getBinaryData());
    assertThat(after.getMetadata().getLabels()).isEqualTo(before.getMetadata().getLabels());

    ScalingChange done = harness.get(ns, "use-redis");
    assertThat(done.getStatus().getProgress()).isEqualTo("4/4");
    assertThat(done.getStatus().getOriginalValues()).containsExactly(Map.entry("USE_REDIS", "false"));
    assertThat(done.getStatus().getHistory()).extracting(HistoryEntry::getWeight).containsExactly(1, 5, 50, 100);
    assertThat(done.getStatus().getHistory()).extracting(HistoryEntry::getOutcome).containsOnly(StepOutcome.Passed);
    assertThat(done.getStatus().condition(Condition.READY).orElseThrow().isTrue()).isTrue();
    assertThat(done.getStatus().condition(Condition.READY).orElseThrow().getObservedGeneration()).isEqualTo(1L);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).extracting(e -> e.getReason())
        .containsExactlyInAnyOrder("StepEntered", "StepEntered", "StepEntered", "StepEntered", "Succeeded"));

    Map<String, Long> writes = harness.requests.writesIn(ns).stream()
        .collect(Collectors.groupingBy(ApiRequests.Request::kind, Collectors.counting()));
    log.info("API writes for a 4-step rollout: {} (all: {})", writes, harness.requests.writesIn(ns));
    assertThat(writes.get("configmap")).as("one ConfigMap write per step").isEqualTo(4L);
    assertThat(writes.get("status")).as("4 steps (the first with the originals), success").isEqualTo(5L);
    assertThat(writes.get("event")).as("one Event per transition").isEqualTo(5L);
    assertThat(writes.get("other")).as("JOSDK adds the finalizer").isEqualTo(1L);
    assertThat(harness.requests.configMapReadsIn(ns)).as("the ConfigMap is read from the informer (a GET at most"
        + " for a first reconcile that comes before the informer has it), and patched without a GET first")
        .isLessThanOrEqualTo(1L);

    KubeTestCluster.KubectlResult table = harness.cluster.kubectl("get", "schg", "-n", ns);
    KubeTestCluster.KubectlResult wide = harness.cluster.kubectl("get", "schg", "-n", ns, "-o", "wide");
    log.info("kubectl get schg:\n{}\nkubectl get schg -o wide:\n{}", table.output(), wide.output());
    assertThat(table.output().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PHASE", "REASON", "STEP", "WEIGHT", "AGE");
    assertThat(table.output()).containsPattern("use-redis\\s+Succeeded\\s+Succeeded\\s+4/4\\s+100\\s+\\d+s");
    assertThat(wide.output().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PHASE", "REASON", "STEP", "WEIGHT", "AGE", "NEXT", "DECISION");
    assertThat(wide.output()).contains("step 4/4 at weight 100 soaked 2s: succeeded");
  }

  @Test
  void abortMidRolloutRestoresTheOriginalValuesExactlyIncludingRemovingAnAbsentKey() {
    String ns = harness.cluster.createNamespace("abort");
    appFeatures(ns);
    ConfigMap before = harness.client.configMaps().inNamespace(ns).withName("app-features").get();
    harness.changes().resource(change(ns, "use-redis", step(1, "1s"), step(5, "1h"), step(100, null))).create();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> "5".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    KubeTestCluster.KubectlResult annotated = harness.cluster.kubectl("annotate", "-n", ns, "schg/use-redis",
        Annotations.ABORT + "=p99 up");
    assertThat(annotated.exitCode()).as(annotated.output()).isZero();

    // RolledBack is recorded first (with the restore as its intent), then the ConfigMap is written.
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack
        && before.getData().equals(harness.configMapData(ns, "app-features")));
    ConfigMap after = harness.client.configMaps().inNamespace(ns).withName("app-features").get();
    assertThat(after.getData()).isEqualTo(before.getData());
    assertThat(after.getData()).doesNotContainKey("USE_REDIS_PERCENTAGE").containsEntry("USE_REDIS", "false");
    assertThat(after.getBinaryData()).isEqualTo(before.getBinaryData());
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getLastHandled().getAbort()).isEqualTo("p99 up");
    assertThat(sc.getStatus().getLastDecision()).isEqualTo("aborted by flagramp.io/abort=\"p99 up\" at weight 5"
        + " (step 2/3): removed USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"");
    assertThat(sc.getStatus().condition(Condition.STALLED).orElseThrow())
        .satisfies(c -> assertThat(c.isTrue()).isTrue())
        .satisfies(c -> assertThat(c.getReason()).isEqualTo("Aborted"));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("Aborted");
      assertThat(e.getMessage()).isEqualTo(sc.getStatus().getLastDecision());
    }));
  }

  @Test
  void aSoakCostsNoWritesHoweverOftenTheOperatorLooks() {
    String ns = harness.cluster.createNamespace("soak");
    appFeatures(ns);
    harness.changes().resource(change(ns, "use-redis", step(1, "1h"), step(100, null))).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.get(ns, "use-redis").getStatus() != null
        && harness.get(ns, "use-redis").getStatus().getCurrentStep() == 0);
    // The step's Event is the last write of the step; wait for it so the window starts clean.
    await().atMost(Duration.ofSeconds(10)).until(() -> harness.requests.writesIn(ns).stream()
        .filter(r -> r.kind().equals("event")).count() == 1);
    int writesBefore = harness.requests.writesIn(ns).size();
    long readsBefore = harness.requests.configMapReadsIn(ns);
    long reconcilesBefore = harness.reconciles();

    // The resync interval is 2s: at least 5 more looks (every change of this operator counts; this one resyncs).
    await().atMost(Duration.ofSeconds(30)).until(() -> harness.reconciles() >= reconcilesBefore + 5);

    List<ApiRequests.Request> writes = new ArrayList<>(harness.requests.writesIn(ns));
    long reads = harness.requests.configMapReadsIn(ns) - readsBefore;
    log.info("soak: {} reconciles, {} API writes, {} ConfigMap GETs", harness.reconciles() - reconcilesBefore,
        writes.size() - writesBefore, reads);
    assertThat(writes.subList(writesBefore, writes.size())).as("writes during the soak").isEmpty();
    assertThat(reads).as("the ConfigMap is read from the informer, not with a GET").isZero();
  }

}
