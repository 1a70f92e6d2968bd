package io.flagramp.operator;

import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.core.ObservedTarget;
import io.flagramp.core.Restart;

/** Reads and restarts spec.restartTargets; nothing else of a workload is touched. */
public interface Workloads {

  /** The pod template annotation {@code kubectl rollout restart} sets, and flagramp with it. */
  String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  /** The target as it is now; {@link ObservedTarget#missing} when it does not exist. */
  ObservedTarget read(String namespace, RestartTarget target);

  /**
   * Sets the pod template's restartedAt annotation to the restart's value, which makes its controller
   * roll the pods.
   *
   * @throws RestartFailed when refused or failed; the reconcile is retried, and makes it again
   */
  void restart(String namespace, Restart restart);

  /** For a setup without workloads (a change with restart targets then finds none). */
  Workloads NONE = new Workloads() {
    @Override
    public ObservedTarget read(String namespace, RestartTarget target) {
      return ObservedTarget.missing(target);
    }

    @Override
    public void restart(String namespace, Restart restart) {
      throw new RestartFailed(restart.target().describe(), new IllegalStateException("no workloads here"));
    }
  };
}
