package io.flagramp.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flagramp.testbed.GoTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's {@code healthCheckExprs} recipe for Flux (section "Flux"), read from the README as a user
 * copies it, and Flux's verdict on objects under it, computed by fluxcel (cel-go as Flux sets it up).
 */
final class FluxHealthCheckRecipe {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);

  private final JsonNode exprs;
  private final GoTool fluxcel;

  private FluxHealthCheckRecipe(JsonNode exprs, GoTool fluxcel) {
    this.exprs = exprs;
    this.fluxcel = fluxcel;
  }

  /** The README's one yaml block with healthCheckExprs; its ScalingChange entry. */
  static FluxHealthCheckRecipe fromReadme() {
    try {
      List<JsonNode> entries = new ArrayList<>();
      Matcher block = YAML_BLOCK.matcher(Files.readString(Path.of("README.md")));
      while (block.find()) {
        if (block.group(1).contains("healthCheckExprs:")) {
          YAML.readTree(block.group(1)).at("/spec/healthCheckExprs").forEach(entries::add);
        }
      }
      if (entries.size() != 1 || !entries.get(0).path("kind").asText().equals("ScalingChange")
          || !entries.get(0).path("apiVersion").asText().equals("flagramp.io/v1alpha1")) {
        throw new IllegalStateException("README.md should hold one healthCheckExprs entry, for"
            + " flagramp.io/v1alpha1 ScalingChange: " + entries);
      }
      ObjectNode exprs = JsonNodeFactory.instance.objectNode();
      for (String field : List.of("current", "inProgress", "failed")) {
        exprs.put(field, entries.get(0).path(field).asText(""));
      }
      return new FluxHealthCheckRecipe(exprs, GoTool.named("fluxcel"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Flux's verdict on each object, in order: {@code {"status": ..., "error": ...}}. */
  List<JsonNode> verdicts(List<JsonNode> objects) {
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    input.set("exprs", exprs);
    ArrayNode array = input.putArray("objects");
    objects.forEach(array::add);
    try {
      List<JsonNode> verdicts = new ArrayList<>();
      JSON.readTree(fluxcel.run(input.toString())).forEach(verdicts::add);
      return verdicts;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode verdict(JsonNode object) {
    return verdicts(List.of(object)).get(0);
  }
}
