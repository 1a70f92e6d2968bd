package io.flagramp.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.core.ObservedTarget;
import io.flagramp.core.OptIn;
import io.flagramp.core.Restart;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Restart targets through the API server: read with a GET each time (they are looked at only while a
 * change has some, mostly while a rollout is awaited), restarted with a JSON merge patch of the pod
 * template's annotation under the field manager {@code flagramp}, as {@code kubectl rollout restart}
 * does.
 */
public final class KubernetesWorkloads implements Workloads {

  private static final PatchContext MERGE = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
      .withFieldManager("flagramp").build();

  private final KubernetesClient client;

  public KubernetesWorkloads(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public ObservedTarget read(String namespace, RestartTarget target) {
    return switch (target.getKind()) {
      case Deployment -> deployment(target, client.apps().deployments().inNamespace(namespace)
          .withName(target.getName()).get());
      case StatefulSet -> statefulSet(target, client.apps().statefulSets().inNamespace(namespace)
          .withName(target.getName()).get());
      case DaemonSet -> daemonSet(target, client.apps().daemonSets().inNamespace(namespace)
          .withName(target.getName()).get());
    };
  }

  @Override
  public void restart(String namespace, Restart restart) {
    RestartTarget t = restart.target();
    String patch = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"" + RESTARTED_AT + "\":\""
        + restart.value() + "\"}}}}}";
    try {
      // Through .resource(...): Fabric8's withName(...).patch(...) GETs the object first.
      ObjectMeta meta = new ObjectMetaBuilder().withName(t.getName()).withNamespace(namespace).build();
      switch (t.getKind()) {
        case Deployment -> client.apps().deployments().inNamespace(namespace)
            .resource(new DeploymentBuilder().withMetadata(meta).build()).patch(MERGE, patch);
        case StatefulSet -> client.apps().statefulSets().inNamespace(namespace)
            .resource(new StatefulSetBuilder().withMetadata(meta).build()).patch(MERGE, patch);
        case DaemonSet -> client.apps().daemonSets().inNamespace(namespace)
            .resource(new DaemonSetBuilder().withMetadata(meta).build()).patch(MERGE, patch);
        default -> throw new IllegalStateException("unknown kind " + t.getKind());
      }
    } catch (KubernetesClientException e) {
      throw new RestartFailed(t.describe(), e);
    }
  }

  /** As kubectl rollout status: caught up, every replica updated and available, no old one left. */
  static ObservedTarget deployment(RestartTarget t, Deployment d) {
    if (d == null) {
      return ObservedTarget.missing(t);
    }
    int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    int updated = n(s.getUpdatedReplicas());
    int ready = n(s.getReadyReplicas());
    int available = n(s.getAvailableReplicas());
    int total = n(s.getReplicas());
    boolean caughtUp = caughtUp(d, s.getObservedGeneration());
    boolean done = caughtUp && updated == want && total == want && available == want && ready == want;
    return observed(t, d, d.getSpec().getTemplate(), done, progress(caughtUp, updated, ready, available, want)
        + (total > want ? ", " + (total - want) + " old pod(s) terminating" : ""));
  }

  static ObservedTarget statefulSet(RestartTarget t, StatefulSet ss) {
    if (ss == null) {
      return ObservedTarget.missing(t);
    }
    int want = ss.getSpec().getReplicas() == null ? 1 : ss.getSpec().getReplicas();
    StatefulSetStatus s = ss.getStatus() == null ? new StatefulSetStatus() : ss.getStatus();
    int updated = n(s.getUpdatedReplicas());
    int ready = n(s.getReadyReplicas());
    int available = n(s.getAvailableReplicas());
    boolean caughtUp = caughtUp(ss, s.getObservedGeneration());
    boolean sameRevision = s.getUpdateRevision() == null || Objects.equals(s.getCurrentRevision(),
        s.getUpdateRevision());
    boolean done = caughtUp && updated == want && ready == want && available == want && sameRevision;
    return observed(t, ss, ss.getSpec().getTemplate(), done, progress(caughtUp, updated, ready, available, want));
  }

  static ObservedTarget daemonSet(RestartTarget t, DaemonSet ds) {
    if (ds == null) {
      return ObservedTarget.missing(t);
    }
    DaemonSetStatus s = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
    int want = n(s.getDesiredNumberScheduled());
    int updated = n(s.getUpdatedNumberScheduled());
    int ready = n(s.getNumberReady());
    int available = n(s.getNumberAvailable());
    boolean caughtUp = caughtUp(ds, s.getObservedGeneration());
    boolean done = caughtUp && updated == want && ready == want && available == want;
    return observed(t, ds, ds.getSpec().getTemplate(), done, progress(caughtUp, updated, ready, available, want));
  }

  private static ObservedTarget observed(RestartTarget t, HasMetadata workload, PodTemplateSpec template,
      boolean rolledOut, String progress) {
    Map<String, String> labels = workload.getMetadata().getLabels();
    boolean optedIn = labels != null && OptIn.VALUE.equals(labels.get(OptIn.RESTART));
    Map<String, String> annotations = template == null || template.getMetadata() == null ? null
        : template.getMetadata().getAnnotations();
    Optional<String> restartedAt = Optional.ofNullable(annotations == null ? null : annotations.get(RESTARTED_AT));
    return new ObservedTarget(t, true, optedIn, restartedAt, rolledOut, rolledOut ? "rolled out" : progress);
  }

  private static boolean caughtUp(HasMetadata workload, Long observedGeneration) {
    Long generation = workload.getMetadata().getGeneration();
    return generation == null || (observedGeneration != null && observedGeneration >= generation);
  }

  private static String progress(boolean caughtUp, int updated, int ready, int available, int want) {
    if (!caughtUp) {
      return "its controller has not seen the restart yet";
    }
    return updated + "/" + want + " updated, " + ready + "/" + want + " ready, " + available + "/" + want
        + " available";
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
