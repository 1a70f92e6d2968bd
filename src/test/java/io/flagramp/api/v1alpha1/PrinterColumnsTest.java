package io.flagramp.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code kubectl get schg} shows: the columns in order, each an exact path to a field that exists. */
class PrinterColumnsTest {

  @ParameterizedTest
  @ValueSource(strings = {"crds/scalingchanges.flagramp.io-v1.yml",
      "helm/flagramp/files/crds/scalingchanges.flagramp.io-v1.yml"})
  void theColumnsArePhaseReasonStepWeightAgeThenNextAsTextAndDecisionInWideEachAnExactPath(String file)
      throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    List<CustomResourceColumnDefinition> columns = crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns();

    assertThat(columns).extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("Phase", "Reason", "Step", "Weight", "Age", "Next", "Decision");
    assertThat(columns).extracting(CustomResourceColumnDefinition::getPriority)
        .containsExactly(0, 0, 0, 0, 0, 1, 1);
    // kubectl renders a date column as an age, and a time in the future has none: it would show <invalid>.
    assertThat(columns).filteredOn(c -> c.getName().equals("Next")).extracting(CustomResourceColumnDefinition::getType)
        .containsExactly("string");
    JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    for (CustomResourceColumnDefinition c : columns) {
      assertThat(c.getJsonPath()).as(c.getName()).doesNotContain("..").matches("\\.(status|metadata)\\.[a-zA-Z]+");
      if (c.getJsonPath().startsWith(".status.")) {
        String field = c.getJsonPath().substring(".status.".length());
        assertThat(root.getProperties().get("status").getProperties()).as(c.getName()).containsKey(field);
      }
    }
  }
}
