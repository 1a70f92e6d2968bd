package io.flagramp.api.v1alpha1;

/** The workloads a ScalingChange may restart: what {@code kubectl rollout restart} restarts. */
public enum WorkloadKind {
  Deployment,
  StatefulSet,
  DaemonSet
}
