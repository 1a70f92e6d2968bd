package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A feature flag in a ConfigMap, ramped step by step and put back when told to (or, with analysis,
 * when the metrics go bad).
 */
@Group(ScalingChange.GROUP)
@Version(ScalingChange.VERSION)
@Plural("scalingchanges")
@ShortNames("schg")
// kubectl get flagramp lists every kind of the operator's, as kubectl get all does for the built-in ones.
@Categories("flagramp")
// The printer columns (Phase, Reason, Step, Weight, Age; with -o wide Next and Decision) are declared in
// src/main/crd/printer-columns.yml and put into the generated CRD by the build: Fabric8's generator
// orders columns by their jsonPath, which would put Age first or force recursive-descent paths. Next is a
// string column, the time as the operator wrote it: kubectl renders a date column as an age, and shows a
// time in the future, which has none, as <invalid>.
public class ScalingChange extends CustomResource<ScalingChangeSpec, ScalingChangeStatus>
    implements Namespaced {

  public static final String GROUP = "flagramp.io";
  public static final String VERSION = "v1alpha1";

  // Overridden only to describe spec and status in the CRD; the base class declares the fields.
  @Override
  @JsonPropertyDescription("What to ramp, how, and what to measure; see the README's ScalingChange reference.")
  public ScalingChangeSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Written by the operator only: where the rollout is, what it decided and why.")
  public ScalingChangeStatus getStatus() {
    return super.getStatus();
  }

  @Override
  protected ScalingChangeStatus initStatus() {
    return null;
  }
}
