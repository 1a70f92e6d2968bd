package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.chart.ArgoCdCustomizations;
import io.flagramp.testbed.GoTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * helm/flagramp/argocd/ carries its tests in the layout of Argo CD's own resource_customizations, so the
 * scripts can be offered upstream as they are: {@code health_test.yaml} ({@code tests[].inputPath} and
 * {@code healthStatus}), {@code actions/action_test.yaml} ({@code discoveryTests} and {@code actionTests}),
 * and the objects under {@code testdata/} (captured by GitOpsIT from the API server). This runs every case
 * they list with argolua (gopher-lua set up as Argo CD sets it up), as Argo CD's own test does.
 */
class ArgoCdTestLayoutIT {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What the actions write with the time, as the expected outputs hold it (Argo CD normalizes the same way). */
  private static final String NORMAL_TIME = "0001-01-01T00:00:00Z";

  private static GoTool argoLua;

  @BeforeAll
  static void findArgoLua() {
    argoLua = GoTool.named("argolua");
  }

  @Test
  void eachHealthTestGivesItsStatusAndMessage() {
    JsonNode tests = read(ArgoCdCustomizations.DIR.resolve("health_test.yaml")).get("tests");
    assertThat(tests).isNotEmpty();
    for (JsonNode test : tests) {
      String input = test.get("inputPath").asText();
      JsonNode health = run(read(ArgoCdCustomizations.DIR.resolve(input)), "health", ArgoCdCustomizations.HEALTH);
      assertThat(health).as(input).isEqualTo(test.get("healthStatus"));
    }
  }

  @Test
  void theHealthTestsCoverEveryPhaseAnObjectWithoutStatusAndAnUnobservedGeneration() {
    Set<String> covered = new TreeSet<>();
    for (JsonNode test : read(ArgoCdCustomizations.DIR.resolve("health_test.yaml")).get("tests")) {
      JsonNode object = read(ArgoCdCustomizations.DIR.resolve(test.get("inputPath").asText()));
      JsonNode status = object.path("status");
      covered.add(status.isMissingNode() ? "no status"
          : status.get("observedGeneration").asLong() < object.at("/metadata/generation").asLong()
              ? "unobserved generation" : status.get("phase").asText());
    }
    Set<String> expected = Arrays.stream(Phase.values()).map(Phase::name).collect(Collectors.toCollection(TreeSet::new));
    expected.addAll(Set.of("no status", "unobserved generation"));
    assertThat(covered).isEqualTo(expected);
  }

  /**
   * Suspended where the next move is a person's and nothing is wrong, as Argo Rollouts reports a paused
   * Rollout; Degraded for every other Held, so on-call sees it.
   */
  @Test
  void aChangeWaitingForAPersonIsSuspendedAndAHeldFaultDegraded() {
    Map<String, String> byInput = new TreeMap<>();
    for (JsonNode test : read(ArgoCdCustomizations.DIR.resolve("health_test.yaml")).get("tests")) {
      byInput.put(test.get("inputPath").asText(), test.at("/healthStatus/status").asText());
    }
    assertThat(byInput).containsEntry("testdata/awaitingApproval.yaml", "Suspended")
        .containsEntry("testdata/paused_suspended.yaml", "Suspended")
        .containsEntry("testdata/held_undecided.yaml", "Suspended")
        .containsEntry("testdata/held_externalChange.yaml", "Degraded");
  }

  @Test
  void eachDiscoveryTestListsTheActionsOfferedAndWhichAreDisabled() {
    Path actions = ArgoCdCustomizations.DISCOVERY.getParent();
    JsonNode tests = read(actions.resolve("action_test.yaml")).get("discoveryTests");
    assertThat(tests).isNotEmpty();
    for (JsonNode test : tests) {
      String input = test.get("inputPath").asText();
      JsonNode offered = run(read(actions.resolve(input)), "discovery", ArgoCdCustomizations.DISCOVERY);
      assertThat(byName(offered)).as(input).isEqualTo(byName(test.get("result")));
    }
  }

  @Test
  void eachActionTestTurnsItsInputIntoItsExpectedOutput() {
    Path actions = ArgoCdCustomizations.DISCOVERY.getParent();
    JsonNode tests = read(actions.resolve("action_test.yaml")).get("actionTests");
    assertThat(tests).hasSize(7);
    for (JsonNode test : tests) {
      String action = test.get("action").asText();
      JsonNode output = run(read(actions.resolve(test.get("inputPath").asText())), "action",
          ArgoCdCustomizations.actions().get(action));
      assertThat(normalizeTime(output, action)).as(action + " on " + test.get("inputPath").asText())
          .isEqualTo(read(actions.resolve(test.get("expectedOutputPath").asText())));
    }
  }

  /** The time in the action's annotation, replaced by {@link #NORMAL_TIME}; it must be there in UTC. */
  private static JsonNode normalizeTime(JsonNode output, String action) {
    JsonNode value = output.at("/metadata/annotations/flagramp.io~1" + action);
    if (value.isMissingNode()) {
      return output;
    }
    String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    assertThat(value.asText()).as(action).matches("(aborted in Argo CD at )?" + time);
    ((ObjectNode) output.at("/metadata/annotations"))
        .put("flagramp.io/" + action, value.asText().replaceAll(time, NORMAL_TIME));
    return output;
  }

  private static Map<String, JsonNode> byName(JsonNode actions) {
    Map<String, JsonNode> byName = new HashMap<>();
    actions.forEach(action -> byName.put(action.get("name").asText(), action));
    return byName;
  }

  private static JsonNode run(JsonNode object, String mode, Path script) {
    try {
      return JSON.readTree(argoLua.run(object.toString(), mode, script.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(Path yaml) {
    try {
      return YAML.readTree(yaml.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
