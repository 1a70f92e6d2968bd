package io.flagramp.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Replaces the status subresource with optimistic locking on the resourceVersion the plan was made
 * from, and hands the result to JOSDK's cache so the next reconcile reads its own write. A 409 means
 * the object changed meanwhile (an annotation, a spec edit): the plan is dropped and made again.
 */
final class StatusWriter {

  void write(ScalingChange observed, ScalingChangeStatus status, Context<ScalingChange> context) {
    ScalingChange desired = context.getControllerConfiguration().getConfigurationService()
        .getResourceCloner().clone(observed);
    desired.setStatus(status);
    ScalingChange updated;
    try {
      updated = context.getClient().resource(desired).updateStatus();
    } catch (KubernetesClientException e) {
      throw new StatusWriteFailed(e);
    }
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(observed), updated, observed);
  }
}
