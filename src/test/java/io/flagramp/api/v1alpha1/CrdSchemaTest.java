package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code kubectl explain} and {@code kubectl get <category>} read from the generated CRD. */
class CrdSchemaTest {

  private static final Path CRD = Path.of("crds", "scalingchanges.flagramp.io-v1.yml");

  @Test
  void everyPropertyOfSpecAndStatusHasADescription() throws IOException {
    JSONSchemaProps root = crd().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    List<String> undescribed = new ArrayList<>();

    walk(root, "", undescribed);

    assertThat(undescribed).as("properties without a description").isEmpty();
  }

  @Test
  void theKindIsInTheFlagrampCategory() throws IOException {
    assertThat(crd().getSpec().getNames().getCategories()).containsExactly("flagramp");
  }

  @Test
  void noDurationIsCheckedByARegexWhoseMessageWouldBeTheRegex() throws IOException {
    JSONSchemaProps root = crd().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    List<String> patterned = new ArrayList<>();

    visit(root, "", (path, p) -> {
      if (Step.DURATION_PATTERN.equals(p.getPattern())) {
        patterned.add(path);
      }
    });

    assertThat(patterned).isEmpty();
  }

  private static void walk(JSONSchemaProps node, String path, List<String> undescribed) {
    visit(node, path, (p, property) -> {
      if (property.getDescription() == null || property.getDescription().isBlank()) {
        undescribed.add(p);
      }
    });
  }

  /** Every property below node, depth first, with its path (lists as [], maps as {}). */
  private static void visit(JSONSchemaProps node, String path,
      java.util.function.BiConsumer<String, JSONSchemaProps> visitor) {
    if (node.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : node.getProperties().entrySet()) {
        String p = path + "." + e.getKey();
        visitor.accept(p, e.getValue());
        visit(e.getValue(), p, visitor);
      }
    }
    if (node.getItems() != null && node.getItems().getSchema() != null) {
      visit(node.getItems().getSchema(), path + "[]", visitor);
    }
    if (node.getAdditionalProperties() != null && node.getAdditionalProperties().getSchema() != null) {
      visit(node.getAdditionalProperties().getSchema(), path + "{}", visitor);
    }
  }

  private static CustomResourceDefinition crd() throws IOException {
    try (InputStream in = Files.newInputStream(CRD)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }
}
