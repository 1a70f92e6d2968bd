package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.BlockedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.Weekday;
import io.flagramp.api.v1alpha1.WorkloadKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad specs: the API server rejects what the CRD schema can say; the operator marks the rest Invalid. */
@ExtendWith(KubeApiServerExtension.class)
class ValidationIT {

  private static OperatorHarness harness;
  private static String ns;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster) {
    harness = OperatorHarness.start(cluster);
    ns = cluster.createNamespace("validation");
  }

  @AfterAll
  static void stopOperator() {
    harness.close();
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("weights not increasing", (Consumer<ScalingChange>) sc -> sc.getSpec().getSteps().get(1).setWeight(1),
            "spec.steps: Invalid value: \"array\": spec.steps: weights must be strictly increasing"),
        Arguments.of("a repeated weight", (Consumer<ScalingChange>) sc -> sc.getSpec().getSteps().get(2).setWeight(5),
            "spec.steps: weights must be strictly increasing"),
        Arguments.of("weight over 100", (Consumer<ScalingChange>) sc -> sc.getSpec().getSteps().get(1).setWeight(101),
            "spec.steps[1].weight: Invalid value: 101: spec.steps[1].weight in body should be less than or equal to 100"),
        Arguments.of("weight 0", (Consumer<ScalingChange>) sc -> sc.getSpec().getSteps().get(0).setWeight(0),
            "spec.steps[0].weight in body should be greater than or equal to 1"),
        Arguments.of("a pause that is not a duration", (Consumer<ScalingChange>) sc -> sc.getSpec().getSteps().get(0).setPause("1d"),
            "spec.steps[0].pause: Invalid value: \"string\": \"1d\" is not a duration: write whole numbers each"
                + " followed by its unit, ms, s, m or h, such as 30s, 5m, 1h30m or 24h (there is no unit for days)"),
        Arguments.of("a bake that is not a duration", (Consumer<ScalingChange>) sc -> sc.getSpec().setBake("an hour"),
            "spec.bake: Invalid value: \"string\": \"an hour\" is not a duration"),
        Arguments.of("no steps", (Consumer<ScalingChange>) sc -> sc.getSpec().setSteps(new ArrayList<>()),
            "spec.steps: Invalid value: 0: spec.steps in body should have at least 1 items"),
        Arguments.of("21 steps", (Consumer<ScalingChange>) sc -> sc.getSpec().setSteps(new ArrayList<>(
                IntStream.rangeClosed(1, 21).mapToObj(w -> new Step(w, "1m")).toList())),
            "spec.steps: Too many: 21: must have at most 20 items"),
        Arguments.of("a ConfigMap name Kubernetes refuses", (Consumer<ScalingChange>) sc -> sc.getSpec().getFlag().setConfigMapName("App_Features"),
            "spec.flag.configMapName in body should match"),
        Arguments.of("a key Kubernetes refuses", (Consumer<ScalingChange>) sc -> sc.getSpec().getFlag().setPercentageKey("use redis"),
            "spec.flag.percentageKey in body should match '^[-._a-zA-Z0-9]+$'"),
        Arguments.of("the same key twice", (Consumer<ScalingChange>) sc -> sc.getSpec().getFlag().setEnabledKey("USE_REDIS_PERCENTAGE"),
            "spec.flag.enabledKey must differ from spec.flag.percentageKey"),
        Arguments.of("no flag", (Consumer<ScalingChange>) sc -> sc.getSpec().setFlag(null),
            "spec.flag: Required value"),
        Arguments.of("neither format", (Consumer<ScalingChange>) sc -> {
          sc.getSpec().getFlag().setPercentageKey(null);
          sc.getSpec().getFlag().setEnabledKey(null);
        }, "spec.flag: set either percentageKey or flagd, not both"),
        Arguments.of("a flagd flag with an enabled key", (Consumer<ScalingChange>) sc -> {
          sc.getSpec().getFlag().setPercentageKey(null);
          sc.getSpec().getFlag().setFlagd(new io.flagramp.api.v1alpha1.FlagdFlag("flags.json", "f", null, null));
        }, "spec.flag.enabledKey goes with percentageKey; a flagd flag has no enabled key"),
        Arguments.of("a flagd flag whose on and off are one variant", (Consumer<ScalingChange>) sc -> {
          sc.getSpec().getFlag().setPercentageKey(null);
          sc.getSpec().getFlag().setEnabledKey(null);
          sc.getSpec().getFlag().setFlagd(new io.flagramp.api.v1alpha1.FlagdFlag("flags.json", "f", "off", null));
        }, "spec.flag.flagd: onVariant and offVariant must differ"),
        Arguments.of("a flagd data key Kubernetes refuses", (Consumer<ScalingChange>) sc -> {
          sc.getSpec().getFlag().setPercentageKey(null);
          sc.getSpec().getFlag().setEnabledKey(null);
          sc.getSpec().getFlag().setFlagd(new io.flagramp.api.v1alpha1.FlagdFlag("flags/json", "f", null, null));
        }, "spec.flag.flagd.key in body should match"),
        Arguments.of("a key the ConfigMap API refuses although it matches the pattern",
            (Consumer<ScalingChange>) sc -> sc.getSpec().getFlag().setPercentageKey(".."),
            "are not ConfigMap keys"),
        Arguments.of("a query timeout of 1h", (Consumer<ScalingChange>) sc -> sc.getSpec().setAnalysis(timeout("1h")),
            "spec.analysis.prometheus.timeout must be above 0s and at most 30s"),
        Arguments.of("a timeout longer than the interval",
            (Consumer<ScalingChange>) sc -> sc.getSpec().setAnalysis(timeout("20s")),
            "spec.analysis.prometheus.timeout: Invalid value: \"object\": spec.analysis.prometheus.timeout must not be"
                + " longer than spec.analysis.interval"),
        Arguments.of("a failure limit over 1000", (Consumer<ScalingChange>) sc -> {
          sc.getSpec().setAnalysis(timeout("1s"));
          sc.getSpec().getAnalysis().getMetrics().get(0).setFailureLimit(1001);
        }, "spec.analysis.metrics[0].failureLimit in body should be less than or equal to 1000"),
        Arguments.of("a window time that is not one", (Consumer<ScalingChange>) sc -> sc.getSpec().setWindows(
            new DeployWindows("UTC", List.of(new AllowedWindow(null, "25:00", "02:00")), null)),
            "spec.windows.allowed[0].from in body should match"),
        Arguments.of("an empty window", (Consumer<ScalingChange>) sc -> sc.getSpec().setWindows(
            new DeployWindows("UTC", List.of(new AllowedWindow(null, "02:00", "02:00")), null)),
            "spec.windows.allowed: from and to must differ (the range would be empty)"),
        Arguments.of("a day twice", (Consumer<ScalingChange>) sc -> sc.getSpec().setWindows(new DeployWindows("UTC",
            List.of(new AllowedWindow(List.of(Weekday.Mon, Weekday.Mon), "02:00", "03:00")), null)),
            "spec.windows.allowed.days: each day at most once"),
        Arguments.of("a freeze date that is not one", (Consumer<ScalingChange>) sc -> sc.getSpec().setWindows(
            new DeployWindows("UTC", null, List.of(new BlockedWindow("24.12.2026", "2026-12-26", null)))),
            "spec.windows.blocked[0].from in body should match"),
        Arguments.of("a restart target twice", (Consumer<ScalingChange>) sc -> sc.getSpec().setRestartTargets(List.of(
            new RestartTarget(WorkloadKind.Deployment, "api"), new RestartTarget(WorkloadKind.Deployment, "api"))),
            "spec.restartTargets: each workload at most once"),
        Arguments.of("a restart target name Kubernetes refuses", (Consumer<ScalingChange>) sc -> sc.getSpec()
            .setRestartTargets(List.of(new RestartTarget(WorkloadKind.Deployment, "Not_A_Name"))),
            "spec.restartTargets[0].name in body should match"));
  }

  /** An analysis every 10s with this query timeout. */
  private static io.flagramp.api.v1alpha1.Analysis timeout(String timeout) {
    io.flagramp.api.v1alpha1.Analysis analysis = new io.flagramp.api.v1alpha1.Analysis();
    io.flagramp.api.v1alpha1.PrometheusSource source = new io.flagramp.api.v1alpha1.PrometheusSource();
    source.setAddress("http://prometheus:9090");
    source.setTimeout(timeout);
    analysis.setPrometheus(source);
    analysis.setInterval("10s");
    io.flagramp.api.v1alpha1.MetricCheck m = new io.flagramp.api.v1alpha1.MetricCheck("error-rate", "vector(0)");
    m.setMax(1.0);
    analysis.setMetrics(new ArrayList<>(List.of(m)));
    return analysis;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void theApiServerRejectsWhatTheSchemaCanSayWithItsMessage(String name, Consumer<ScalingChange> breakIt, String message) {
    ScalingChange sc = change(ns, "bad-" + name.replaceAll("[^a-z0-9]+", "-"), step(1, "1m"), step(5, "1m"), step(100, null));
    breakIt.accept(sc);

    assertThatThrownBy(() -> harness.changes().resource(sc).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains(message);
        });
  }

  /** Once enough to stop the operator for everyone: an int that does not fit Java's int. */
  @Test
  void aFailureLimitBeyondAJavaIntIsRejectedByTheApiServerNamingTheField() {
    String json = """
        {"apiVersion":"flagramp.io/v1alpha1","kind":"ScalingChange","metadata":{"name":"huge","namespace":"%s"},
         "spec":{"flag":{"configMapName":"app-features","percentageKey":"P"},"steps":[{"weight":10}],
          "analysis":{"interval":"10s","prometheus":{"address":"http://prometheus:9090"},
           "metrics":[{"name":"error-rate","query":"vector(0)","max":1,"failureLimit":2147483648}]}}}""".formatted(ns);

    assertThatThrownBy(() -> harness.client.resource(json).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec.analysis.metrics[0].failureLimit");
        });
  }

  @Test
  void kubectlApplyOfABadSpecShowsTheCelMessage() throws IOException {
    Path yaml = Files.createTempFile("bad-schg", ".yaml");
    Files.writeString(yaml, """
        apiVersion: flagramp.io/v1alpha1
        kind: ScalingChange
        metadata:
          name: decreasing
        spec:
          flag: {configMapName: app-features, percentageKey: USE_REDIS_PERCENTAGE}
          steps:
            - {weight: 50, pause: 1h}
            - {weight: 10}
        """);

    KubeTestCluster.KubectlResult applied = harness.cluster.kubectl("apply", "-n", ns, "-f", yaml.toString());

    assertThat(applied.exitCode()).isNotZero();
    assertThat(applied.output()).contains("spec.steps: weights must be strictly increasing");
  }

  /**
   * The interval and the query timeout have range rules besides; a value that is no duration at all is
   * told so in words, once, without the regex and without a CEL rule failing on it.
   */
  @Test
  void aDurationThatIsNoDurationIsRefusedInASentenceWithoutTheRegex() {
    ScalingChange sc = change(ns, "bad-interval", step(1, "1m"), step(100, null));
    sc.getSpec().setAnalysis(timeout("five seconds"));
    sc.getSpec().getAnalysis().setInterval("1 minute");

    assertThatThrownBy(() -> harness.changes().resource(sc).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getDetails().getCauses()).extracting(c -> c.getField() + ": " + c.getMessage())
              .containsExactlyInAnyOrder(
                  "spec.analysis.interval: Invalid value: \"string\": \"1 minute\" is not a duration: write whole"
                      + " numbers each followed by its unit, ms, s, m or h, such as 30s, 5m, 1h30m or 24h (there is"
                      + " no unit for days)",
                  "spec.analysis.prometheus.timeout: Invalid value: \"string\": \"five seconds\" is not a duration:"
                      + " write whole numbers each followed by its unit, ms, s, m or h, such as 30s, 5m, 1h30m or 24h"
                      + " (there is no unit for days)");
          assertThat(e.getMessage()).doesNotContain("should match").doesNotContain("^([0-9]");
        });
  }

  @Test
  void theFlagCannotBeChangedAfterCreation() {
    harness.changes().resource(change(ns, "immutable", step(1, "1h"), step(100, null))).create();

    KubeTestCluster.KubectlResult patched = harness.cluster.kubectl("patch", "-n", ns, "schg/immutable",
        "--type=merge", "-p", "{\"spec\":{\"flag\":{\"configMapName\":\"other-features\"}}}");

    assertThat(patched.exitCode()).isNotZero();
    assertThat(patched.output()).contains("spec.flag is immutable: create a new ScalingChange to ramp another flag");
    assertThat(harness.get(ns, "immutable").getSpec().getFlag().getConfigMapName()).isEqualTo("app-features");
  }

  @Test
  void aSpecTheSchemaCannotCatchIsInvalidNamingTheFieldWithoutARetryLoop() {
    String ns = harness.cluster.createNamespace("invalid");
    harness.createConfigMap(ns, "app-features", java.util.Map.of());
    ScalingChange sc = change(ns, "overflow", step(1, "99999999999999999999h"), step(100, null));

    harness.changes().resource(sc).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> harness.get(ns, "overflow").getStatus() != null
        && harness.get(ns, "overflow").getStatus().getPhase() == Phase.Invalid);
    ScalingChange invalid = harness.get(ns, "overflow");
    Condition stalled = invalid.getStatus().condition(Condition.STALLED).orElseThrow();
    assertThat(stalled.isTrue()).isTrue();
    assertThat(stalled.getReason()).isEqualTo("InvalidSpec");
    assertThat(stalled.getMessage())
        .isEqualTo("invalid spec: spec.steps[0].pause: \"99999999999999999999h\" is out of range");
    assertThat(invalid.getStatus().condition(Condition.READY).orElseThrow().isTrue()).isFalse();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "overflow")).anySatisfy(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getReason()).isEqualTo("InvalidSpec");
    }));

    String version = invalid.getMetadata().getResourceVersion();
    List<ApiRequests.Request> writes = harness.requests.writesIn(ns);
    int events = harness.events(ns, "overflow").size();
    // Well past the 1s retry and 2s resync intervals: no retry loop. A retry would record its fault in
    // status and a Warning Event each time; nothing is written, and no Event comes.
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() ->
        harness.get(ns, "overflow").getMetadata().getResourceVersion().equals(version)
            && harness.requests.writesIn(ns).size() == writes.size()
            && harness.events(ns, "overflow").size() == events);
  }
}
