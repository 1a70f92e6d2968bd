package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.util.List;

/**
 * For tests that drive a {@link Reconciliation} themselves against a real API server, outside JOSDK: the
 * status store the operator's reconciler uses (the same conditional merge patch of {@link StatusWriter},
 * without the JOSDK cache it also feeds), and the snapshot {@link ConfigMapFlagStore} makes of a
 * ConfigMap, so a test can hand a reconcile a ConfigMap as it was read earlier (a lagging cache).
 */
public final class RealApiStores {

  private RealApiStores() {}

  /** Writes and proofs straight to the API server, each conditional on the copy's resourceVersion. */
  public static Reconciliation.StatusStore statusStore(KubernetesClient client) {
    return new Reconciliation.StatusStore() {
      @Override
      public void write(ScalingChange observed, ScalingChangeStatus next) {
        try {
          StatusWriter.patch(client, observed, next);
        } catch (KubernetesClientException e) {
          throw new StatusWriteFailed(e);
        }
      }

      @Override
      public void verify(ScalingChange observed) {
        write(observed, observed.getStatus());
      }
    };
  }

  /** What the operator's flag store reads from {@code cm}: the flag's keys, owners, claims and version. */
  public static FlagStore.Snapshot snapshot(ConfigMap cm, List<String> keys) {
    return ConfigMapFlagStore.snapshot(cm, io.flagramp.core.FlagFormat.keys(keys));
  }
}
