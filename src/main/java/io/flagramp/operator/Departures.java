package io.flagramp.operator;

import io.flagramp.api.v1alpha1.ScalingChange;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Hears from JOSDK when a ScalingChange leaves this operator's informer, and triggers no reconcile.
 * It leaves when it is deleted, and when it is relabelled out of this shard's selector: the API server
 * then sends the informer a DELETED event, and JOSDK drops the object from its cache, cancels its
 * scheduled reconciles and forgets its retry state, but runs no {@code cleanup} (the finalizer is for a
 * deletion, and the change lives on in another shard). What flagramp itself keeps about the change (its
 * measurement round, its series on /metrics, its fault count) is let go here, so a change is on one
 * shard's /metrics only.
 */
final class Departures extends AbstractEventSource<ScalingChange, ScalingChange>
    implements ResourceEventAware<ScalingChange> {

  private final Consumer<ScalingChange> letGo;

  Departures(Consumer<ScalingChange> letGo) {
    super(ScalingChange.class, "departures");
    this.letGo = letGo;
  }

  @Override
  public void onResourceDeleted(ScalingChange change) {
    letGo.accept(change);
  }

  @Override
  public Set<ScalingChange> getSecondaryResources(ScalingChange primary) {
    return Set.of();
  }
}
