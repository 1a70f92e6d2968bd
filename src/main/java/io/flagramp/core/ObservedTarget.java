package io.flagramp.core;

import io.flagramp.api.v1alpha1.RestartTarget;
import java.util.Optional;

/**
 * A restart target as read just now.
 *
 * @param target which workload
 * @param exists it exists in the change's namespace
 * @param optedIn it carries the {@link OptIn#RESTART} label
 * @param restartedAt its pod template's kubectl.kubernetes.io/restartedAt annotation, if any
 * @param rolledOut its controller has rolled out its current template everywhere: the observed generation
 *     caught up, and every replica is updated, ready and available, with no old one left
 * @param progress its rollout in one line, for on-call ("1/3 updated, 0/3 ready, 2/3 available")
 */
public record ObservedTarget(RestartTarget target, boolean exists, boolean optedIn, Optional<String> restartedAt,
    boolean rolledOut, String progress) {

  public static ObservedTarget missing(RestartTarget target) {
    return new ObservedTarget(target, false, false, Optional.empty(), false, "not found");
  }

  /** It carries this restart and has rolled it out. */
  boolean rolledOut(String value) {
    return exists && rolledOut && restartedAt.filter(value::equals).isPresent();
  }
}
