package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.core.FlagWrite;
import io.flagramp.operator.FlagStore;
import io.flagramp.testbed.Counters;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fault and lifecycle table of the rollout core, against the real kube-apiserver. */
@ExtendWith(KubeApiServerExtension.class)
class LifecycleIT {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static OperatorHarness harness;
  private static final AtomicBoolean raceInjected = new AtomicBoolean();

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster, RacingFlagStore::new);
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  @Test
  void aMissingConfigMapLeavesTheChangePendingWithAWarningAndItProceedsOnceTheConfigMapExists() {
    String ns = harness.cluster.createNamespace("missing");
    harness.changes().resource(change(ns, "use-redis", step(10, "1s"), step(100, null))).create();

    await().atMost(WAIT).until(() -> reason(ns, "use-redis", Condition.RECONCILING).equals("ConfigMapNotFound"));
    ScalingChange pending = harness.get(ns, "use-redis");
    assertThat(pending.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(pending.getStatus().getLastDecision())
        .isEqualTo("waiting for ConfigMap app-features to exist in namespace " + ns);
    // The Event follows the status write that made the decision.
    await().atMost(WAIT).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("ConfigMapNotFound");
    }));

    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    assertThat(harness.configMapData(ns, "app-features"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("USE_REDIS", "true", "USE_REDIS_PERCENTAGE", "100"));
  }

  @Test
  void aSecondChangeOnTheSameKeyWaitsNamingTheFirstAndProceedsWhenTheFirstEnds() {
    String ns = harness.cluster.createNamespace("conflict");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "first", step(5, "1h"), step(100, null))).create();
    await().atMost(WAIT).until(() -> "5".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    harness.changes().resource(change(ns, "second", step(20, "1s"), step(100, null))).create();

    await().atMost(WAIT).until(() -> reason(ns, "second", Condition.RECONCILING).equals("Conflict"));
    assertThat(harness.get(ns, "second").getStatus().getLastDecision()).isEqualTo("waiting for ScalingChange"
        + " first, which holds USE_REDIS_PERCENTAGE, USE_REDIS in ConfigMap app-features");
    assertThat(harness.get(ns, "second").getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "5");

    annotate(ns, "first", Annotations.ABORT, "make room");

    await().atMost(WAIT).until(() -> harness.phase(ns, "second") == Phase.Succeeded);
    assertThat(harness.phase(ns, "first")).isEqualTo(Phase.RolledBack);
    assertThat(harness.get(ns, "second").getStatus().getOriginalValues())
        .as("recorded after the first change had restored its originals")
        .containsExactly(Map.entry("USE_REDIS", "false"));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "second")).extracting(Event::getReason).contains("Conflict", "Succeeded"));
  }

  @Test
  void deletingAChangeMidRolloutRestoresTheOriginalValuesBeforeItGoes() {
    String ns = harness.cluster.createNamespace("delete");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false", "OTHER", "x"));
    harness.changes().resource(change(ns, "use-redis", step(1, "1s"), step(25, "1h"), step(100, null))).create();
    await().atMost(WAIT).until(() -> "25".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    KubeTestCluster.KubectlResult deleted = harness.cluster.kubectl("delete", "-n", ns, "schg/use-redis", "--timeout=60s");

    assertThat(deleted.exitCode()).as(deleted.output()).isZero();
    assertThat(harness.get(ns, "use-redis")).isNull();
    assertThat(harness.configMapData(ns, "app-features"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("USE_REDIS", "false", "OTHER", "x"));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("DeletedRestored");
      assertThat(e.getMessage()).isEqualTo("deleted at weight 25 (step 2/3): onDelete=Restore removed"
          + " USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"");
    }));
  }

  @Test
  void aRestoreThatFailsOnDeleteKeepsTheObjectAndSaysWhyInAConditionAndAnEvent() {
    String ns = harness.cluster.createNamespace("stuck");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(10, "1h"), step(100, null))).create();
    await().atMost(WAIT).until(() -> "10".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));
    patchConfigMap(ns, "{\"immutable\":true}");

    KubeTestCluster.KubectlResult deleted = harness.cluster.kubectl("delete", "-n", ns, "schg/use-redis", "--wait=false");
    assertThat(deleted.exitCode()).as(deleted.output()).isZero();

    await().atMost(WAIT).until(() -> reason(ns, "use-redis", Condition.RECONCILING).equals("ConfigMapRejected"));
    ScalingChange stuck = harness.get(ns, "use-redis");
    assertThat(stuck.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(stuck.getMetadata().getFinalizers()).contains("flagramp.io/on-delete");
    assertThat(harness.condition(ns, "use-redis", Condition.RECONCILING).orElseThrow().getMessage())
        .startsWith("writing ConfigMap app-features failed: HTTP 422").endsWith("; retrying");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("ConfigMapRejected");
    }));
    assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "10");

    // What on-call does when the flag cannot be restored: let the object go by hand.
    KubeTestCluster.KubectlResult released = harness.cluster.kubectl("patch", "-n", ns, "schg/use-redis",
        "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    assertThat(released.exitCode()).as(released.output()).isZero();
    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis") == null);
  }

  @Test
  void deletingAChangeWithOnDeleteKeepLeavesTheFlagWhereItIs() {
    String ns = harness.cluster.createNamespace("keep");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    ScalingChange keep = change(ns, "use-redis", step(30, "1h"), step(100, null));
    keep.getSpec().setOnDelete(OnDelete.Keep);
    harness.changes().resource(keep).create();
    await().atMost(WAIT).until(() -> "30".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    harness.changes().inNamespace(ns).withName("use-redis").delete();

    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis") == null);
    assertThat(harness.configMapData(ns, "app-features"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("USE_REDIS", "true", "USE_REDIS_PERCENTAGE", "30"));
  }

  @Test
  void theRetryAnnotationStartsANewAttemptAfterRolledBackAndIsAcknowledged() {
    String ns = harness.cluster.createNamespace("retry");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(10, "1s"), step(100, null))).create();
    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    annotate(ns, "use-redis", Annotations.ABORT, "rehearsal");
    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);

    annotate(ns, "use-redis", Annotations.RETRY, "2026-11-26T10:00");

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded
        && harness.get(ns, "use-redis").getStatus().getAttempt() == 2);
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getLastHandled().getRetry()).isEqualTo("2026-11-26T10:00");
    assertThat(sc.getStatus().getLastHandled().getAbort()).as("the old abort is not acted on again").isEqualTo("rehearsal");
    assertThat(harness.configMapData(ns, "app-features")).containsEntry("USE_REDIS_PERCENTAGE", "100");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getReason()).isEqualTo("NewAttempt");
      assertThat(e.getMessage()).isEqualTo("retry requested by flagramp.io/retry=\"2026-11-26T10:00\" after"
          + " RolledBack: starting attempt 2 from the first step");
    }));
  }

  @Test
  void someoneElseChangingTheFlagMidRolloutHoldsItWithAWarningUntilTheValueIsPutBack() {
    String ns = harness.cluster.createNamespace("drift");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(5, "4s"), step(100, null))).create();
    await().atMost(WAIT).until(() -> "5".equals(harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE")));

    patchConfigMap(ns, "{\"data\":{\"USE_REDIS_PERCENTAGE\":\"0\"}}");

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Held);
    Condition stalled = harness.condition(ns, "use-redis", Condition.STALLED).orElseThrow();
    assertThat(stalled.isTrue()).isTrue();
    assertThat(stalled.getReason()).isEqualTo("ExternalChange");
    assertThat(stalled.getMessage()).isEqualTo("USE_REDIS_PERCENTAGE in ConfigMap app-features is \"0\" but flagramp"
        + " wrote \"5\" (changed by kubectl-patch): holding at weight 5; put the value back to resume, or abort"
        + " to restore the original values");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("ExternalChange");
    }));
    assertThat(harness.configMapData(ns, "app-features")).as("flagramp does not fight it")
        .containsEntry("USE_REDIS_PERCENTAGE", "0");

    patchConfigMap(ns, "{\"data\":{\"USE_REDIS_PERCENTAGE\":\"5\"}}");

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).extracting(Event::getReason).contains("Resumed"));
    ScalingChange done = harness.get(ns, "use-redis");
    java.time.Instant resumedAt = harness.events(ns, "use-redis").stream().filter(e -> e.getReason().equals("Resumed"))
        .map(e -> java.time.Instant.parse(e.getEventTime().getTime())).findFirst().orElseThrow();
    assertThat(java.time.Instant.parse(done.getStatus().getHistory().get(1).getStartedAt()))
        .as("the step soaked its full 4s again after the value was put back")
        .isAfterOrEqualTo(resumedAt.plusSeconds(3));
  }

  private static void patchConfigMap(String ns, String patch) {
    KubeTestCluster.KubectlResult r = harness.cluster.kubectl("patch", "-n", ns, "configmap/app-features",
        "--type=merge", "-p", patch);
    assertThat(r.exitCode()).as(r.output()).isZero();
  }

  /**
   * The API server answers 409 because the ConfigMap changed between the operator's read and its
   * write (a race injected by {@link RacingFlagStore}: the conflict itself is the real server's).
   * The fault shows as a condition and a Warning Event; the retry plans again from fresh state and
   * loses neither the other writer's key nor the original values.
   */
  @Test
  void aConflictingWriteIsDecidedAgainAtOnceFromAFreshReadAndLosesNothing() {
    String ns = harness.cluster.createNamespace("race");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    double before = Counters.value(harness.operatorMetrics.registry(), "flagramp_api_write_failures", "reason",
        "WriteConflict");

    harness.changes().resource(change(ns, "use-redis", step(15, "1s"), step(100, null))).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    assertThat(raceInjected).isTrue();
    assertThat(Counters.value(harness.operatorMetrics.registry(), "flagramp_api_write_failures", "reason",
        "WriteConflict")).as("the 409 is counted").isEqualTo(before + 1);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).as("a conflict decided again at once is no failure to report")
        .noneSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning")));
    assertThat(harness.configMapData(ns, "app-features")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "USE_REDIS", "true", "USE_REDIS_PERCENTAGE", "100", "RACER", "was here"));
    assertThat(harness.get(ns, "use-redis").getStatus().getOriginalValues())
        .containsExactly(Map.entry("USE_REDIS", "false"));
    assertThat(harness.requests.writesIn(ns).stream().filter(r -> r.kind().equals("configmap")).count())
        .as("2 steps + the refused write").isEqualTo(3);
  }

  /** Before the first flag write in a namespace named race-*, another writer changes the ConfigMap. */
  static final class RacingFlagStore implements FlagStore {
    private final FlagStore real;

    RacingFlagStore(FlagStore real) {
      this.real = real;
    }

    @Override
    public Optional<Snapshot> read(String namespace, String configMap, io.flagramp.core.FlagFormat keys) {
      return real.read(namespace, configMap, keys);
    }

    @Override
    public void write(String namespace, String configMap, FlagWrite write, Snapshot read) {
      if (namespace.startsWith("race-") && raceInjected.compareAndSet(false, true)) {
        harness.client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
                .withName(configMap).withNamespace(namespace).endMetadata().addToData("RACER", "was here").build())
            .fieldManager("racer").serverSideApply();
      }
      real.write(namespace, configMap, write, read);
    }
  }

  private static void annotate(String ns, String name, String key, String value) {
    KubeTestCluster.KubectlResult r = harness.cluster.kubectl("annotate", "--overwrite", "-n", ns,
        "schg/" + name, key + "=" + value);
    assertThat(r.exitCode()).as(r.output()).isZero();
  }


  private static String reason(String ns, String name, String type) {
    return harness.condition(ns, name, type).map(Condition::getReason).orElse("");
  }
}
