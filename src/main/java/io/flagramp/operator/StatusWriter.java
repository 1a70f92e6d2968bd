package io.flagramp.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * Patches the status subresource with the fields that changed (a JSON merge patch), on the condition
 * of the resourceVersion the plan was made from, and hands the result to JOSDK's cache so the next
 * reconcile reads its own write. A 409 means the object changed meanwhile (an annotation, a spec
 * edit): the plan is dropped and made again. The condition makes a patch exactly as safe as a
 * replace; it is smaller on the wire, in etcd and to every watcher.
 */
final class StatusWriter {

  private static final PatchContext MERGE = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).build();

  /** The status store of one reconcile: writes and proofs go through {@code context}'s client and cache. */
  Reconciliation.StatusStore store(Context<ScalingChange> context) {
    return new Reconciliation.StatusStore() {
      @Override
      public void write(ScalingChange observed, ScalingChangeStatus next) {
        StatusWriter.this.write(observed, next, context);
      }

      @Override
      public void verify(ScalingChange observed) {
        try {
          patch(context.getClient(), observed, observed.getStatus());
        } catch (KubernetesClientException e) {
          throw new StatusWriteFailed(e);
        }
      }
    };
  }

  void write(ScalingChange observed, ScalingChangeStatus status, Context<ScalingChange> context) {
    ScalingChange updated;
    try {
      updated = patch(context.getClient(), observed, status);
    } catch (KubernetesClientException e) {
      throw new StatusWriteFailed(e);
    }
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(observed), updated, observed);
  }

  /**
   * The patch from {@code observed}'s status to {@code status}, conditional on its resourceVersion. With
   * no difference it changes nothing (the API server writes nothing and keeps the resourceVersion) and
   * only proves {@code observed} current: a stale one is refused with 409.
   */
  static ScalingChange patch(KubernetesClient client, ScalingChange observed, ScalingChangeStatus status) {
    KubernetesSerialization json = client.getKubernetesSerialization();
    JsonNode before = observed.getStatus() == null ? JsonNodeFactory.instance.objectNode()
        : json.convertValue(observed.getStatus(), JsonNode.class);
    JsonNode after = status == null ? JsonNodeFactory.instance.objectNode() : json.convertValue(status, JsonNode.class);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.putObject("metadata").put("resourceVersion", observed.getMetadata().getResourceVersion());
    body.set("status", MergePatch.diff(before, after));
    // Through .resource(observed): Fabric8's withName(...).patch(...) GETs the object first.
    return client.resources(ScalingChange.class).inNamespace(observed.getMetadata().getNamespace())
        .resource(observed).subresource("status").patch(MERGE, body.toString());
  }
}
