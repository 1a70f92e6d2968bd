package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The way back: a failed analysis (onFailure) and an abort end here. A revert is recorded as
 * RolledBack with a Restore intent before the ConfigMap is touched, so once decided it is final for
 * the attempt: no reconcile raises the weight again, and an interrupted restore is finished first.
 */
final class Reverts {

  private Reverts() {}

  /** A failed analysis: onFailure Revert restores the original values at once; Hold freezes the flag. */
  static Plan fail(Draft d, String line, Reason reason) {
    if (d.spec().onFailureOrDefault() == OnFailure.Hold && d.weight() != null) {
      d.recordVerdict(line);
      return d.decide(Phase.Held, reason, line + ": holding at weight " + d.weight()
          + " (onFailure: Hold); abort to restore the original values", Notice.Kind.Warning)
          .keep(Optional.empty());
    }
    return revert(d, reason, line + ": reverted, ", line);
  }

  /**
   * Restores the original values: the one path for abort and for a failed analysis. The change ends
   * RolledBack with Stalled=True, and the decision names what was restored.
   */
  static Plan revert(Draft d, Reason reason, String prefix, String verdict) {
    return revert(d, reason, prefix, verdict, false);
  }

  /**
   * As {@link #revert(Draft, Reason, String, String)}; {@code afterSuccess}: the attempt had succeeded,
   * so the restore is made only while its claim is still on the ConfigMap.
   */
  static Plan revert(Draft d, Reason reason, String prefix, String verdict, boolean afterSuccess) {
    ScalingChangeStatus s = d.next;
    FlagTarget flag = d.flag();
    d.closeRunningStep(StepOutcome.RolledBack, verdict);
    s.setCurrentWeight(null);
    s.setStepStartedAt(null);
    s.setNextStepAt(null);
    s.setBakeStartedAt(null);
    s.setApproval(null);
    s.setPromotion(null);
    if (!d.started()) {
      return d.decide(Phase.RolledBack, reason, prefix + "nothing was written, nothing to restore",
          Notice.Kind.Warning).keep(Optional.empty());
    }
    if (d.o.flag().isEmpty()) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "ConfigMap " + flag.getConfigMapName()
          + " no longer exists, nothing to restore", Notice.Kind.Warning).keep(Optional.empty());
    }
    ObservedFlag observed = d.o.flag().get();
    Optional<FlagClaim> other = Claims.foreign(d, observed);
    if (other.isPresent()) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "not restored: ScalingChange " + other.get().name()
          + " holds " + String.join(", ", Claims.shared(d, other.get())) + " in ConfigMap " + flag.getConfigMapName()
          + " now; the keys hold " + Intents.keys(d, observed), Notice.Kind.Warning).keep(Optional.empty());
    }
    FlagWrite.Restore restore = restoreWrite(d, observed);
    if (Claims.own(d).filter(c -> !c.restored()).isEmpty() && restore.shownBy(observed)) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "the keys already hold their original values "
          + Intents.keys(d, observed), Notice.Kind.Warning).keep(Optional.empty());
    }
    String id = FlagClaim.restoreId(d.attempt(), false);
    s.setIntent(FlagIntent.restore(id, observed.uid(), Timestamps.format(d.now), afterSuccess));
    List<Restart> restarts = Restarts.record(d, null, id);
    d.restarting(restarts);
    String restarted = restarts.isEmpty() ? "" : "; restarting " + Restarts.names(restarts);
    // Looked at again at once: the next reconcile sees the restore done and clears the intent.
    return d.decide(Phase.RolledBack, reason, prefix + restore.describe() + restarted, Notice.Kind.Warning)
        .plan(Optional.of(restore), Optional.of(Duration.ZERO));
  }

  /** The restore of this attempt's original values on {@code flag}, the ConfigMap as it is now. */
  static FlagWrite.Restore restoreWrite(Draft d, ObservedFlag flag) {
    Map<String, String> managers = d.next.getOriginalManagers() == null ? Map.of() : d.next.getOriginalManagers();
    return new FlagWrite.Restore(d.flag().keys(), d.next.getOriginalValues(), managers,
        Claims.claim(d, flag, FlagClaim.restoreId(d.attempt(), false)));
  }
}
