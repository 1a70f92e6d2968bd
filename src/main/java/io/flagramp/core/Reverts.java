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
    Integer reverting = d.weight();
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
    Map<String, FlagClaim> held = Claims.heldByOthers(d, observed);
    if (held.keySet().containsAll(flag.keys())) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "not restored" + Claims.left(held) + "; the keys hold "
          + Intents.keys(d, observed), Notice.Kind.Warning).keep(Optional.empty());
    }
    FlagWrite.Restore restore = restoreWrite(d, observed);
    Optional<String> refused = Claims.restoreRefusal(d, observed, restore, reverting, afterSuccess);
    if (refused.isPresent()) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "not restored: " + refused.get() + "; the keys hold "
          + Intents.keys(d, observed), Notice.Kind.Warning).keep(Optional.empty());
    }
    if (Claims.own(d).filter(c -> !c.restored()).isEmpty() && restore.shownBy(observed)) {
      s.setIntent(null);
      return d.decide(Phase.RolledBack, reason, prefix + "the keys already hold their original values "
          + Intents.keys(d, observed) + Claims.left(held), Notice.Kind.Warning).keep(Optional.empty());
    }
    String id = FlagClaim.restoreId(d.attempt(), false);
    s.setIntent(FlagIntent.restore(id, reverting, observed.uid(), Timestamps.format(d.now), afterSuccess));
    if (observed.writeProblem().isPresent()) {
      // Recorded, so it is final; made by Intents once the document can be written again.
      return d.decide(Phase.RolledBack, reason, prefix + "the restore waits: ConfigMap " + flag.getConfigMapName()
          + ", " + observed.writeProblem().get() + "; it is made once the document parses again",
          Notice.Kind.Warning).keep(Optional.of(d.settings.pendingRetryInterval()));
    }
    List<Restart> restarts = Restarts.record(d, null, id);
    d.restarting(restarts);
    String restarted = restarts.isEmpty() ? "" : "; restarting " + Restarts.names(restarts);
    // Looked at again at once: the next reconcile sees the restore done and clears the intent.
    return d.decide(Phase.RolledBack, reason, prefix + restore.describe() + Claims.left(held) + restarted,
        Notice.Kind.Warning)
        .plan(Optional.of(restore), Optional.of(Duration.ZERO));
  }

  /**
   * The restore of this attempt's original values on {@code flag}, the ConfigMap as it is now: of every
   * key no other live change holds (those are left to it), under a claim on those keys alone.
   */
  static FlagWrite.Restore restoreWrite(Draft d, ObservedFlag flag) {
    Map<String, FlagClaim> held = Claims.heldByOthers(d, flag);
    List<String> keys = d.flag().keys().stream().filter(k -> !held.containsKey(k)).toList();
    Map<String, String> originals = new java.util.LinkedHashMap<>();
    Map<String, String> managers = new java.util.LinkedHashMap<>();
    Map<String, String> recorded = d.next.getOriginalManagers() == null ? Map.of() : d.next.getOriginalManagers();
    for (String k : keys) {
      if (d.next.getOriginalValues().containsKey(k)) {
        originals.put(k, d.next.getOriginalValues().get(k));
      }
      if (recorded.containsKey(k)) {
        managers.put(k, recorded.get(k));
      }
    }
    return new FlagWrite.Restore(keys, originals, managers,
        Claims.claim(d, flag, FlagClaim.restoreId(d.attempt(), false), keys));
  }
}
