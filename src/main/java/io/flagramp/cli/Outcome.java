package io.flagramp.cli;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.util.Optional;

/**
 * What {@code wait} ends with: a phase the change will not leave by itself, judged only on a status
 * that is current ({@link Unacted}), with its exit code and the decision line.
 */
record Outcome(int exitCode, String line) {

  /** The end of the wait, or empty while the change is still on its way (or its status is not current). */
  static Optional<Outcome> of(ScalingChange sc) {
    if (!Unacted.of(sc).isEmpty()) {
      return Optional.empty();
    }
    ScalingChangeStatus s = sc.getStatus();
    // Held may resume by itself (data or answers again), but it waits for a person or a fix as it stands.
    Integer code = switch (s.getPhase()) {
      case Succeeded -> ExitCodes.OK;
      case RolledBack -> ExitCodes.ROLLED_BACK;
      case Held -> ExitCodes.HELD;
      case Invalid -> ExitCodes.INVALID;
      case Pending, Progressing, AwaitingApproval, Baking, Paused -> null;
    };
    if (code == null) {
      return Optional.empty();
    }
    return Optional.of(new Outcome(code, describe(sc)));
  }

  /** "use-redis RolledBack (ThresholdBreached): error-rate 0.031 > max 0.01 (3/3) at weight 10: reverted". */
  static String describe(ScalingChange sc) {
    ScalingChangeStatus s = sc.getStatus();
    if (s == null || s.getPhase() == null) {
      return sc.getMetadata().getName() + ": no status yet (is the operator running?)";
    }
    Phase phase = s.getPhase();
    String reason = s.getReason() == null ? "" : " (" + s.getReason() + ")";
    String decision = s.getLastDecision() == null ? "" : ": " + s.getLastDecision();
    return sc.getMetadata().getName() + " " + phase + reason + decision;
  }
}
