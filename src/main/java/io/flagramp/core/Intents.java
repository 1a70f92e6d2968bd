package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Write-ahead: every ConfigMap write is recorded in status.intent first, and each reconcile begins
 * here, finishing an unfinished one before anything else is decided. A crash or a 409 between the
 * two writes therefore never leaves the flag and the status disagreeing about what was done.
 *
 * <ul>
 *   <li>A step is done when the ConfigMap's claim carries the intent's id (written with the values,
 *       in one write). Not done, and the keys still hold what they held when it was decided: it is
 *       made now. Not done, and someone else changed the keys (or claimed them, or took the ConfigMap's
 *       opt-in label away) meanwhile: it never
 *       happened, and status is rewound to before it, so the normal rules see the change (the first
 *       step's original values are then read afresh).
 *   <li>If the ConfigMap it was decided on was deleted since (its uid is recorded), nothing of the write
 *       is there either way: the intent is over, and the normal rules see the ConfigMap as it is.
 *   <li>A restore is done when the change's claim is gone from the ConfigMap (the restore removes it
 *       last, and a change that never wrote never put one there), or the ConfigMap is gone. Otherwise
 *       it is made again: a revert, once decided, always completes.
 * </ul>
 *
 * Making an intent that already took effect again changes nothing: the values are the same.
 */
final class Intents {

  private Intents() {}

  /** A plan that finishes the recorded intent, or empty when there is none left to finish. */
  static Optional<Plan> finish(Draft d) {
    FlagIntent intent = d.next.getIntent();
    if (intent == null) {
      return Optional.empty();
    }
    Optional<ObservedFlag> flag = d.o.flag();
    if (flag.isEmpty() || !flag.get().uid().equals(intent.getConfigMapUid())) {
      // The ConfigMap it was decided on is gone: whether or not the write reached it, nothing of it is
      // on the ConfigMap now. The normal rules see what is there (none, or one without the flag).
      d.intentDone();
      return Optional.empty();
    }
    Optional<FlagClaim> ours = flag.flatMap(f -> f.claimOf(d.uid())).map(ObservedFlag.ObservedClaim::claim);
    if (intent.getAction() == FlagIntent.Action.Restore) {
      if (ours.isEmpty()) {
        d.intentDone();
        return Optional.empty();
      }
      FlagWrite.Restore restore = Reverts.restoreWrite(d);
      return Optional.of(finishing(d, restore, "restoring the original values (" + restore.describe() + ")"));
    }
    if (ours.map(c -> intent.getId().equals(c.applied())).orElse(false)) {
      d.intentDone();
      return Optional.empty();
    }
    if (foreignLiveClaim(d, flag.get()).isEmpty() && WritableGate.refusal(d, flag.get()).isEmpty()) {
      Map<String, String> now = keys(d, flag.get());
      if (now.equals(intent.getFrom()) || now.equals(intent.getValues())) {
        restartSoak(d, intent.getWeight());
        return Optional.of(finishing(d, StepEntry.write(d, intent.getValues(), intent.getId(), flag.get()),
            "writing weight " + intent.getWeight()));
      }
    }
    rewind(d, intent);
    return Optional.empty();
  }

  /** The flag's keys as they are now (a missing key is absent from the map). */
  static Map<String, String> keys(Draft d, ObservedFlag flag) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : d.flag().keys()) {
      if (flag.values().containsKey(key)) {
        values.put(key, flag.values().get(key));
      }
    }
    return values;
  }

  /** A claim of another change that still holds one of these keys. */
  static Optional<FlagClaim> foreignLiveClaim(Draft d, ObservedFlag flag) {
    return flag.claims().stream()
        .filter(c -> c.live() && !c.claim().uid().equals(d.uid()) && c.claim().overlaps(d.flag().keys()))
        .map(ObservedFlag.ObservedClaim::claim)
        .findFirst();
  }

  /**
   * The step's soak counts from when the flag holds its weight: a write made only now (after a crash or
   * a 409) starts it now, not when it was decided. Recorded with the intent, before the write.
   */
  private static void restartSoak(Draft d, int weight) {
    ScalingChangeStatus s = d.next;
    s.setStepStartedAt(Timestamps.format(d.now));
    s.setNextStepAt(Timestamps.format(d.now.plus(d.schedule.pauseAt(weight))));
    if (s.getRestart() != null && Integer.valueOf(weight).equals(s.getRestart().getWeight())) {
      s.getRestart().setRequestedAt(Timestamps.format(d.now));  // the targets are restarted after this write
      s.setNextStepAt(null);
    }
    if (s.getHistory() != null) {
      s.getHistory().stream().filter(h -> h.getOutcome() == StepOutcome.Running && h.getAttempt() == d.attempt()
          && h.getWeight() == weight).forEach(h -> h.setStartedAt(Timestamps.format(d.now)));
    }
  }

  private static Plan finishing(Draft d, FlagWrite write, String what) {
    return d.acknowledge("IntentFinished", "finished the interrupted write: " + what, Notice.Kind.Normal)
        .plan(Optional.of(write), Optional.of(Duration.ZERO));
  }

  /**
   * The step's write never happened: status goes back to before it was decided. For the first step
   * that is "not started"; for a later one, the previous weight with its soak and history row.
   */
  private static void rewind(Draft d, FlagIntent intent) {
    ScalingChangeStatus s = d.next;
    s.setIntent(null);
    if (s.getRestart() != null && intent.getWeight().equals(s.getRestart().getWeight())) {
      s.setRestart(null);  // its write never happened, so neither did its restart
    }
    List<HistoryEntry> history = s.getHistory() == null ? List.of() : s.getHistory();
    history.stream().filter(h -> h.getOutcome() == StepOutcome.Running && h.getAttempt() == d.attempt()
        && intent.getWeight().equals(h.getWeight()) && h.getApproval() != null)
        .findFirst().ifPresent(h -> s.setApproval(h.getApproval()));  // the step was not entered: still approved
    history.removeIf(h -> h.getOutcome() == StepOutcome.Running && h.getAttempt() == d.attempt()
        && intent.getWeight().equals(h.getWeight()));
    if (intent.getFromWeight() == null) {
      s.setOriginalValues(null);
      s.setOriginalManagers(null);
      s.setCurrentWeight(null);
      s.setStepStartedAt(null);
      s.setNextStepAt(null);
      return;
    }
    s.setCurrentWeight(intent.getFromWeight());
    for (int i = history.size() - 1; i >= 0; i--) {
      HistoryEntry h = history.get(i);
      if (h.getAttempt() == d.attempt() && intent.getFromWeight().equals(h.getWeight())) {
        h.setOutcome(StepOutcome.Running);
        h.setEndedAt(null);
        h.setVerdict(null);
        s.setStepStartedAt(h.getStartedAt());
        s.setNextStepAt(Timestamps.format(Timestamps.parse(h.getStartedAt())
            .plus(d.schedule.pauseAt(intent.getFromWeight()))));
        break;
      }
    }
  }
}
