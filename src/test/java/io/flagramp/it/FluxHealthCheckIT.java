package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flagramp.chart.ArgoCdCustomizations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's Flux {@code healthCheckExprs} recipe, evaluated with cel-go as Flux's kustomize-controller
 * evaluates it, over the objects GitOpsIT captured from the API server in every phase (the testdata the
 * Argo CD scripts' tests use too).
 */
class FluxHealthCheckIT {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Flux's verdict on each captured object. */
  private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

  static {
    EXPECTED.put("noStatus", "InProgress");
    EXPECTED.put("progressing_newGeneration", "InProgress");
    EXPECTED.put("pending_configMapNotFound", "InProgress");
    EXPECTED.put("progressing_stepEntered", "InProgress");
    EXPECTED.put("awaitingApproval", "InProgress");
    EXPECTED.put("baking", "InProgress");
    EXPECTED.put("paused_suspended", "InProgress");
    EXPECTED.put("held_undecided", "InProgress");
    EXPECTED.put("held_externalChange", "Failed");
    EXPECTED.put("rolledBack_thresholdBreached", "Failed");
    EXPECTED.put("invalid_configMapNotOptedIn", "Failed");
    EXPECTED.put("succeeded", "Current");
  }

  private static FluxHealthCheckRecipe recipe;

  @BeforeAll
  static void readTheRecipe() {
    recipe = FluxHealthCheckRecipe.fromReadme();
  }

  @Test
  void theRecipeGivesEveryPhaseItsVerdictAndOnlySucceededIsCurrent() {
    List<JsonNode> objects = new ArrayList<>();
    EXPECTED.keySet().forEach(name -> objects.add(captured(name)));
    List<JsonNode> verdicts = recipe.verdicts(objects);
    Map<String, String> actual = new LinkedHashMap<>();
    int i = 0;
    for (String name : EXPECTED.keySet()) {
      assertThat(verdicts.get(i).has("error")).as(name + ": " + verdicts.get(i)).isFalse();
      actual.put(name, verdicts.get(i++).get("status").asText());
    }
    assertThat(actual).isEqualTo(EXPECTED);
  }

  @Test
  void aChangeWithoutStatusIsInProgressWhereKstatusSaysCurrent() {
    JsonNode noStatus = captured("noStatus");
    assertThat(noStatus.has("status")).isFalse();
    assertThat(recipe.verdict(noStatus).get("status").asText()).isEqualTo("InProgress");
  }

  @Test
  void aChangeWithoutStatusOrManagedFieldsIsAnErrorFluxReportsAsUnknownNeverCurrent() {
    ObjectNode bare = (ObjectNode) captured("noStatus");
    ((ObjectNode) bare.get("metadata")).remove("managedFields");
    JsonNode verdict = recipe.verdict(bare);
    assertThat(verdict.get("status").asText()).isEqualTo("Unknown");
    assertThat(verdict.get("error").asText()).contains("status");
  }

  private static JsonNode captured(String name) {
    try {
      return YAML.readTree(ArgoCdCustomizations.DIR.resolve("testdata").resolve(name + ".yaml").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
