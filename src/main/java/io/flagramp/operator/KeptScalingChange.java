package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the operator's cache keeps of a ScalingChange: all of it but its managedFields, of which only
 * what a decision reads: who set each {@code flagramp.io/} annotation (an approval, a promotion), that
 * is each entry's manager, operation and time with the {@code flagramp.io/} annotations it owns.
 * managedFields are a tree of maps per field manager (the status writer's alone names every field of
 * status, history and conditions included), about two thirds of a cached change in objects: at 10,000
 * changes they filled a 256 MiB heap. Nothing the operator sends is built from a cached copy's
 * managedFields: status is merge-patched, finalizers are patched with a diff of two copies.
 */
public final class KeptScalingChange {

  private static final String ANNOTATION_PREFIX = "f:flagramp.io/";

  private KeptScalingChange() {}

  /** {@code change} with its managedFields cut to the flagramp.io/ annotations' owners. */
  static ScalingChange of(ScalingChange change) {
    ObjectMeta meta = change.getMetadata();
    if (meta == null || meta.getManagedFields() == null || meta.getManagedFields().isEmpty()) {
      return change;
    }
    List<ManagedFieldsEntry> kept = new ArrayList<>();
    for (ManagedFieldsEntry entry : meta.getManagedFields()) {
      Map<String, Object> owned = flagrampAnnotations(entry);
      if (!owned.isEmpty()) {
        FieldsV1 fields = new FieldsV1();
        fields.setAdditionalProperty("f:metadata", Map.of("f:annotations", owned));
        kept.add(new ManagedFieldsEntryBuilder().withManager(entry.getManager()).withOperation(entry.getOperation())
            .withTime(entry.getTime()).withApiVersion(entry.getApiVersion()).withFieldsType(entry.getFieldsType())
            .withSubresource(entry.getSubresource()).withFieldsV1(fields).build());
      }
    }
    meta.setManagedFields(kept.isEmpty() ? null : kept);
    return change;
  }

  private static Map<String, Object> flagrampAnnotations(ManagedFieldsEntry entry) {
    Map<String, Object> owned = new LinkedHashMap<>();
    if (entry.getFieldsV1() == null || entry.getFieldsV1().getAdditionalProperties() == null) {
      return owned;
    }
    Object metadata = entry.getFieldsV1().getAdditionalProperties().get("f:metadata");
    Object annotations = metadata instanceof Map<?, ?> m ? m.get("f:annotations") : null;
    if (annotations instanceof Map<?, ?> a) {
      a.keySet().forEach(k -> {
        if (k instanceof String key && key.startsWith(ANNOTATION_PREFIX)) {
          owned.put(key, Map.of());
        }
      });
    }
    return owned;
  }

  /** The controller's informer store: each ScalingChange as {@link #of} keeps it. */
  public static final class Store extends KeptStore<ScalingChange> {

    public Store() {
      super(KeptScalingChange::of);
    }
  }
}
