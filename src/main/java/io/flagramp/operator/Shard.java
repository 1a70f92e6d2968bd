package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.Optional;

/**
 * The ScalingChanges one operator deployment owns: every one (no shard), or those its label selector
 * selects. Ownership is the informer's: JOSDK lists and watches ScalingChanges with this selector, so an
 * object outside it is never in the cache, never reconciled and never has its finalizer handled here.
 * {@link #owns} asks the same question of an object read afresh from the API server.
 *
 * @param name the shard's name, which the Lease's name derives from; empty when not sharded
 * @param selector which ScalingChanges it owns; {@link LabelSelector#selectsEverything()} when not sharded
 */
public record Shard(Optional<String> name, LabelSelector selector) {

  /** The label that names a ScalingChange's shard. */
  public static final String LABEL = "flagramp.io/shard";

  /** One operator deployment for every ScalingChange. */
  public static Shard everything() {
    return new Shard(Optional.empty(), LabelSelector.parse(""));
  }

  public boolean sharded() {
    return name.isPresent();
  }

  /** Whether it owns the ScalingChanges without labels: it is the default shard. */
  public boolean takesUnlabelled() {
    return selector.matches(Map.of());
  }

  /** Whether this shard owns the object as it is now (its labels). */
  public boolean owns(HasMetadata object) {
    return selector.matches(object.getMetadata().getLabels());
  }

  /** The Lease's name when none is set: one per shard, so each shard elects its own leader. */
  public String leaseName(String base) {
    return name.map(n -> base + "-" + n).orElse(base);
  }

  @Override
  public String toString() {
    if (!sharded()) {
      return "<all>";
    }
    return name.get() + " (" + (selector.selectsEverything() ? "<all>" : selector.toString())
        + (takesUnlabelled() ? ", the default shard" : "") + ")";
  }
}
