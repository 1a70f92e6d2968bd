package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which updates of a ScalingChange call for a reconcile: a new generation (spec edit), a change of a
 * flagramp.io/ annotation (on-call actions), deletion, or finalizers. Status-only updates, such as
 * the operator's own writes, do not: what is due next is already scheduled.
 */
public final class ActionableUpdates implements OnUpdateFilter<ScalingChange> {

  private static final String PREFIX = "flagramp.io/";

  @Override
  public boolean accept(ScalingChange newResource, ScalingChange oldResource) {
    ObjectMeta now = newResource.getMetadata();
    ObjectMeta before = oldResource.getMetadata();
    return !Objects.equals(now.getGeneration(), before.getGeneration())
        || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp())
        || !Objects.equals(now.getFinalizers(), before.getFinalizers())
        || !flagrampAnnotations(now).equals(flagrampAnnotations(before));
  }

  private static Map<String, String> flagrampAnnotations(ObjectMeta meta) {
    Map<String, String> ours = new TreeMap<>();
    if (meta.getAnnotations() != null) {
      meta.getAnnotations().forEach((k, v) -> {
        if (k.startsWith(PREFIX)) {
          ours.put(k, v);
        }
      });
    }
    return ours;
  }
}
