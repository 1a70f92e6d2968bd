package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.flagd.FlagdEvaluator;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.ReconcileFault;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A flagd flag ramped through the operator's own reconcile over the in-memory API: the document after
 * each step, the way back, two changes on two flags of one document, and documents that cannot be ramped.
 */
class FlagdRolloutTest {

  static final String KEY = "flags.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Hand-formatted, three rampable flags, a shared evaluator and metadata that must all stay as they are. */
  static final String DOCUMENT = """
      {
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "metadata": {"team": "checkout"},
        "flags": {
          "new-checkout": {
            "state": "ENABLED",
            "variants": { "on": true,   "off": false },
            "defaultVariant": "off"
          },
          "search-v2": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"},
          "dark-mode": {
            "state": "ENABLED",
            "variants": {"on": true, "off": false},
            "defaultVariant": "off",
            "targeting": {"if": [{"$ref": "beta-users"}, "on", "off"]}
          }
        },
        "$evaluators": {"beta-users": {"in": ["@beta.example", {"var": "email"}]}}
      }
      """;

  static Changes flagd(String name, String flag) {
    return Changes.change(name).flagd(KEY, flag).step(1, "30s").step(5, "30s").step(10, "30s").step(25, "30s")
        .step(50, "30s").step(100, null);
  }

  static Simulation sim(ScalingChange change) {
    Simulation sim = new Simulation(WriteAheadTest.SETTINGS, change, WriteAheadTest.T0);
    sim.externalWrite(KEY, DOCUMENT, "kubectl-client-side-apply");
    return sim;
  }

  static Simulation another(Simulation same, ScalingChange change) {
    Simulation other = new Simulation(same, change);
    other.now = same.now;
    return other;
  }

  static JsonNode flagIn(Simulation sim, String flag) throws Exception {
    return JSON.readTree(sim.configMap().get(KEY)).at("/flags/" + flag);
  }

  @Test
  void eachStepsDocumentGivesOnToItsWeightsShareUnderTheRealProviderAndNobodyLosesIt() throws Exception {
    Simulation sim = sim(flagd("checkout", "new-checkout").build());
    List<String> documents = new ArrayList<>();
    for (int step = 0; step < 6; step++) {
      sim.runUntilStep(step);
      documents.add(sim.configMap().get(KEY));
    }
    sim.runUntilQuiet(20);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    sim.annotate(Annotations.ABORT, "bad-release");
    sim.runUntilQuiet(20);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);

    Map<Integer, Double> errors = FlagdEvaluator.rampAndRevert(DOCUMENT,
        w -> documents.get(List.of(1, 5, 10, 25, 50, 100).indexOf(w)), sim.configMap().get(KEY));

    System.out.println("share-on error per weight, through the operator (points): " + errors);
    assertThat(sim.change.getStatus().getOriginalValues()).containsOnlyKeys(KEY + "#new-checkout");
  }

  @Test
  void aBreachedStepRestoresTheFlagsOriginalTextAndTheDocumentIsTheOriginalByteForByte() throws Exception {
    Simulation sim = sim(flagd("checkout", "new-checkout").build());
    sim.runUntilStep(3);
    assertThat(flagIn(sim, "new-checkout").at("/targeting/fractional/0/1").asInt()).isEqualTo(25);
    assertThat(flagIn(sim, "search-v2")).isEqualTo(JSON.readTree(DOCUMENT).at("/flags/search-v2"));

    sim.annotate(Annotations.ABORT, "error budget");
    sim.runUntilQuiet(20);

    assertThat(sim.configMap().get(KEY)).isEqualTo(DOCUMENT);
    assertThat(sim.change.getStatus().getLastDecision()).contains("restored flags.json#new-checkout=");
  }

  @Test
  void twoChangesOnTwoFlagsOfOneDocumentMeetingConflictsLoseNoWriteOfEachOther() throws Exception {
    Simulation a = sim(flagd("checkout", "new-checkout").build());
    Simulation b = another(a, flagd("search", "search-v2").build());
    // Every third ConfigMap write meets a concurrent writer (a 409): the change plans again from a fresh read.
    AtomicInteger writes = new AtomicInteger();
    a.api.faults = kind -> kind == InMemoryApi.WriteKind.CONFIGMAP && writes.incrementAndGet() % 3 == 0
        ? InMemoryApi.Fault.CONFLICT : InMemoryApi.Fault.NONE;
    Map<String, List<Integer>> seen = new LinkedHashMap<>();
    for (int i = 0; i < 400 && !(done(a) && done(b)); i++) {
      for (Simulation s : List.of(a, b)) {
        try {
          s.reconcile();
        } catch (ReconcileFault fault) {
          // a 409 on the ConfigMap: the next reconcile plans again from a fresh read
        }
        seen.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(weightOf(s, s == a ? "new-checkout" : "search-v2"));
      }
      a.advance(java.time.Duration.ofSeconds(10));
      b.now = a.now;
    }

    assertThat(a.api.conflicts).isPositive();
    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(b.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(flagIn(a, "new-checkout").get("defaultVariant").asText()).isEqualTo("on");
    assertThat(flagIn(a, "search-v2").get("defaultVariant").asText()).isEqualTo("on");
    assertThat(flagIn(a, "dark-mode")).isEqualTo(JSON.readTree(DOCUMENT).at("/flags/dark-mode"));
    for (List<Integer> weights : seen.values()) {
      assertThat(weights).as("each flag's weight only rises, as the ConfigMap shows it").isSorted();
      assertThat(weights).contains(1, 5, 10, 25, 50, 100);
    }

    a.annotate(Annotations.ABORT, "both");
    b.annotate(Annotations.ABORT, "both");
    a.api.faults = kind -> InMemoryApi.Fault.NONE;
    a.runUntilQuiet(20);
    b.runUntilQuiet(20);

    assertThat(a.configMap().get(KEY)).isEqualTo(DOCUMENT);
  }

  private static boolean done(Simulation s) {
    return s.change.getStatus() != null && s.change.getStatus().getPhase() == Phase.Succeeded;
  }

  /** The on weight the ConfigMap holds for the flag: 0 before a split, 100 once on is the default. */
  private static int weightOf(Simulation s, String flag) {
    try {
      JsonNode def = flagIn(s, flag);
      if ("on".equals(def.path("defaultVariant").asText())) {
        return 100;
      }
      JsonNode split = def.at("/targeting/fractional");
      return split.isMissingNode() ? 0 : split.get(0).get(1).asInt();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void twoChangesOnTheSameFlagAreAConflictAndTheSecondWritesNothing() {
    Simulation a = sim(flagd("checkout", "new-checkout").build());
    a.runUntilStep(0);
    Simulation b = another(a, flagd("checkout-2", "new-checkout").build());

    b.reconcile();

    assertThat(b.change.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(b.change.getStatus().getReason()).isEqualTo(Reason.Conflict);
    assertThat(b.change.getStatus().getLastDecision()).contains("ScalingChange checkout, which holds flags.json#new-checkout");
  }

  @Test
  void aPercentageKeyOnTheDocumentsOwnDataKeyMeetsEveryFlagInIt() {
    Simulation a = sim(flagd("checkout", "new-checkout").build());
    a.runUntilStep(0);
    Simulation b = another(a, Changes.change("overwrite").keys(KEY, null).step(10, null).build());

    b.reconcile();

    assertThat(b.change.getStatus().getReason()).isEqualTo(Reason.Conflict);
    assertThat(a.configMap().get(KEY)).contains("new-checkout");
  }

  @Test
  void aFlagThatCannotBeRampedIsInvalidBeforeAnyWriteWithTheProblemNamed() {
    Simulation sim = sim(flagd("dark", "dark-mode").build());

    sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.FlagUnrampable);
    assertThat(sim.change.getStatus().getLastDecision()).contains("data key flags.json: flag \"dark-mode\"'s"
        + " targeting's last else is \"off\"");
    assertThat(sim.flagWrites()).isZero();

    Simulation missing = another(sim, flagd("gone", "no-such-flag").build());
    missing.reconcile();
    assertThat(missing.change.getStatus().getLastDecision()).contains("data key flags.json has no flag \"no-such-flag\"");

    sim.externalWrite(KEY, "{\"flags\": {", "kubectl-client-side-apply");
    Simulation broken = another(sim, flagd("broken", "new-checkout").build());
    broken.reconcile();
    assertThat(broken.change.getStatus().getLastDecision()).contains("data key flags.json is not valid JSON");
    assertThat(sim.flagWrites()).isZero();
  }

  @Test
  void aDocumentBrokenMidRolloutHoldsTheChangeAndARevertWaitsUntilItParsesAgain() throws Exception {
    Simulation sim = sim(flagd("checkout", "new-checkout").build());
    sim.runUntilStep(1);
    String atFive = sim.configMap().get(KEY);
    int writes = sim.flagWrites();
    sim.externalWrite(KEY, atFive.replace("{\"on\":true,\"off\":false}", "{\"on\":true,\"no\":false}"),
        "kubectl-edit");
    assertThat(sim.configMap().get(KEY)).isNotEqualTo(atFive);

    sim.advance(java.time.Duration.ofSeconds(30));
    sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.ExternalChange);
    assertThat(sim.change.getStatus().getLastDecision()).contains("flags.json#new-checkout in ConfigMap app-features"
        + " is \"{\"state\":\"ENABLED\",\"variants\":{\"on\":true,\"no\":false}");
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(5);
    assertThat(sim.flagWrites()).isEqualTo(writes);

    sim.externalWrite(KEY, "not json", "kubectl-edit");
    sim.annotate(Annotations.ABORT, "broken");
    sim.reconcile();
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getLastDecision()).contains("the restore waits");
    assertThat(sim.configMap().get(KEY)).isEqualTo("not json");

    sim.externalWrite(KEY, atFive, "kubectl-edit");
    sim.runUntilQuiet(20);

    assertThat(sim.configMap().get(KEY)).isEqualTo(DOCUMENT);
    assertThat(sim.change.getStatus().getIntent()).isNull();
  }

  @Test
  void aDocumentWithoutTheFlagsDataKeyWaitsAsInvalidAndNoWriteIsMade() {
    Simulation sim = sim(flagd("checkout", "new-checkout").build());
    sim.externalWrite(KEY, null, "kubectl-edit");

    sim.reconcile();

    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.FlagUnrampable);
    assertThat(sim.change.getStatus().getLastDecision()).contains("data key flags.json is missing");
    assertThat(sim.configMap()).doesNotContainKey(KEY);
    assertThat(sim.flagWrites()).isZero();
  }
}
