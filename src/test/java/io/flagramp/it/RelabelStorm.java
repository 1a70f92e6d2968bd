package io.flagramp.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.ScalingChange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that relabel one ScalingChange as fast as the API server takes it, each in its own thread,
 * as GitOps tools, a shard relabel and a person's kubectl might at once: every write of the operator's
 * made on a copy read before one of theirs meets a real 409.
 */
public final class RelabelStorm implements AutoCloseable {

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong relabels = new AtomicLong();
  private final List<Thread> clients = new ArrayList<>();

  public RelabelStorm(KubernetesClient client, String namespace, String name, int count) {
    for (int i = 0; i < count; i++) {
      String label = "storm-" + i;
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            client.resources(ScalingChange.class).inNamespace(namespace).withName(name).patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"" + label + "\":\""
                    + relabels.incrementAndGet() + "\"}}}");
          } catch (KubernetesClientException e) {
            // not created yet, or gone: keep going until closed
          }
        }
      }, "relabel-" + namespace + "-" + i);
      t.setDaemon(true);
      t.start();
      clients.add(t);
    }
  }

  /** Relabels made so far, by all clients. */
  public long relabels() {
    return relabels.get();
  }

  @Override
  public void close() {
    running.set(false);
    for (Thread t : clients) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
