package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MinSamples;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.FlagWrite;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The safety guarantees, one regression test per way they were found broken: a lost or conflicting
 * write, a spec edit mid-rollout, a careless spec. Each drives the operator against the real
 * kube-apiserver (and, where metrics matter, a real Prometheus scraping a test app) and injects its
 * fault for real: a concurrent edit of the object's metadata makes the API server refuse a status
 * write with 409; a concurrent edit of the ConfigMap does the same for the ConfigMap write.
 *
 * <p>These tests use nothing but the harness and the API, so they also run against the operator as it
 * was before these guarantees existed; there, each of them fails.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class SafetyIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  /** A production-like resync: a soak is looked at when it is due, not every few seconds. */
  private static final OperatorSettings SETTINGS = OperatorSettings.from(Map.of(
      "FLAGRAMP_RESYNC_INTERVAL", "60s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
      "FLAGRAMP_PROMETHEUS_ALLOWLIST", OperatorHarness.TEST_PROMETHEUS));
  private static OperatorHarness harness;
  private static TestPrometheus prometheus;
  /** Per namespace: what to do right after the operator's ConfigMap write there succeeded. */
  private static final Map<String, Consumer<FlagWrite>> afterWrite = new ConcurrentHashMap<>();
  /** Per namespace: what to do when the operator first asks Prometheus for a baseline there. */
  private static final Map<String, Runnable> onBaselineQuery = new ConcurrentHashMap<>();

  @BeforeAll
  static void startOperator(KubeTestCluster cluster, TestPrometheus shared) {
    prometheus = shared;
    MetricsSource real = new SharedQueries(new PrometheusClient());
    MetricsSource metrics = query -> {
      if (query.promql().startsWith("avg_over_time")) {
        onBaselineQuery.entrySet().removeIf(hook -> {
          if (query.promql().contains("app=\"" + hook.getKey() + "\"")) {
            hook.getValue().run();
            return true;
          }
          return false;
        });
      }
      return real.query(query);
    };
    harness = OperatorHarness.start(cluster, SETTINGS, metrics, store -> new FlagStore() {
      @Override
      public Optional<Snapshot> read(String namespace, String configMap, io.flagramp.core.FlagFormat keys) {
        return store.read(namespace, configMap, keys);
      }

      @Override
      public void write(String namespace, String configMap, FlagWrite write, Snapshot read) {
        store.write(namespace, configMap, write, read);
        Optional.ofNullable(afterWrite.get(namespace)).ifPresent(hook -> hook.accept(write));
      }
    });
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  // ---- 1. an automatic revert is undone ----

  @Test
  void anAutomaticRevertStaysRevertedWhenTheStatusWriteAfterItConflicts() {
    String ns = harness.cluster.createNamespace("revert-409");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS_PERCENTAGE", "0", "USE_REDIS", "false"));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TestApp app = new TestApp(prometheus.registry(), ns);
        Watch watch = watchKey(ns, "USE_REDIS_PERCENTAGE", seen, pct -> app.errorRate(pct >= 50 ? 0.5 : 0))) {
      awaitScraped(app);
      // Another client edits the object's labels right after the restore: the status write that
      // follows it, if any, meets a real 409.
      afterWrite.put(ns, write -> {
        if (write instanceof FlagWrite.Restore) {
          touchLabels(ns, "use-redis");
        }
      });
      ScalingChange sc = change(ns, "use-redis", step(10, "2s"), step(50, "4s"), step(100, "2s"));
      sc.getSpec().setAnalysis(errorsAnalysis(app, "1s"));
      harness.changes().resource(sc).create();

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);
      await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15)).until(() ->
          harness.phase(ns, "use-redis") == Phase.RolledBack && "0".equals(pct(ns)));
    }
    assertThat(seen).as("ramped to 50, reverted, and never ramped again").containsExactly("0", "10", "50", "0");
    assertThat(harness.configMapData(ns, "app-features"))
        .containsExactlyInAnyOrderEntriesOf(Map.of("USE_REDIS_PERCENTAGE", "0", "USE_REDIS", "false"));
  }

  // ---- 2. an abort (or a delete) restores nothing ----

  @Test
  void anAbortRightAfterTheFirstWriteWhoseStatusWriteConflictsRestoresTheOriginals() {
    String ns = harness.cluster.createNamespace("abort-409");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    afterWrite.put(ns, write -> {
      if (write instanceof FlagWrite.SetValues && afterWrite.remove(ns) != null) {
        // On-call aborts at this very moment: the annotation also makes any status write after the
        // ConfigMap write meet a 409.
        harness.changes().inNamespace(ns).withName("use-redis").edit(sc -> {
          sc.getMetadata().getAnnotations().put(Annotations.ABORT, "wrong flag");
          return sc;
        });
      }
    });
    harness.changes().resource(change(ns, "use-redis", step(1, "1h"), step(100, null))).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);
    await().atMost(WAIT).until(() -> harness.configMapData(ns, "app-features").equals(Map.of("USE_REDIS", "false")));
  }

  @Test
  void aDeleteRightAfterTheFirstWriteWhoseStatusWriteConflictsRestoresTheOriginals() {
    String ns = harness.cluster.createNamespace("delete-409");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    afterWrite.put(ns, write -> {
      if (write instanceof FlagWrite.SetValues && afterWrite.remove(ns) != null) {
        harness.changes().inNamespace(ns).withName("use-redis").delete();
      }
    });
    harness.changes().resource(change(ns, "use-redis", step(1, "1h"), step(100, null))).create();

    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis") == null);
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  // ---- 3. editing a finished change drops the flag to the first step ----

  @Test
  void aSpecEditAfterSucceededIsObservedAndLeavesTheFlagAtItsFinalWeight() {
    String ns = harness.cluster.createNamespace("respec");
    harness.createConfigMap(ns, "app-features", Map.of());
    harness.changes().resource(change(ns, "use-redis", step(50, "1s"), step(60, null))).create();
    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);

    KubeTestCluster.KubectlResult patched = harness.cluster.kubectl("patch", "-n", ns, "schg/use-redis",
        "--type=merge", "-p", "{\"spec\":{\"steps\":[{\"weight\":50,\"pause\":\"2s\"},{\"weight\":60}]}}");
    assertThat(patched.exitCode()).as(patched.output()).isZero();

    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis").getStatus().getObservedGeneration() == 2L);
    await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10))
        .until(() -> "60".equals(pct(ns)) && harness.phase(ns, "use-redis") == Phase.Succeeded);
    assertThat(harness.get(ns, "use-redis").getStatus().getAttempt()).isEqualTo(1);
  }

  // ---- 4. editing the schedule skips steps ----

  @Test
  void removingAStepAlreadyPassedDoesNotSkipTheNextOne() {
    String ns = harness.cluster.createNamespace("remove-step");
    atWeight25(ns);

    patchSteps(ns, "[{\"weight\":1,\"pause\":\"1s\"},{\"weight\":25,\"pause\":\"1h\"},{\"weight\":50,\"pause\":\"1h\"},"
        + "{\"weight\":100}]");

    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis").getStatus().getObservedGeneration() == 2L);
    await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> "25".equals(pct(ns)));
    assertThat(harness.get(ns, "use-redis").getStatus().getCurrentWeight()).isEqualTo(25);
  }

  @Test
  void insertingAStepBelowTheCurrentWeightDoesNotLowerIt() {
    String ns = harness.cluster.createNamespace("insert-step");
    atWeight25(ns);

    patchSteps(ns, "[{\"weight\":1,\"pause\":\"1s\"},{\"weight\":5,\"pause\":\"1s\"},{\"weight\":10,\"pause\":\"1h\"},"
        + "{\"weight\":25,\"pause\":\"1h\"},{\"weight\":50,\"pause\":\"1h\"},{\"weight\":100}]");

    await().atMost(WAIT).until(() -> harness.get(ns, "use-redis").getStatus().getObservedGeneration() == 2L);
    await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> "25".equals(pct(ns)));
    assertThat(harness.get(ns, "use-redis").getStatus().getCurrentWeight()).isEqualTo(25);
  }

  // ---- 5. the bake can vanish ----

  @Test
  void aLastStepThatPassesItsAnalysisLateStillBakesInFull() {
    String ns = harness.cluster.createNamespace("late-bake");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    Instant trafficBack;
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      app.traffic(0);  // nobody uses the app: minSamples is not met
      await().atMost(WAIT).until(() -> !prometheus.server().instantQuery("(" + app.samplesQuery() + ") < 100",
          Instant.now()).isEmpty());
      ScalingChange sc = change(ns, "use-redis", step(100, "2s"));
      Analysis analysis = errorsAnalysis(app, "1s");
      analysis.getMetrics().get(0).setQuery(app.errorsPerSecondQuery());
      analysis.setMinSamples(new MinSamples(app.samplesQuery(), 100));
      sc.getSpec().setAnalysis(analysis);
      sc.getSpec().setBake("6s");
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "100".equals(pct(ns)));
      // Quiet for longer than the pause and the bake together: the step waits for its analysis.
      await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
          .until(() -> harness.phase(ns, "use-redis") == Phase.Progressing);

      trafficBack = Instant.now();
      app.traffic(10);
      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    }
    Instant succeeded = Instant.parse(harness.get(ns, "use-redis").getStatus().getConditions().get(0)
        .getLastTransitionTime());
    assertThat(succeeded).as("baked its 6s after the analysis passed").isAfterOrEqualTo(trafficBack.plusSeconds(5));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).extracting(Event::getReason).contains("Baking"));
  }

  // ---- 6. a new attempt keeps the old baseline ----

  @Test
  void aRetryMeasuresItsOwnBaseline() {
    String ns = harness.cluster.createNamespace("rebaseline");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, null));
      sc.getSpec().setAnalysis(latencyAnalysis(app));
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "10".equals(pct(ns)));
      annotate(ns, Annotations.ABORT, "not now");
      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);

      // A week later the app is slower for reasons of its own, with the flag off.
      app.latency(0.2);
      // Settled: the whole baseline window sees the new latency (p99 of 0.2s reads ~0.2485 from the buckets).
      await().atMost(WAIT).until(() -> !prometheus.server().instantQuery("min_over_time((" + app.p99Query()
          + ")[8s:1s]) > 0.24", Instant.now()).isEmpty());
      patchSteps(ns, "[{\"weight\":10,\"pause\":\"4s\"},{\"weight\":100}]");
      annotate(ns, Annotations.RETRY, "after the fix");

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    }
    ScalingChange done = harness.get(ns, "use-redis");
    assertThat(done.getStatus().getAttempt()).isEqualTo(2);
    assertThat(Double.parseDouble(done.getStatus().getBaseline().get("p99-latency"))).isGreaterThan(0.1);
  }

  @Test
  void aMetricWithMaxIncreaseAddedMidRolloutGetsItsBaseline() {
    String ns = harness.cluster.createNamespace("added-metric");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      ScalingChange sc = change(ns, "use-redis", step(10, "3s"), step(100, "3s"));
      Analysis analysis = errorsAnalysis(app, "1s");
      analysis.setBaseline(new Baseline("6s"));
      sc.getSpec().setAnalysis(analysis);
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "10".equals(pct(ns)));

      harness.changes().inNamespace(ns).withName("use-redis").edit(s -> {
        s.getSpec().getAnalysis().getMetrics().add(latency(app));
        return s;
      });

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
    }
    assertThat(harness.get(ns, "use-redis").getStatus().getBaseline()).containsKey("p99-latency");
  }

  // ---- 7. interval: 1ms is a hot loop ----

  @Test
  void anIntervalBelowTheFloorAndATimeoutLongerThanTheIntervalAreRejectedByTheApiServer() {
    String ns = harness.cluster.createNamespace("bounds");
    ScalingChange hot = change(ns, "hot", step(10, "1h"));
    Analysis analysis = new Analysis();
    analysis.setInterval("1ms");
    MetricCheck m = new MetricCheck("error-rate", "vector(0)");
    m.setMax(1.0);
    analysis.setMetrics(new ArrayList<>(List.of(m)));
    hot.getSpec().setAnalysis(analysis);

    assertThatThrownBy(() -> harness.changes().resource(hot).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec.analysis.interval");
        });

    analysis.setInterval("5s");
    PrometheusSource source = new PrometheusSource();
    source.setTimeout("10s");
    analysis.setPrometheus(source);
    assertThatThrownBy(() -> harness.changes().resource(hot).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec.analysis.prometheus.timeout");
        });
  }

  // ---- 8. original values can be stale ----

  @Test
  void aKeyChangedWhileTheBaselineIsMeasuredIsTheOriginalThatARevertRestores() {
    String ns = harness.cluster.createNamespace("stale-originals");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      awaitScraped(app);
      // Someone switches the flag by hand while the operator measures the baseline.
      onBaselineQuery.put(ns, () -> harness.cluster.kubectl("patch", "-n", ns, "configmap/app-features",
          "--type=merge", "-p", "{\"data\":{\"USE_REDIS\":\"maybe\"}}"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, null));
      sc.getSpec().setAnalysis(latencyAnalysis(app));
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "10".equals(pct(ns)));

      annotate(ns, Annotations.ABORT, "back");

      await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
    }
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "maybe"));
  }

  // ---- 9. a step is not measured while it soaks ----

  @Test
  void aStepIsMeasuredOneIntervalAfterItWasEnteredNotAtTheEndOfItsPause() {
    String ns = harness.cluster.createNamespace("on-time");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    Instant entered;
    Instant reverted;
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      app.errorRate(0.5);  // broken from the start
      awaitScraped(app);
      ScalingChange sc = change(ns, "use-redis", step(10, "30s"), step(100, null));
      sc.getSpec().setAnalysis(errorsAnalysis(app, "2s"));
      harness.changes().resource(sc).create();
      await().atMost(WAIT).until(() -> "10".equals(pct(ns)));
      entered = Instant.now();
      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack);
      reverted = Instant.now();
    }
    assertThat(Duration.between(entered, reverted)).as("measured at 2s, not after the 30s pause")
        .isLessThan(Duration.ofSeconds(10));
  }

  // ---- 10. two changes write one ConfigMap at once ----

  @Test
  void twoChangesOnDifferentKeysOfOneConfigMapNeverRemoveEachOthersKeys() {
    String ns = harness.cluster.createNamespace("two-keys");
    harness.createConfigMap(ns, "app-features", Map.of("OTHER", "x"));
    ScalingChange redis = change(ns, "use-redis", step(10, "2s"), step(100, "1s"));
    redis.getSpec().setFlag(new FlagTarget("app-features", "USE_REDIS_PERCENTAGE", null));
    ScalingChange cache = change(ns, "use-cache", step(20, "3s"), step(100, "1s"));
    cache.getSpec().setFlag(new FlagTarget("app-features", "USE_CACHE_PERCENTAGE", null));
    harness.changes().resource(redis).create();
    harness.changes().resource(cache).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded
        && harness.phase(ns, "use-cache") == Phase.Succeeded);
    assertThat(harness.configMapData(ns, "app-features")).containsAllEntriesOf(Map.of(
        "USE_REDIS_PERCENTAGE", "100", "USE_CACHE_PERCENTAGE", "100", "OTHER", "x"));
  }

  // ---- 11. a conflict is treated as a failure ----

  /**
   * Three clients relabel the change as fast as the API server takes it, so its status writes meet real
   * 409s. A conflict is decided again at once from a fresh read: before, each was retried after 1, 2, 4,
   * 8, 16 s, and the first step took 57 s to be entered; a revert waited the same.
   */
  @Test
  void stepsAndTheRevertAreNotBackedOffWhileThreeClientsRelabelTheChange() {
    String ns = harness.cluster.createNamespace("storm");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS_PERCENTAGE", "0", "USE_REDIS", "false"));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TestApp app = new TestApp(prometheus.registry(), ns);
        Watch watch = watchKey(ns, "USE_REDIS_PERCENTAGE", seen, pct -> { });
        RelabelStorm storm = new RelabelStorm(harness.client, ns, "use-redis", 3)) {
      awaitScraped(app);
      ScalingChange sc = change(ns, "use-redis", step(10, "2s"), step(50, "1h"), step(100, null));
      sc.getSpec().setAnalysis(errorsAnalysis(app, "1s"));
      Instant created = Instant.now();
      harness.changes().resource(sc).create();

      await().atMost(Duration.ofSeconds(15)).until(() -> "50".equals(pct(ns)));
      Duration toSecondStep = Duration.between(created, Instant.now());
      app.errorRate(0.5);
      Instant broke = Instant.now();
      await().atMost(Duration.ofSeconds(15)).until(() -> harness.phase(ns, "use-redis") == Phase.RolledBack
          && "0".equals(pct(ns)));
      Duration toRevert = Duration.between(broke, Instant.now());
      LoggerFactory.getLogger(SafetyIT.class).info("relabel storm: {} relabels; second step entered {} ms after"
          + " creation (soak 2s), reverted {} ms after the app broke (interval 1s)", storm.relabels(),
          toSecondStep.toMillis(), toRevert.toMillis());
      assertThat(storm.relabels()).as("the clients did relabel").isGreaterThan(100);
    }
    assertThat(seen).containsExactly("0", "10", "50", "0");
  }

  // ---- helpers ----

  private static void atWeight25(String ns) {
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.changes().resource(change(ns, "use-redis", step(1, "1s"), step(5, "1s"), step(25, "1h"),
        step(50, "1h"), step(100, null))).create();
    await().atMost(WAIT).until(() -> "25".equals(pct(ns)));
  }

  private static void patchSteps(String ns, String steps) {
    KubeTestCluster.KubectlResult patched = harness.cluster.kubectl("patch", "-n", ns, "schg/use-redis",
        "--type=merge", "-p", "{\"spec\":{\"steps\":" + steps + "}}");
    assertThat(patched.exitCode()).as(patched.output()).isZero();
  }

  private static String pct(String ns) {
    return harness.configMapData(ns, "app-features").get("USE_REDIS_PERCENTAGE");
  }

  private static void annotate(String ns, String key, String value) {
    KubeTestCluster.KubectlResult r = harness.cluster.kubectl("annotate", "--overwrite", "-n", ns,
        "schg/use-redis", key + "=" + value);
    assertThat(r.exitCode()).as(r.output()).isZero();
  }

  private static void touchLabels(String ns, String name) {
    harness.changes().inNamespace(ns).withName(name).edit(sc -> {
      Map<String, String> labels = sc.getMetadata().getLabels() == null ? new HashMap<>()
          : new HashMap<>(sc.getMetadata().getLabels());
      labels.put("touched", Long.toString(System.nanoTime()));
      sc.getMetadata().setLabels(labels);
      return sc;
    });
  }

  /** error-rate max 0.05, failing at once, measured every {@code interval}. */
  private static Analysis errorsAnalysis(TestApp app, String interval) {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout("1s");
    analysis.setPrometheus(source);
    analysis.setInterval(interval);
    MetricCheck errors = new MetricCheck("error-rate", app.errorRateQuery());
    errors.setMax(0.05);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    return analysis;
  }

  /** p99 latency at most 50% over its 6s baseline, every 1s. */
  private static Analysis latencyAnalysis(TestApp app) {
    Analysis analysis = errorsAnalysis(app, "1s");
    analysis.setBaseline(new Baseline("6s"));
    analysis.setMetrics(new ArrayList<>(List.of(latency(app))));
    return analysis;
  }

  private static MetricCheck latency(TestApp app) {
    MetricCheck latency = new MetricCheck("p99-latency", app.p99Query());
    latency.setMaxIncrease("50%");
    latency.setFailureLimit(3);
    return latency;
  }

  private static void awaitScraped(TestApp app) {
    await().atMost(WAIT).until(() -> !prometheus.server().instantQuery("count_over_time((" + app.p99Query()
        + ")[6s:1s]) > 5", Instant.now()).isEmpty());
  }

  /** Records each distinct value of a key, and tells {@code onChange} each new weight (absent: 0). */
  private static Watch watchKey(String ns, String key, List<String> seen, Consumer<Integer> onChange) {
    return harness.client.configMaps().inNamespace(ns).withName("app-features").watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ConfigMap cm) {
        String value = cm.getData() == null ? null : cm.getData().get(key);
        String last = seen.isEmpty() ? null : seen.get(seen.size() - 1);
        if (!Objects.equals(value, last)) {
          seen.add(value);
          onChange.accept(value == null ? 0 : Integer.parseInt(value));
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
  }
}
