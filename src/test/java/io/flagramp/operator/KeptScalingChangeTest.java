package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeptScalingChangeTest {

  @Test
  void onlyTheOwnersOfFlagrampAnnotationsAreKeptOfManagedFields() {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName("use-redis");
    sc.getMetadata().setNamespace("team");
    sc.getMetadata().setAnnotations(Map.of("flagramp.io/approve", "1", "team.example/owner", "payments"));
    sc.getMetadata().setManagedFields(List.of(
        entry("kubectl-client-side-apply", "Update", null, Map.of("f:spec", Map.of("f:steps", Map.of()),
            "f:metadata", Map.of("f:annotations", Map.of("f:team.example/owner", Map.of())))),
        entry("flagramp", "Update", "status", Map.of("f:status", Map.of("f:history", Map.of(), "f:conditions",
            Map.of()))),
        entry("alice", "Update", null, Map.of("f:metadata", Map.of("f:annotations",
            Map.of("f:flagramp.io/approve", Map.of(), "f:team.example/ticket", Map.of()))))));

    ScalingChange kept = KeptScalingChange.of(sc);

    assertThat(kept.getMetadata().getManagedFields()).singleElement().satisfies(e -> {
      assertThat(e.getManager()).isEqualTo("alice");
      assertThat(e.getOperation()).isEqualTo("Update");
      assertThat(e.getTime()).isEqualTo("2026-12-06T10:00:00Z");
      assertThat(e.getFieldsV1().getAdditionalProperties())
          .isEqualTo(Map.of("f:metadata", Map.of("f:annotations", Map.of("f:flagramp.io/approve", Map.of()))));
    });
    assertThat(kept.getMetadata().getAnnotations()).containsEntry("team.example/owner", "payments");
  }

  @Test
  void aChangeWithoutManagedFieldsIsKeptAsItIs() {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName("plain");
    assertThat(KeptScalingChange.of(sc).getMetadata().getManagedFields()).isNullOrEmpty();
  }

  private static ManagedFieldsEntry entry(String manager, String operation, String subresource,
      Map<String, Object> fields) {
    FieldsV1 v1 = new FieldsV1();
    fields.forEach(v1::setAdditionalProperty);
    return new ManagedFieldsEntryBuilder().withManager(manager).withOperation(operation).withSubresource(subresource)
        .withTime("2026-12-06T10:00:00Z").withApiVersion("flagramp.io/v1alpha1").withFieldsType("FieldsV1")
        .withFieldsV1(v1).build();
  }
}
