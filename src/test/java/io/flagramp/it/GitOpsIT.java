package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.chart.ArgoCdCustomizations;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.testbed.GoTool;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What GitOps tools make of a ScalingChange, on real objects: the operator drives one change into each
 * phase against the real API server, and each live object, as the API server returns it, is saved under
 * {@code target/phase-objects/<Phase>.json} and given to Argo CD's health and action scripts
 * (helm/flagramp/argocd/, run by argolua: gopher-lua set up as Argo CD sets it up) and to kstatus (the
 * library behind Flux's health checks) and to the README's Flux healthCheckExprs. The actions' output
 * is applied as Argo CD applies it (a JSON
 * merge patch from the live object to the script's), and kubectl's wait recipes run for real.
 */
@ExtendWith(KubeApiServerExtension.class)
class GitOpsIT {

  private static final Logger log = LoggerFactory.getLogger(GitOpsIT.class);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path CAPTURED = Path.of("target", "phase-objects");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String NAME = "use-redis";
  private static final String PCT = "USE_REDIS_PERCENTAGE";

  /** The README's table ("GitOps"): Argo CD's health and kstatus's status of each phase. */
  private static final Map<Phase, String> ARGO_HEALTH = new EnumMap<>(Map.of(
      Phase.Pending, "Progressing", Phase.Progressing, "Progressing", Phase.AwaitingApproval, "Suspended",
      Phase.Baking, "Progressing", Phase.Paused, "Suspended", Phase.Held, "Degraded",
      Phase.RolledBack, "Degraded", Phase.Invalid, "Degraded", Phase.Succeeded, "Healthy"));
  private static final Map<Phase, String> KSTATUS = new EnumMap<>(Map.of(
      Phase.Pending, "InProgress", Phase.Progressing, "InProgress", Phase.AwaitingApproval, "InProgress",
      Phase.Baking, "InProgress", Phase.Paused, "InProgress", Phase.Held, "Failed",
      Phase.RolledBack, "Failed", Phase.Invalid, "Failed", Phase.Succeeded, "Current"));
  /** The Argo CD actions enabled in each phase: those flagramp acts on there, not merely acknowledges. */
  private static final Map<Phase, Set<String>> ENABLED = new EnumMap<>(Map.of(
      Phase.Pending, Set.of("abort", "suspend"),
      Phase.Progressing, Set.of("abort", "promote", "suspend"),
      Phase.AwaitingApproval, Set.of("abort", "approve", "suspend"),
      Phase.Baking, Set.of("abort", "promote", "suspend"),
      Phase.Paused, Set.of("abort", "resume"),
      Phase.Held, Set.of("abort", "suspend"),
      Phase.RolledBack, Set.of("retry"),
      Phase.Invalid, Set.of("abort", "suspend"),
      Phase.Succeeded, Set.of("abort")));

  /** What the test app's error rate reads, by query; anything else is healthy. */
  private static final Map<String, Double> errorRate = new ConcurrentHashMap<>();
  private static final MetricsSource METRICS = q -> errorRate.getOrDefault(q.promql(), 0.001);

  private static OperatorHarness harness;
  private static GoTool argoLua;
  private static GoTool kstatus;
  private static final Map<Phase, JsonNode> captured = new EnumMap<>(Phase.class);
  /** Created while no operator ran: no status at all. */
  private static JsonNode withoutStatus;
  /** The Progressing change with its spec edited while no operator ran: observedGeneration behind. */
  private static JsonNode unobservedGeneration;

  @BeforeAll
  static void driveAChangeIntoEveryPhaseAndCaptureIt(KubeTestCluster cluster) {
    argoLua = GoTool.named("argolua");
    kstatus = GoTool.named("kstatus");
    harness = OperatorHarness.start(cluster, OperatorHarness.FAST, METRICS, UnaryOperator.identity());
    Map<Phase, String> ns = new EnumMap<>(Phase.class);
    for (Phase phase : Phase.values()) {
      ns.put(phase, cluster.createNamespace("gitops-" + phase.name()));
      if (phase != Phase.Pending && phase != Phase.Invalid) {
        harness.createConfigMap(ns.get(phase), "app-features", Map.of("USE_REDIS", "false"));
      }
    }
    // Invalid: a ConfigMap whose owner did not opt in (no flagramp.io/flags=true).
    harness.client.configMaps().inNamespace(ns.get(Phase.Invalid)).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("app-features").endMetadata().addToData("USE_REDIS", "false").build()).create();

    create(change(ns.get(Phase.Pending), NAME, step(10, "1h"), step(100, null)));  // no ConfigMap
    create(change(ns.get(Phase.Progressing), NAME, step(10, "1h"), step(100, null)));
    ScalingChange approval = change(ns.get(Phase.AwaitingApproval), NAME, step(10, "1s"), step(100, null));
    approval.getSpec().getSteps().get(1).setApproval(Approval.Manual);
    create(approval);
    ScalingChange baking = change(ns.get(Phase.Baking), NAME, step(100, null));
    baking.getSpec().setBake("1h");
    create(baking);
    ScalingChange paused = change(ns.get(Phase.Paused), NAME, step(10, "1s"), step(100, null));
    paused.getSpec().setSuspend(true);
    create(paused);
    create(change(ns.get(Phase.Held), NAME, step(5, "1h"), step(100, null)));
    create(change(ns.get(Phase.Succeeded), NAME, step(100, null)));
    create(breachable(ns.get(Phase.RolledBack), "rolled-back-errors"));
    errorRate.put("rolled-back-errors", 0.5);
    create(change(ns.get(Phase.Invalid), NAME, step(10, "1h"), step(100, null)));

    // Held: someone else writes the flag key mid-rollout.
    await().atMost(WAIT).until(() -> "5".equals(harness.configMapData(ns.get(Phase.Held), "app-features").get(PCT)));
    harness.client.configMaps().inNamespace(ns.get(Phase.Held)).withName("app-features")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"" + PCT + "\":\"0\"}}");

    for (Phase phase : Phase.values()) {
      await(phase.name()).atMost(WAIT).until(() -> harness.phase(ns.get(phase), NAME) == phase);
      captured.put(phase, capture(phase.name(), ns.get(phase)));
    }

    harness.stopOperator();
    String unobserved = ns.get(Phase.Progressing);
    harness.changes().inNamespace(unobserved).withName(NAME).edit(sc -> {
      sc.getSpec().getSteps().get(0).setPause("2h");
      return sc;
    });
    unobservedGeneration = capture("unobserved-generation", unobserved);
    String fresh = cluster.createNamespace("gitops-no-status");
    create(change(fresh, NAME, step(10, "1h"), step(100, null)));
    withoutStatus = capture("no-status", fresh);
    harness.startOperator(UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void argoCdHealthOfEveryPhaseIsTheTablesAndCarriesPhaseReasonAndDecision() {
    List<String> table = new ArrayList<>();
    for (Phase phase : Phase.values()) {
      JsonNode object = captured.get(phase);
      JsonNode health = json(argoLua.run(object.toString(), "health", ArgoCdCustomizations.HEALTH.toString()));
      String reason = object.at("/status/reason").asText();
      assertThat(health.get("status").asText()).as(phase.name()).isEqualTo(ARGO_HEALTH.get(phase));
      assertThat(health.get("message").asText()).as(phase.name())
          .startsWith(reason.equals(phase.name()) ? phase.name() : phase.name() + " (" + reason + ")")
          .endsWith(object.at("/status/lastDecision").asText());
      table.add(phase + " " + reason + " -> " + health.get("status").asText());
    }
    log.info("Argo CD health by phase: {}", table);
  }

  @Test
  void argoCdHealthIsProgressingUntilFlagrampHasTakenUpTheChangeAndItsLatestGeneration() {
    JsonNode fresh = json(argoLua.run(withoutStatus.toString(), "health", ArgoCdCustomizations.HEALTH.toString()));
    assertThat(fresh.get("status").asText()).isEqualTo("Progressing");
    assertThat(fresh.get("message").asText()).isEqualTo("Waiting for flagramp to take up the change");

    assertThat(unobservedGeneration.at("/status/phase").asText()).isEqualTo("Progressing");
    JsonNode edited = json(argoLua.run(unobservedGeneration.toString(), "health",
        ArgoCdCustomizations.HEALTH.toString()));
    assertThat(edited.get("status").asText()).isEqualTo("Progressing");
    assertThat(edited.get("message").asText()).isEqualTo("Waiting for flagramp to take up generation 2 (it last saw 1)");
  }

  @Test
  void argoCdOffersInEachPhaseExactlyTheActionsFlagrampActsOnThere() {
    for (Phase phase : Phase.values()) {
      Set<String> enabled = new TreeSet<>();
      for (JsonNode action : discovery(captured.get(phase))) {
        assertThat(action.has("displayName")).as(action.toString()).isTrue();
        if (!action.get("disabled").asBoolean()) {
          enabled.add(action.get("name").asText());
        }
      }
      assertThat(enabled).as(phase.name()).isEqualTo(new TreeSet<>(ENABLED.get(phase)));
    }
  }

  @Test
  void eachActionChangesOnlyItsAnnotationOrSpecSuspendAndAnAnnotationGetsANewValueEvenTwiceInOneSecond() {
    Map<String, Phase> whereEnabled = Map.of("abort", Phase.Progressing, "approve", Phase.AwaitingApproval,
        "promote", Phase.Baking, "retry", Phase.RolledBack, "suspend", Phase.Held, "resume", Phase.Paused);
    for (Map.Entry<String, Phase> e : whereEnabled.entrySet()) {
      JsonNode live = captured.get(e.getValue());
      JsonNode patch = mergePatch(live, action(e.getKey(), live));
      String annotation = "flagramp.io/" + e.getKey();
      switch (e.getKey()) {
        case "suspend", "resume" -> assertThat(patch).as(e.getKey())
            .isEqualTo(json("{\"spec\":{\"suspend\":" + e.getKey().equals("suspend") + "}}"));
        default -> {
          assertThat(fieldNames(patch)).as(e.getKey()).containsExactly("metadata");
          assertThat(fieldNames(patch.get("metadata"))).containsExactly("annotations");
          assertThat(fieldNames(patch.at("/metadata/annotations"))).containsExactly(annotation);
          String value = patch.at("/metadata/annotations").get(annotation).asText();
          assertThat(value).as(e.getKey()).matches((e.getKey().equals("abort") ? "aborted in Argo CD at " : "")
              + "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
          // The same action again before the clock moves on: still a value flagramp has not acted on.
          ObjectNode again = (ObjectNode) live.deepCopy();
          again.withObject("/metadata/annotations").put(annotation, value);
          String second = action(e.getKey(), again).at("/metadata/annotations").get(annotation).asText();
          assertThat(second).as(e.getKey()).isNotEqualTo(value);
        }
      }
    }
  }

  @Test
  void theAbortAndApproveActionsAppliedAsArgoCdAppliesThemAreActedOnByFlagramp() {
    String ns = harness.cluster.createNamespace("gitops-actions");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    ScalingChange sc = change(ns, NAME, step(10, "1s"), step(50, "1h"), step(100, null));
    sc.getSpec().getSteps().get(1).setApproval(Approval.Manual);
    create(sc);
    await().atMost(WAIT).until(() -> harness.phase(ns, NAME) == Phase.AwaitingApproval);

    String approved = runActionAsArgoCd("approve", ns);
    await().atMost(WAIT).until(() -> "50".equals(harness.configMapData(ns, "app-features").get(PCT)));
    assertThat(harness.get(ns, NAME).getStatus().getHistory()).anySatisfy(h -> {
      assertThat(h.getWeight()).isEqualTo(50);
      assertThat(h.getApproval().getValue()).isEqualTo(approved);
    });

    String aborted = runActionAsArgoCd("abort", ns);
    await().atMost(WAIT).until(() -> harness.rolledBackAndRestored(ns, NAME));
    ScalingChange done = harness.get(ns, NAME);
    assertThat(done.getStatus().getReason()).isEqualTo(Reason.Aborted);
    assertThat(done.getStatus().getLastHandled().getAbort()).isEqualTo(aborted);
    assertThat(done.getStatus().getLastDecision()).contains(aborted);
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void kstatusOfEveryPhaseIsTheTablesSoFluxCallsOnlySucceededCurrent() {
    List<String> table = new ArrayList<>();
    for (Phase phase : Phase.values()) {
      JsonNode result = json(kstatus.run(captured.get(phase).toString()));
      assertThat(result.get("status").asText()).as(phase.name()).isEqualTo(KSTATUS.get(phase));
      assertThat(result.get("message").asText()).as(phase.name()).isEqualTo(phase == Phase.Succeeded
          ? "Resource is Ready" : captured.get(phase).at("/status/lastDecision").asText());
      table.add(phase + " -> " + result.get("status").asText());
    }
    log.info("kstatus by phase: {}", table);

    assertThat(json(kstatus.run(unobservedGeneration.toString())).get("status").asText()).isEqualTo("InProgress");
    assertThat(json(kstatus.run(withoutStatus.toString())).get("status").asText())
        .as("kstatus's rule for an object without conditions: before flagramp's first status write, Flux"
            + " would take a new change for done (README, GitOps)")
        .isEqualTo("Current");
  }

  @Test
  void theReadmesFluxHealthCheckExprsGiveEveryLivePhaseItsVerdictAndAChangeWithoutStatusInProgress() {
    FluxHealthCheckRecipe recipe = FluxHealthCheckRecipe.fromReadme();
    List<String> table = new ArrayList<>();
    for (Phase phase : Phase.values()) {
      JsonNode verdict = recipe.verdict(captured.get(phase));
      // As kstatus, but from the phase; Held here is ExternalChange, a fault.
      assertThat(verdict.get("status").asText()).as(phase + " " + verdict).isEqualTo(KSTATUS.get(phase));
      table.add(phase + " -> " + verdict.get("status").asText());
    }
    log.info("Flux healthCheckExprs by phase: {}", table);
    assertThat(recipe.verdict(unobservedGeneration).get("status").asText()).isEqualTo("InProgress");
    assertThat(recipe.verdict(withoutStatus).get("status").asText()).isEqualTo("InProgress");
  }

  @Test
  void kubectlWaitForReconcilingFalseReturnsPromptlyAfterARevertAndTheReadyCheckThenFails() {
    String ns = harness.cluster.createNamespace("gitops-wait");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    create(breachable(ns, "wait-errors"));
    await().atMost(WAIT).until(() -> "10".equals(harness.configMapData(ns, "app-features").get(PCT)));

    CompletableFuture<Instant> returned = new CompletableFuture<>();
    CompletableFuture<KubectlResult> finished = CompletableFuture.supplyAsync(() -> {
      KubectlResult result = waitFinished(ns, "120s");
      returned.complete(Instant.now());
      return result;
    });
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !finished.isDone());

    errorRate.put("wait-errors", 0.5);
    KubectlResult result = finished.join();
    assertThat(result.exitCode()).as(result.output()).isZero();
    ScalingChange sc = harness.get(ns, NAME);
    assertThat(sc.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    Instant stalled = Instant.parse(sc.getStatus().condition(Condition.STALLED).orElseThrow().getLastTransitionTime());
    Duration lag = Duration.between(stalled, returned.join());
    assertThat(lag).as("kubectl wait returned after the revert was recorded, promptly").isBetween(Duration.ZERO,
        Duration.ofSeconds(5));

    Instant before = Instant.now();
    KubectlResult ready = harness.cluster.kubectl("wait", "-n", ns, "scalingchange/" + NAME,
        "--for=condition=Ready", "--timeout=0s");
    assertThat(ready.exitCode()).as(ready.output()).isNotZero();
    Duration readyTook = Duration.between(before, Instant.now());
    assertThat(readyTook).isLessThan(Duration.ofSeconds(10));
    log.info("kubectl wait --for=condition=Reconciling=False returned {} ms after the revert was recorded;"
        + " the Ready check with --timeout=0s then failed in {} ms: {}", lag.toMillis(), readyTook.toMillis(),
        ready.output().strip());
  }

  @Test
  void theWaitRecipeExitsZeroTwiceForASucceededChange() {
    String ns = captured.get(Phase.Succeeded).at("/metadata/namespace").asText();
    KubectlResult finished = waitFinished(ns, "30s");
    assertThat(finished.exitCode()).as(finished.output()).isZero();
    KubectlResult ready = harness.cluster.kubectl("wait", "-n", ns, "scalingchange/" + NAME,
        "--for=condition=Ready", "--timeout=0s");
    assertThat(ready.exitCode()).as(ready.output()).isZero();
  }

  @Test
  void theArgoCdConfigMapPatchMergesTheScriptsIntoAnExistingArgocdCmWithKubectl() {
    String ns = harness.cluster.createNamespace("gitops-argocd");
    harness.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("argocd-cm").endMetadata().addToData("url", "https://argocd.example").build()).create();

    KubectlResult patched = harness.cluster.kubectl("-n", ns, "patch", "configmap", "argocd-cm", "--patch-file",
        ArgoCdCustomizations.CONFIG_MAP_PATCH.toString());

    assertThat(patched.exitCode()).as(patched.output()).isZero();
    Map<String, String> data = harness.configMapData(ns, "argocd-cm");
    assertThat(data).containsEntry("url", "https://argocd.example")
        .containsEntry(ArgoCdCustomizations.HEALTH_KEY, ArgoCdCustomizations.read(ArgoCdCustomizations.HEALTH))
        .containsKey(ArgoCdCustomizations.ACTIONS_KEY);
  }

  /** The documented recipe for "finished, either way". */
  private static KubectlResult waitFinished(String ns, String timeout) {
    return harness.cluster.kubectl("wait", "-n", ns, "scalingchange/" + NAME,
        "--for=condition=Reconciling=False", "--timeout=" + timeout);
  }

  /** Runs the action on the live object and patches the difference, as Argo CD does; the new value. */
  private static String runActionAsArgoCd(String name, String ns) {
    JsonNode live = json(rawObject(ns));
    JsonNode patch = mergePatch(live, action(name, live));
    harness.client.genericKubernetesResources("flagramp.io/v1alpha1", "ScalingChange").inNamespace(ns)
        .withName(NAME).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    return patch.at("/metadata/annotations").get("flagramp.io/" + name).asText();
  }

  private static JsonNode action(String name, JsonNode live) {
    return json(argoLua.run(live.toString(), "action", ArgoCdCustomizations.actions().get(name).toString()));
  }

  private static JsonNode discovery(JsonNode live) {
    return json(argoLua.run(live.toString(), "discovery", ArgoCdCustomizations.DISCOVERY.toString()));
  }

  /** RFC 7386: the merge patch that turns {@code from} into {@code to}, as Argo CD computes it. */
  private static JsonNode mergePatch(JsonNode from, JsonNode to) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    from.fieldNames().forEachRemaining(name -> {
      if (!to.has(name)) {
        patch.putNull(name);
      }
    });
    to.properties().forEach(field -> {
      JsonNode old = from.get(field.getKey());
      if (old != null && old.isObject() && field.getValue().isObject()) {
        JsonNode inner = mergePatch(old, field.getValue());
        if (!inner.isEmpty()) {
          patch.set(field.getKey(), inner);
        }
      } else if (!field.getValue().equals(old)) {
        patch.set(field.getKey(), field.getValue());
      }
    });
    return patch;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static void create(ScalingChange sc) {
    harness.changes().resource(sc).create();
  }

  /** A change measured every second against {@code query}: failing once reverts it. */
  private static ScalingChange breachable(String ns, String query) {
    ScalingChange sc = change(ns, NAME, step(10, "1h"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress("http://prometheus.invalid:9090");  // METRICS answers instead
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    MetricCheck errors = new MetricCheck("error-rate", query);
    errors.setMax(0.01);
    analysis.setMetrics(List.of(errors));
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }

  /** The object as the API server returns it, saved as target/phase-objects/{@code name}.json. */
  private static JsonNode capture(String name, String ns) {
    JsonNode object = json(rawObject(ns));
    try {
      Files.createDirectories(CAPTURED);
      Files.writeString(CAPTURED.resolve(name + ".json"), JSON.writeValueAsString(object));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return object;
  }

  private static String rawObject(String ns) {
    return harness.client.raw(harness.client.getMasterUrl() + "apis/flagramp.io/v1alpha1/namespaces/" + ns
        + "/scalingchanges/" + NAME);
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
