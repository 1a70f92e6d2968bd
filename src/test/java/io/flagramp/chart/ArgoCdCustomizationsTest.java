package io.flagramp.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * helm/flagramp/argocd/argocd-cm.yaml embeds exactly the .lua files beside it, under the keys and in
 * the shape Argo CD reads (the actions key holds a YAML document of its own: discovery.lua and
 * definitions[].{name, action.lua}). What the scripts answer is GitOpsIT's business.
 */
class ArgoCdCustomizationsTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theConfigMapPatchIsTheOneGeneratedFromTheLuaFiles() throws IOException {
    String expected = ArgoCdCustomizations.configMapPatch();
    if (Boolean.getBoolean("flagramp.updateArgoCd")) {
      Files.writeString(ArgoCdCustomizations.CONFIG_MAP_PATCH, expected);
    }
    assertThat(Files.readString(ArgoCdCustomizations.CONFIG_MAP_PATCH))
        .as("argocd-cm.yaml is out of date with the .lua files: ./mvnw test -Dtest=ArgoCdCustomizationsTest"
            + " -Dflagramp.updateArgoCd=true")
        .isEqualTo(expected);
  }

  @Test
  void argoCdReadsEveryScriptVerbatimFromTheConfigMapPatch() throws IOException {
    JsonNode data = YAML.readTree(ArgoCdCustomizations.CONFIG_MAP_PATCH.toFile()).get("data");
    assertThat(data.get(ArgoCdCustomizations.HEALTH_KEY).asText())
        .isEqualTo(ArgoCdCustomizations.read(ArgoCdCustomizations.HEALTH));

    JsonNode actions = YAML.readTree(data.get(ArgoCdCustomizations.ACTIONS_KEY).asText());
    assertThat(actions.get("discovery.lua").asText())
        .isEqualTo(ArgoCdCustomizations.read(ArgoCdCustomizations.DISCOVERY));
    List<String> names = new ArrayList<>();
    for (JsonNode definition : actions.get("definitions")) {
      String name = definition.get("name").asText();
      names.add(name);
      assertThat(definition.get("action.lua").asText()).as(name)
          .isEqualTo(ArgoCdCustomizations.read(ArgoCdCustomizations.actions().get(name)));
    }
    assertThat(names).containsExactlyElementsOf(ArgoCdCustomizations.actions().keySet());
  }

  @Test
  void theActionsAreTheSixOnCallOnes() {
    Map<String, ?> actions = ArgoCdCustomizations.actions();
    assertThat(actions.keySet()).containsExactly("abort", "approve", "promote", "resume", "retry", "suspend");
  }
}
