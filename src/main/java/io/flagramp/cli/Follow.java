package io.flagramp.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Watches ScalingChanges (one, a namespace's, or all) through an informer, which lists, watches and
 * reconnects, and wakes its reader on every change. The reader blocks in {@link #next}; nothing polls.
 */
final class Follow implements AutoCloseable {

  private final SharedIndexInformer<ScalingChange> informer;
  private final BlockingQueue<Boolean> changes = new LinkedBlockingQueue<>();
  private volatile boolean deleted;

  private Follow(Kube kube, Optional<String> name, boolean allNamespaces) {
    ResourceEventHandler<ScalingChange> handler = new ResourceEventHandler<>() {
      @Override
      public void onAdd(ScalingChange obj) {
        changes.offer(true);
      }

      @Override
      public void onUpdate(ScalingChange before, ScalingChange after) {
        changes.offer(true);
      }

      @Override
      public void onDelete(ScalingChange obj, boolean finalStateUnknown) {
        deleted = true;
        changes.offer(true);
      }
    };
    try {
      informer = name.isPresent() ? kube.change(name.get()).inform(handler)
          : allNamespaces ? kube.changes().inAnyNamespace().inform(handler)
          : kube.changes().inNamespace(kube.namespace).inform(handler);
    } catch (KubernetesClientException e) {
      throw kube.explain(e, "watching scalingchanges");
    }
  }

  /** The one named ScalingChange. */
  static Follow one(Kube kube, String name) {
    return new Follow(kube, Optional.of(name), false);
  }

  /** Every ScalingChange of the namespace, or of all. */
  static Follow all(Kube kube, boolean allNamespaces) {
    return new Follow(kube, Optional.empty(), allNamespaces);
  }

  /** Blocks until something changed (true) or {@code timeout} passed (false). */
  boolean next(Duration timeout) throws InterruptedException {
    Boolean changed = changes.poll(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    changes.clear();
    return changed != null;
  }

  List<ScalingChange> items() {
    return informer.getStore().list();
  }

  /** The followed object as last seen; empty once deleted (or before it exists). */
  Optional<ScalingChange> one() {
    List<ScalingChange> items = items();
    return items.isEmpty() ? Optional.empty() : Optional.of(items.get(0));
  }

  boolean deleted() {
    return deleted;
  }

  @Override
  public void close() {
    informer.close();
  }
}
