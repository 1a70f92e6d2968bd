package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Annotations;
import io.flagramp.core.ClaimAnnotations;
import io.flagramp.core.FlagClaim;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.OptIn;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.operator.Clients;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.EventRecorder;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.Measurer;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.operator.RealApiStores;
import io.flagramp.operator.Reconciliation;
import io.flagramp.operator.StatusWriteFailed;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim sequences of issue 17 that broke the claim rules, each against the real kube-apiserver with
 * the packaged operator ({@code target/flagramp-operator.jar}) as its own process, the way a user runs
 * it. {@code io.flagramp.core.ClaimSafetyTest} holds the same sequences over the in-memory API; here the
 * API server decides every precondition, deletes and creates the ConfigMap for real, and a watch records
 * every state the ConfigMap took, so "nothing was written" is checked on the object's history, not on
 * what the operator says it did.
 *
 * <ol>
 *   <li>A ConfigMap deleted and created again lets two changes write one key.
 *   <li>A missing claim reads as "restore done".
 *   <li>A stale copy of a change replays an old attempt's restore: two operator processes serving one
 *       namespace at once, and a reconcile in this JVM handed a copy from before the retry.
 *   <li value="6">A restore hands each key back to the field manager that held it: an Update owner, an
 *       Apply owner (and what that manager meets when it applies again), and flagramp itself.
 * </ol>
 *
 * Each operator run logs to {@code target/claim-safety-it/<test>/<instance>/operator-N.log}.
 */
@ExtendWith(KubeApiServerExtension.class)
class ClaimSafetyIT {

  private static final Logger log = LoggerFactory.getLogger(ClaimSafetyIT.class);
  /** Generous: other builds may share this 2-core machine. */
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String CM = "app-features";
  private static final String PCT = "USE_REDIS_PERCENTAGE";
  private static final String ON = "USE_REDIS";
  private static final String OTHER = "OTHER";
  private static final List<String> KEYS = List.of(PCT, ON);

  private KubeTestCluster cluster;
  private KubernetesClient client;
  private String ns;
  private Path logs;
  private final List<AutoCloseable> resources = new ArrayList<>();

  @BeforeEach
  void setUp(KubeTestCluster cluster, TestInfo test) throws IOException {
    this.cluster = cluster;
    this.client = cluster.client();
    OperatorHarness.installCrd(client);
    ns = cluster.createNamespace("claims");
    logs = Files.createDirectories(Path.of("target", "claim-safety-it", test.getTestMethod().orElseThrow().getName()));
  }

  @AfterEach
  void tearDown() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("closing {}: {}", resources.get(i), e.toString());
      }
    }
  }

  // ---- 1. a re-created ConfigMap lets two changes write one key ----

  @Test
  void abortingAChangeHeldOnAReCreatedConfigMapNeverWritesOverTheKeysAnotherChangeNowHolds() {
    createConfigMap(Map.of(ON, "false"));
    Recorder cm = record();
    operator("op");
    create(change(ns, "a", step(10, "1h"), step(100, null)));
    awaitAt("a", 1, 10);

    recreateConfigMap(Map.of(ON, "false"));
    Reason heldFor = awaitHeld("a");
    create(change(ns, "b", step(20, "1h"), step(100, null)));
    awaitAt("b", 1, 20);
    String version = configMap().getMetadata().getResourceVersion();
    int seen = cm.size();

    annotate("a", Map.of(Annotations.ABORT, "on-call"));

    await("a aborted").atMost(WAIT).until(() -> settled("a", Phase.RolledBack)
        && "on-call".equals(status("a").getLastHandled().getAbort()));
    // Several resyncs of both changes: still nothing written.
    await("no ConfigMap write").during(Duration.ofSeconds(6)).atMost(WAIT)
        .failFast(() -> assertThat(cm.since(seen)).as("a writes nothing on the ConfigMap b holds").isEmpty())
        .until(() -> configMap().getMetadata().getResourceVersion().equals(version));
    assertThat(flag(configMap())).isEqualTo(Map.of(PCT, "20", ON, "true"));
    assertThat(configMap().getData()).containsEntry(OTHER, "untouched");
    assertThat(claims(configMap())).as("b's claim only, as b wrote it").containsOnlyKeys("b")
        .hasEntrySatisfying("b", c -> assertThat(c.applied()).isEqualTo("1.20"));
    assertThat(status("a").getLastDecision())
        .contains("not restored; left " + PCT + ", " + ON + " to ScalingChange b, which holds them now");
    assertThat(status("b").getPhase()).isEqualTo(Phase.Progressing);
    assertThat(status("b").getCurrentWeight()).isEqualTo(20);
    assertThat(cm.liveClaimsPerKeyAtMost1()).as("never two live claims on one key").isEmpty();
    assertThat(heldFor).as("held because its ConfigMap was replaced").isEqualTo(Reason.ConfigMapReplaced);
  }

  @Test
  void aChangeHeldOnAReCreatedConfigMapNeverResumesNorTakesTheKeysBackWhenAnotherChangeWritesItsWeight() {
    createConfigMap(Map.of(ON, "false"));
    Recorder cm = record();
    operator("op");
    create(change(ns, "a", step(10, "6s"), step(50, "6s"), step(100, null)));
    awaitAt("a", 1, 10);
    Instant soakEnds = Instant.parse(status("a").getNextStepAt());

    recreateConfigMap(Map.of(ON, "false"));
    Reason heldFor = awaitHeld("a");
    assertThat(status("a").getCurrentWeight()).as("held before its soak at 10 ended").isEqualTo(10);
    create(change(ns, "b", step(10, "1h"), step(100, null)));
    awaitAt("b", 1, 10);
    String version = configMap().getMetadata().getResourceVersion();
    int seen = cm.size();

    // Past the end of a's soak at 10, and three resyncs more: a stays held and writes nothing.
    Duration window = Duration.between(Instant.now(), soakEnds).plusSeconds(6);
    await("a held, the ConfigMap as b left it").during(window.isNegative() ? Duration.ofSeconds(6) : window)
        .atMost(window.plus(WAIT))
        .failFast(() -> assertThat(cm.since(seen)).as("a never writes the new ConfigMap").isEmpty())
        .until(() -> status("a").getPhase() == Phase.Held && Objects.equals(status("a").getCurrentWeight(), 10)
            && configMap().getMetadata().getResourceVersion().equals(version));
    assertThat(flag(configMap())).isEqualTo(Map.of(PCT, "10", ON, "true"));

    // The keys hold exactly what a last wrote, but b wrote them: an abort of a leaves them to b.
    annotate("a", Map.of(Annotations.ABORT, "on-call"));
    await("a aborted").atMost(WAIT).until(() -> settled("a", Phase.RolledBack));
    await("no ConfigMap write").during(Duration.ofSeconds(4)).atMost(WAIT)
        .failFast(() -> assertThat(cm.since(seen)).as("nor does its abort").isEmpty())
        .until(() -> configMap().getMetadata().getResourceVersion().equals(version));
    assertThat(claims(configMap())).containsOnlyKeys("b")
        .hasEntrySatisfying("b", c -> assertThat(c.applied()).isEqualTo("1.10"));
    assertThat(cm.liveClaimsPerKeyAtMost1()).as("never two live claims on one key").isEmpty();
    assertThat(heldFor).as("held because its ConfigMap was replaced").isEqualTo(Reason.ConfigMapReplaced);
  }

  // ---- 2. a missing claim reads as "restore done" ----

  @Test
  void anAbortOnAConfigMapReCreatedWithTheChangesValuesRestoresTheOriginalsThroughA409AndARetryRecordsTheTrueOnes() {
    createConfigMap(Map.of(ON, "false"));
    Recorder cm = record();
    OperatorProcess operator = operator("op");
    create(change(ns, "a", step(5, "1h"), step(100, null)));
    awaitAt("a", 1, 5);
    // Created again from the values a wrote, without its claim (a backup taken without annotations).
    recreateConfigMap(Map.of(PCT, "5", ON, "true"));
    awaitQuiet("a");

    // Another client edits the ConfigMap at the moment of the restore, until the operator meets a 409 there.
    String conflict = "writing ConfigMap " + CM + " failed: HTTP 409";
    try (Toucher toucher = new Toucher()) {
      annotate("a", Map.of(Annotations.ABORT, "on-call"));
      await("the restore meets a 409").atMost(WAIT)
          .until(() -> operator.logLines().stream().anyMatch(l -> l.contains(ns + "/a: " + conflict)));
      log.info("the restore met a 409 after {} edits of the ConfigMap by another client", toucher.touches.get());
    }

    await("a rolled back, its restore made").atMost(WAIT).until(() -> settled("a", Phase.RolledBack));
    ConfigMap restored = configMap();
    assertThat(flag(restored)).as("the original values, on the ConfigMap as it is now").isEqualTo(Map.of(ON, "false"));
    assertThat(restored.getData()).containsEntry(OTHER, "untouched");
    assertThat(claims(restored)).hasEntrySatisfying("a", c -> assertThat(c.applied()).isEqualTo("1.restored"));
    assertThat(cm.states()).as("the restore was made on the object created again")
        .anySatisfy(s -> assertThat(s.applied("a")).isEqualTo("1.restored"));

    annotate("a", Map.of(Annotations.RETRY, "again"));
    awaitAt("a", 2, 5);
    assertThat(status("a").getOriginalValues()).as("the true originals, never flagramp's own values")
        .isEqualTo(Map.of(ON, "false"));
    assertThat(flag(configMap())).isEqualTo(Map.of(PCT, "5", ON, "true"));
    assertThat(events("a")).as("held when it saw the ConfigMap created again")
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Reason.ConfigMapReplaced.name()));
  }

  @Test
  void deletingAChangeAfterItsConfigMapWasReCreatedWithItsValuesRestoresTheOriginalsAndEmitsDeletedRestored() {
    createConfigMap(Map.of(ON, "false"));
    operator("op");
    create(change(ns, "a", step(5, "1h"), step(100, null)));
    awaitAt("a", 1, 5);
    recreateConfigMap(Map.of(PCT, "5", ON, "true"));
    awaitQuiet("a");

    client.resources(ScalingChange.class).inNamespace(ns).withName("a").delete();

    await("a gone").atMost(WAIT).until(() -> get("a") == null);
    ConfigMap after = configMap();
    assertThat(flag(after)).isEqualTo(Map.of(ON, "false"));
    assertThat(after.getData()).containsEntry(OTHER, "untouched");
    assertThat(claims(after)).as("nothing of the change is left").isEmpty();
    await("the DeletedRestored Event").atMost(WAIT).untilAsserted(() -> assertThat(events("a"))
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("DeletedRestored");
          assertThat(e.getType()).isEqualTo("Normal");
          assertThat(e.getNote()).contains("removed " + PCT + " (was absent), restored " + ON + "=\"false\"");
        }));
    assertThat(events("a")).as("held when it saw the ConfigMap created again")
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Reason.ConfigMapReplaced.name()));
  }

  // ---- 3. a stale copy replays an old attempt's restore ----

  private static final int CYCLES = 6;

  /**
   * Both processes serve the namespace (no leader election) and act on every event. In every other
   * cycle process "two" is frozen (SIGSTOP, as a long GC pause would) before the abort and thawed once
   * the next attempt's step is on the ConfigMap: it wakes with its caches of the attempt before, and
   * catches up while it reconciles.
   */
  @Test
  void twoOperatorProcessesServingOneNamespaceNeverReplayAnEarlierAttemptsRestoreAcrossQuickAbortsAndRetries() {
    createConfigMap(Map.of(ON, "false"));
    Recorder cm = record();
    OperatorProcess one = operator("one");
    OperatorProcess two = operator("two");
    create(change(ns, "a", step(1, "1h"), step(100, null)));
    awaitAt("a", 1, 1);

    Map<Integer, Long> abortedAt = new LinkedHashMap<>();
    int frozen = 0;
    for (int k = 1; k <= CYCLES; k++) {
      boolean freeze = k % 2 == 0;
      if (freeze) {
        signal(two, "STOP");
        frozen++;
      }
      try {
        // Abort and retry at once: the retry is taken as soon as the restore is done, by either process.
        ScalingChange annotated = annotate("a", Map.of(Annotations.ABORT, "abort-" + k, Annotations.RETRY,
            "retry-" + k));
        abortedAt.put(k, Long.parseLong(annotated.getMetadata().getResourceVersion()));
        awaitAt("a", k + 1, 1);
      } finally {
        if (freeze) {
          signal(two, "CONT");  // also when the cycle failed: a stopped process would not end on SIGTERM
        }
      }
      AtomicReference<String> last = new AtomicReference<>();
      await("both processes quiet after cycle " + k).during(Duration.ofSeconds(freeze ? 5 : 1)).atMost(WAIT)
          .failFast(() -> assertThat(attemptViolations(cm.states(), Map.of(ON, "false"), abortedAt)).isEmpty())
          .until(() -> {
            String version = configMap().getMetadata().getResourceVersion();
            return version.equals(last.getAndSet(version));
          });
    }

    List<State> states = cm.states();
    List<String> violations = attemptViolations(states, Map.of(ON, "false"), abortedAt);
    long conflicts = one.logLines().stream().filter(l -> l.contains("HTTP 409")).count()
        + two.logLines().stream().filter(l -> l.contains("HTTP 409")).count();
    List<String> applied = states.stream().map(s -> s.applied("a")).filter(Objects::nonNull).distinct().toList();
    log.info("two processes, {} abort+retry cycles ({} with process two frozen across it): {} HTTP 409s met by the"
        + " operators, claim ids in order {}", CYCLES, frozen, conflicts, applied);
    assertThat(violations).isEmpty();
    List<String> expected = new ArrayList<>();
    for (int k = 1; k <= CYCLES; k++) {
      expected.add(k + ".1");
      expected.add(k + ".restored");
    }
    expected.add((CYCLES + 1) + ".1");
    assertThat(applied).as("each attempt's step, then its restore, then the next attempt's step")
        .containsSubsequence(expected);
    assertThat(claims(configMap())).hasEntrySatisfying("a", c -> assertThat(c.applied()).isEqualTo((CYCLES + 1) + ".1"));
    assertThat(flag(configMap())).isEqualTo(Map.of(PCT, "1", ON, "true"));
    assertThat(conflicts).as("the two processes raced: the API server refused the loser's write").isPositive();
    assertThat(one.alive() && two.alive()).as("both processes served to the end").isTrue();
  }

  /** Sends {@code signal} (STOP, CONT) to the operator process. */
  private static void signal(OperatorProcess process, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      assertThat(kill.waitFor()).as("kill -" + signal).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aReconcileOfACopyFromBeforeTheRetryWritesNothingWhetherItReadsTheConfigMapFreshOrAsItWasThen() {
    createConfigMap(Map.of(ON, "false"));
    Recorder cm = record();
    List<ScalingChange> versions = new CopyOnWriteArrayList<>();
    resources.add(client.resources(ScalingChange.class).inNamespace(ns).withName("a").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ScalingChange sc) {
        versions.add(sc);
      }

      @Override
      public void onClose(WatcherException cause) {}
    }));
    OperatorProcess operator = operator("op");
    create(change(ns, "a", step(1, "1h"), step(100, null)));
    awaitAt("a", 1, 1);
    annotate("a", Map.of(Annotations.ABORT, "first"));
    await("attempt 1 rolled back").atMost(WAIT).until(() -> settled("a", Phase.RolledBack));
    await().atMost(WAIT).until(() -> versions.stream().anyMatch(v -> v.getStatus() != null
        && v.getStatus().getIntent() == null && v.getStatus().getPhase() == Phase.RolledBack));
    // The copy a lagging cache could still hand a reconcile: attempt 1 with its restore recorded, not made.
    ScalingChange restoring = versions.stream().filter(v -> v.getStatus() != null && v.getStatus().getIntent() != null
        && v.getStatus().getIntent().getAction() == FlagIntent.Action.Restore).findFirst().orElseThrow();
    // The ConfigMap as it was then: attempt 1's claim at its step, before the restore.
    ConfigMap then = cm.states().stream().filter(s -> "1.1".equals(s.applied("a"))).reduce((x, y) -> y)
        .orElseThrow().object();
    annotate("a", Map.of(Annotations.RETRY, "second"));
    awaitAt("a", 2, 1);
    operator.close();  // from here on only this test acts

    ConfigMap before = configMap();
    ScalingChange current = get("a");
    assertThat(attemptOf(restoring.getStatus())).isEqualTo(1);
    assertThat(claims(before)).hasEntrySatisfying("a", c -> assertThat(c.applied()).isEqualTo("2.1"));
    KubernetesClient own = Clients.client(Config.fromKubeconfig(read(cluster.kubeconfig())));
    resources.add(own::close);
    Reconciliation.StatusStore statusStore = RealApiStores.statusStore(own);
    int seen = cm.size();

    // (a) The ConfigMap read fresh: it carries attempt 2's claim, so the copy is known to be stale.
    Reconciliation fresh = reconciliation(own, new ConfigMapFlagStore(own));
    Plan plan = fresh.reconcile(restoring, statusStore);
    assertThat(plan.write()).as("no ConfigMap write planned from the stale copy").isEmpty();
    assertThat(plan.status()).as("and no status decided").isEqualTo(restoring.getStatus());

    // (b) The ConfigMap as a lagging cache still has it: the restore looks due, and the API server refuses
    // the proof that the copy is current (409) before any ConfigMap request is sent.
    AtomicInteger configMapWrites = new AtomicInteger();
    FlagStore real = new ConfigMapFlagStore(own);
    FlagStore lagging = new FlagStore() {
      @Override
      public Optional<Snapshot> read(String namespace, String configMap, io.flagramp.core.FlagFormat format) {
        return Optional.of(RealApiStores.snapshot(then, format.keys()));
      }

      @Override
      public void write(String namespace, String configMap, FlagWrite write, Snapshot read) {
        configMapWrites.incrementAndGet();
        real.write(namespace, configMap, write, read);
      }
    };
    List<String> statusCalls = new CopyOnWriteArrayList<>();
    Reconciliation.StatusStore recorded = new Reconciliation.StatusStore() {
      @Override
      public void write(ScalingChange observed, ScalingChangeStatus next) {
        statusCalls.add("write");
        statusStore.write(observed, next);
      }

      @Override
      public void verify(ScalingChange observed) {
        statusCalls.add("verify");
        statusStore.verify(observed);
      }
    };
    Throwable refused = catchThrowable(() -> reconciliation(own, lagging).reconcile(restoring, recorded));
    assertThat(statusCalls).as("the restore needs no status write, so the copy is only proved current")
        .containsExactly("verify");
    assertThat(refused).as("and the proof is refused: 409").isInstanceOf(StatusWriteFailed.class)
        .satisfies(t -> assertThat(((StatusWriteFailed) t).conflict()).isTrue());
    assertThat(configMapWrites).as("no ConfigMap request was sent").hasValue(0);

    await("the watch has caught up").during(Duration.ofSeconds(2)).atMost(WAIT)
        .until(() -> configMap().getMetadata().getResourceVersion().equals(before.getMetadata().getResourceVersion()));
    assertThat(cm.since(seen)).as("nothing written to the ConfigMap").isEmpty();
    assertThat(flag(configMap())).isEqualTo(Map.of(PCT, "1", ON, "true"));
    assertThat(claims(configMap())).hasEntrySatisfying("a", c -> assertThat(c.applied()).isEqualTo("2.1"));
    assertThat(get("a").getMetadata().getResourceVersion()).as("nor to the ScalingChange")
        .isEqualTo(current.getMetadata().getResourceVersion());
  }

  // ---- 6. a restore hands each key back to the manager that held it ----

  @Test
  void aRestoreHandsTheKeysBackToAnUpdateOwnerUnderItsOwnNameAsAnUpdate() {
    createConfigMap(Map.of());
    // kubectl's merge patch under a named field manager: an Update entry owns both keys.
    KubeTestCluster.KubectlResult patched = cluster.kubectl("patch", "configmap", CM, "-n", ns, "--type=merge",
        "--field-manager=oncall-edit", "-p", "{\"data\":{\"" + PCT + "\":\"0\",\"" + ON + "\":\"false\"}}");
    assertThat(patched.exitCode()).as(patched.output()).isZero();
    assertThat(owners(configMap(), PCT)).containsExactly("oncall-edit/Update");
    assertThat(owners(configMap(), ON)).containsExactly("oncall-edit/Update");

    ConfigMap restored = rampAndAbort("oncall-edit");

    log.info("Update owner after the restore: {}", managedFields(restored));
    assertThat(owners(restored, PCT)).containsExactly("oncall-edit/Update");
    assertThat(owners(restored, ON)).containsExactly("oncall-edit/Update");
    assertThat(managers(restored)).doesNotContain(FlagWrite.RESTORE_MANAGER);
  }

  @Test
  void aRestoreHandsTheKeysBackToAnApplyOwnerAsAnUpdateEntryUnderItsNameAndItsNextApplyMeetsNoConflict()
      throws IOException {
    Path applied = logs.resolve("gitops-app-features.yaml");
    Files.writeString(applied, """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: %s
          namespace: %s
          labels:
            %s: "%s"
        data:
          %s: "0"
          %s: "false"
          %s: untouched
        """.formatted(CM, ns, OptIn.FLAGS, OptIn.VALUE, PCT, ON, OTHER));
    KubeTestCluster.KubectlResult first = cluster.kubectl("apply", "--server-side", "--field-manager=gitops",
        "-f", applied.toString());
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(owners(configMap(), PCT)).containsExactly("gitops/Apply");
    assertThat(owners(configMap(), ON)).containsExactly("gitops/Apply");

    ConfigMap restored = rampAndAbort("gitops");

    log.info("Apply owner after the restore: {}", managedFields(restored));
    // Handed back under the manager's name, but as a merge patch: an Update entry, not its Apply entry.
    assertThat(owners(restored, PCT)).containsExactly("gitops/Update");
    assertThat(owners(restored, ON)).containsExactly("gitops/Update");
    assertThat(dataKeysOf(restored, "gitops", "Apply")).as("the Apply entry keeps only what flagramp never wrote")
        .containsExactly(OTHER);
    assertThat(managers(restored)).doesNotContain(FlagWrite.RESTORE_MANAGER);

    // The manager applies its config again, as a GitOps tool does on its next sync: same values, no force.
    KubeTestCluster.KubectlResult again = cluster.kubectl("apply", "--server-side", "--field-manager=gitops",
        "-f", applied.toString());
    ConfigMap reapplied = configMap();
    log.info("Apply owner applying again (exit {}: {}): {}", again.exitCode(), again.output().strip(),
        managedFields(reapplied));
    assertThat(again.exitCode()).as("no conflict: " + again.output()).isZero();
    assertThat(again.output()).doesNotContain("conflict");
    assertThat(owners(reapplied, PCT)).as("its Apply entry owns the key again, beside the Update entry")
        .containsExactlyInAnyOrder("gitops/Apply", "gitops/Update");
    assertThat(owners(reapplied, ON)).containsExactlyInAnyOrder("gitops/Apply", "gitops/Update");
    assertThat(flag(reapplied)).isEqualTo(Map.of(PCT, "0", ON, "false"));
  }

  @Test
  void aRestoreHandsAKeyAnEarlierChangeLeftBackToFlagrampNotToFlagrampRestore() {
    createConfigMap(Map.of(ON, "false"));
    operator("op");
    create(change(ns, "first", step(10, null)));
    await("first succeeded").atMost(WAIT).until(() -> settled("first", Phase.Succeeded));
    assertThat(owners(configMap(), PCT)).containsExactly("flagramp/Update");
    assertThat(owners(configMap(), ON)).containsExactly("flagramp/Update");
    client.resources(ScalingChange.class).inNamespace(ns).withName("first").delete();
    await("first gone").atMost(WAIT).until(() -> get("first") == null);
    assertThat(flag(configMap())).as("its values left").isEqualTo(Map.of(PCT, "10", ON, "true"));
    Map<String, FlagClaim> leftByFirst = claims(configMap());

    create(change(ns, "second", step(20, "1h"), step(100, null)));
    awaitAt("second", 1, 20);
    assertThat(claims(configMap())).as("the next change to take the keys removes it").containsOnlyKeys("second");
    assertThat(status("second").getOriginalValues()).isEqualTo(Map.of(PCT, "10", ON, "true"));
    Map<String, String> recordedOwners = status("second").getOriginalManagers();
    annotate("second", Map.of(Annotations.ABORT, "back"));
    await("second aborted").atMost(WAIT).until(() -> settled("second", Phase.RolledBack));

    ConfigMap restored = configMap();
    log.info("flagramp owner after the restore: {}", managedFields(restored));
    assertThat(flag(restored)).isEqualTo(Map.of(PCT, "10", ON, "true"));
    assertThat(owners(restored, PCT)).containsExactly("flagramp/Update");
    assertThat(owners(restored, ON)).containsExactly("flagramp/Update");
    assertThat(managers(restored)).doesNotContain(FlagWrite.RESTORE_MANAGER);
    assertThat(recordedOwners).as("recorded at the first write").isEqualTo(Map.of(PCT, "flagramp", ON, "flagramp"));
    assertThat(leftByFirst).as("first left its claim, as the record that it wrote the keys").containsOnlyKeys("first")
        .hasEntrySatisfying("first", c -> assertThat(c.applied()).isEqualTo("1.10"));
  }

  /**
   * Ramps change "a" to 20 (flagramp takes both keys over, recording {@code owner} as their manager),
   * aborts it, and returns the ConfigMap once the restore is made.
   */
  private ConfigMap rampAndAbort(String owner) {
    operator("op");
    create(change(ns, "a", step(20, "1h"), step(100, null)));
    awaitAt("a", 1, 20);
    assertThat(status("a").getOriginalManagers()).isEqualTo(Map.of(PCT, owner, ON, owner));
    assertThat(owners(configMap(), PCT)).containsExactly("flagramp/Update");
    assertThat(owners(configMap(), ON)).containsExactly("flagramp/Update");
    log.info("at weight 20: {}", managedFields(configMap()));
    annotate("a", Map.of(Annotations.ABORT, "hand back"));
    await("a aborted").atMost(WAIT).until(() -> settled("a", Phase.RolledBack));
    ConfigMap restored = configMap();
    assertThat(flag(restored)).isEqualTo(Map.of(PCT, "0", ON, "false"));
    assertThat(restored.getData()).containsEntry(OTHER, "untouched");
    return restored;
  }

  // ---- the invariants on a recorded history ----

  /**
   * On the states a watch saw: the claim of change "a" only moves forward in the order a change makes
   * its writes (an attempt's step, its restore, then the next attempt), and nothing of an attempt is
   * written once a later one has been. The keys hold what the claim says: the step's values, or, once
   * that attempt's abort was set ({@code abortedAt}: the resourceVersion of the annotation patch; etcd's
   * revisions order all objects), each key either its step value or its original while the restore's
   * patches land, and the originals once the claim says restored.
   */
  private static List<String> attemptViolations(List<State> states, Map<String, String> originals,
      Map<Integer, Long> abortedAt) {
    List<String> violations = new ArrayList<>();
    String last = null;
    int latestAttempt = 0;
    for (State s : states) {
      String applied = s.applied("a");
      if (applied == null) {
        continue;
      }
      String at = "rv " + s.resourceVersion() + " " + s.flag() + " claim " + applied + ": ";
      int attempt = FlagClaim.attemptOf(applied);
      if (last != null && FlagClaim.order(applied) < FlagClaim.order(last)) {
        violations.add(at + "the claim went back from " + last);
      }
      if (attempt < latestAttempt) {
        violations.add(at + "attempt " + attempt + " wrote after attempt " + latestAttempt + " had");
      }
      String rest = applied.substring(applied.indexOf('.') + 1);
      if (rest.equals(FlagClaim.RESTORED) && !s.flag().equals(originals)) {
        violations.add(at + "restored, but not the originals");
      }
      if (rest.chars().allMatch(Character::isDigit)) {
        Map<String, String> step = Map.of(PCT, rest, ON, "true");
        boolean restoring = KEYS.stream().anyMatch(k -> !Objects.equals(step.get(k), s.flag().get(k)));
        boolean eachStepOrOriginal = KEYS.stream().allMatch(k -> Objects.equals(step.get(k), s.flag().get(k))
            || Objects.equals(originals.get(k), s.flag().get(k)));
        if (!eachStepOrOriginal) {
          violations.add(at + "neither the step's values nor the originals");
        } else if (restoring && (!abortedAt.containsKey(attempt)
            || Long.parseLong(s.resourceVersion()) < abortedAt.get(attempt))) {
          violations.add(at + "restoring before attempt " + attempt + " was aborted");
        }
      }
      latestAttempt = Math.max(latestAttempt, attempt);
      last = applied;
    }
    return violations;
  }

  // ---- the operator, the objects ----

  private OperatorProcess operator(String instance) {
    Path dir;
    try {
      dir = Files.createDirectories(logs.resolve(instance));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    OperatorProcess process = new OperatorProcess(cluster.kubeconfig(), Map.of("FLAGRAMP_NAMESPACES", ns,
        "FLAGRAMP_RESYNC_INTERVAL", "2s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", instance,
        "FLAGRAMP_HTTP_PORT", "0"), dir);
    resources.add(process);
    process.start();
    await(instance + " started").atMost(WAIT).until(() -> process.logLines().stream()
        .anyMatch(l -> l.contains("flagramp watching ScalingChanges")));
    return process;
  }

  private Reconciliation reconciliation(KubernetesClient own, FlagStore flags) {
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "test-jvm"));
    return new Reconciliation(new Planner(settings.planner()), flags,
        new Measurer(own, OperatorHarness.NO_METRICS, Optional.empty()),
        new EventRecorder(own, Clock.systemUTC(), "test-jvm"),
        (namespace, name) -> Optional.ofNullable(own.resources(ScalingChange.class).inNamespace(namespace)
            .withName(name).get()),
        Clock.systemUTC());
  }

  private void create(ScalingChange sc) {
    client.resources(ScalingChange.class).resource(sc).create();
  }

  private ScalingChange get(String name) {
    return client.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
  }

  private ScalingChangeStatus status(String name) {
    ScalingChange sc = get(name);
    return sc == null || sc.getStatus() == null ? new ScalingChangeStatus() : sc.getStatus();
  }

  private ScalingChange annotate(String name, Map<String, String> annotations) {
    String body = annotations.entrySet().stream().map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
        .collect(Collectors.joining(",", "{\"metadata\":{\"annotations\":{", "}}}"));
    return client.resources(ScalingChange.class).inNamespace(ns).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), body);
  }

  /**
   * Running at {@code weight} of {@code attempt}, its write made: the ConfigMap carries the claim with
   * that write's id (status.intent stays until the next status write clears it).
   */
  private void awaitAt(String name, int attempt, int weight) {
    await(name + " at weight " + weight + " of attempt " + attempt).atMost(WAIT).until(() -> {
      ScalingChangeStatus s = status(name);
      ConfigMap cm = configMap();
      FlagClaim claim = cm == null ? null : claims(cm).get(name);
      return s.getPhase() == Phase.Progressing && Objects.equals(s.getCurrentWeight(), weight)
          && attemptOf(s) == attempt && claim != null && claim.applied().equals(attempt + "." + weight);
    });
  }

  /** The attempt a status is at: 1 until a retry records another. */
  private static int attemptOf(ScalingChangeStatus s) {
    return s.getAttempt() == null ? 1 : s.getAttempt();
  }

  /** Held, for whatever reason it gives (asserted by the test once the sequence has run). */
  private Reason awaitHeld(String name) {
    await(name + " held").atMost(WAIT).until(() -> status(name).getPhase() == Phase.Held);
    return status(name).getReason();
  }

  /**
   * The change's object unchanged for two resync intervals: it has reacted to what it saw (whatever it
   * decided; the test asserts that afterwards).
   */
  private void awaitQuiet(String name) {
    AtomicReference<String> last = new AtomicReference<>();
    await(name + " quiet").during(Duration.ofSeconds(4)).atMost(WAIT).until(() -> {
      String version = get(name).getMetadata().getResourceVersion();
      return version.equals(last.getAndSet(version));
    });
  }

  /** In {@code phase}, with no write left to finish. */
  private boolean settled(String name, Phase phase) {
    ScalingChangeStatus s = status(name);
    return s.getPhase() == phase && s.getIntent() == null;
  }

  private void createConfigMap(Map<String, String> flag) {
    Map<String, String> data = new LinkedHashMap<>(flag);
    data.put(OTHER, "untouched");
    client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(CM)
        .withNamespace(ns).addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().withData(data).build()).create();
  }

  /** Deletes the ConfigMap and creates it again with these flag values (and no claim). */
  private void recreateConfigMap(Map<String, String> flag) {
    String uid = configMap().getMetadata().getUid();
    client.configMaps().inNamespace(ns).withName(CM).delete();
    await("ConfigMap deleted").atMost(WAIT).until(() -> configMap() == null);
    createConfigMap(flag);
    assertThat(configMap().getMetadata().getUid()).isNotEqualTo(uid);
  }

  private ConfigMap configMap() {
    return client.configMaps().inNamespace(ns).withName(CM).get();
  }

  private List<io.fabric8.kubernetes.api.model.events.v1.Event> events(String name) {
    return client.events().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> e.getRegarding() != null && name.equals(e.getRegarding().getName())).toList();
  }

  private static Map<String, String> flag(ConfigMap cm) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
    KEYS.stream().filter(data::containsKey).forEach(k -> values.put(k, data.get(k)));
    return values;
  }

  /** The claims on the ConfigMap, by the name of the change. */
  private static Map<String, FlagClaim> claims(ConfigMap cm) {
    Map<String, FlagClaim> claims = new LinkedHashMap<>();
    ClaimAnnotations.read(cm.getMetadata().getAnnotations()).forEach(c -> claims.put(c.name(), c));
    return claims;
  }

  /** "manager/Operation" of each managedFields entry that owns {@code data.<key>}. */
  private static List<String> owners(ConfigMap cm, String key) {
    return cm.getMetadata().getManagedFields().stream().filter(e -> dataKeys(e).contains(key))
        .map(e -> e.getManager() + "/" + e.getOperation()).toList();
  }

  private static List<String> managers(ConfigMap cm) {
    return cm.getMetadata().getManagedFields().stream().map(ManagedFieldsEntry::getManager).toList();
  }

  private static List<String> dataKeysOf(ConfigMap cm, String manager, String operation) {
    return cm.getMetadata().getManagedFields().stream()
        .filter(e -> manager.equals(e.getManager()) && operation.equals(e.getOperation()))
        .flatMap(e -> dataKeys(e).stream()).toList();
  }

  private static List<String> dataKeys(ManagedFieldsEntry entry) {
    if (entry.getFieldsV1() == null || !(entry.getFieldsV1().getAdditionalProperties().get("f:data")
        instanceof Map<?, ?> data)) {
      return List.of();
    }
    return data.keySet().stream().map(String::valueOf).filter(k -> k.startsWith("f:")).map(k -> k.substring(2))
        .sorted().toList();
  }

  /** Each managedFields entry as "manager/Operation: data keys it owns (+ metadata fields)". */
  private static String managedFields(ConfigMap cm) {
    return cm.getMetadata().getManagedFields().stream().map(e -> {
      Object metadata = e.getFieldsV1() == null ? null : e.getFieldsV1().getAdditionalProperties().get("f:metadata");
      String meta = metadata instanceof Map<?, ?> m ? " + metadata " + m.keySet() : "";
      return e.getManager() + "/" + e.getOperation() + ": data " + dataKeys(e) + meta;
    }).collect(Collectors.joining("; ", "[", "]"));
  }

  private static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- recording ----

  /** One state of the ConfigMap as a watch saw it. */
  private record State(String action, String uid, String resourceVersion, Map<String, String> flag,
      Map<String, FlagClaim> claims, ConfigMap object) {

    String applied(String change) {
      FlagClaim c = claims.get(change);
      return c == null ? null : c.applied();
    }
  }

  private Recorder record() {
    Recorder recorder = new Recorder();
    recorder.watch = client.configMaps().inNamespace(ns).withName(CM).watch(recorder);
    resources.add(recorder);
    return recorder;
  }

  /** Every state of the ConfigMap, in the order the API server made them. */
  private static final class Recorder implements Watcher<ConfigMap>, AutoCloseable {
    private final List<State> states = new CopyOnWriteArrayList<>();
    private Watch watch;

    @Override
    public void eventReceived(Action action, ConfigMap cm) {
      states.add(new State(action.name(), cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion(),
          action == Action.DELETED ? Map.of() : flag(cm), action == Action.DELETED ? Map.of() : claims(cm), cm));
    }

    @Override
    public void onClose(WatcherException cause) {}

    int size() {
      return states.size();
    }

    List<State> states() {
      return List.copyOf(states);
    }

    /** The states seen after the first {@code seen}. */
    List<String> since(int seen) {
      List<State> all = states();
      return all.subList(Math.min(seen, all.size()), all.size()).stream()
          .map(s -> s.action() + " rv " + s.resourceVersion() + " " + s.flag() + " claims " + s.claims().values())
          .toList();
    }

    /** Each state in which more than one unrestored claim covers one flag key. */
    List<String> liveClaimsPerKeyAtMost1() {
      List<String> twice = new ArrayList<>();
      for (State s : states()) {
        for (String key : KEYS) {
          List<String> holders = s.claims().values().stream().filter(c -> c.keys().contains(key) && !c.restored())
              .map(FlagClaim::name).toList();
          if (holders.size() > 1) {
            twice.add("rv " + s.resourceVersion() + ": " + key + " claimed by " + holders);
          }
        }
      }
      return twice;
    }

    @Override
    public void close() {
      if (watch != null) {
        watch.close();
      }
    }
  }

  /** Another client editing the ConfigMap (an annotation of its own) as fast as it can, until closed. */
  private final class Toucher implements AutoCloseable {
    final AtomicInteger touches = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Toucher() {
      ConfigMap named = new ConfigMapBuilder().withNewMetadata().withName(CM).withNamespace(ns).endMetadata().build();
      Instant until = Instant.now().plus(WAIT);
      thread = new Thread(() -> {
        while (running.get() && Instant.now().isBefore(until)) {
          try {
            client.configMaps().inNamespace(ns).resource(named).patch(new PatchContext.Builder()
                .withPatchType(PatchType.JSON_MERGE).withFieldManager("toucher").build(),
                "{\"metadata\":{\"annotations\":{\"example.com/touched\":\"" + touches.incrementAndGet() + "\"}}}");
          } catch (KubernetesClientException e) {
            // gone or refused: touch again
          }
        }
      }, "configmap-toucher");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join(WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
