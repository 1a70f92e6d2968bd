package io.flagramp.core;

import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
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
 *       in one write). Not done, and the step may still be made — the keys hold what they held when it
 *       was decided (not merely the step's own values: had the write landed, the claim would say so), no
 *       other change claims them, the attempt's own claim is on the object (after the
 *       first step), and the gates a step is entered by still pass now (not suspended, inside the deploy
 *       windows, still the next step of the schedule as edited, approved if it needs approval, its restart
 *       targets there and opted in): it is made now. Otherwise it never happened, and status is rewound to
 *       before it, with an Event that says why and what the flag holds.
 *   <li>If the ConfigMap it was decided on was deleted since (its uid is recorded), nothing of the write
 *       is there either way: the intent is over, and the normal rules see the ConfigMap as it is.
 *   <li>A restore is done when the ConfigMap shows it: this attempt's claim marked restored, or no claim
 *       of the attempt and every key holding its original value (absent where it was absent). Otherwise
 *       it is made again, on whatever ConfigMap of that name exists now, unless another live change's
 *       claim holds the keys (then it is over, not made, and said), or the attempt had succeeded and its
 *       claim is gone (someone took the keys since: over, and said). A revert, once decided, always
 *       completes.
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
    if (intent.getAction() == FlagIntent.Action.Restore) {
      return finishRestore(d, intent);
    }
    Optional<ObservedFlag> flag = d.o.flag();
    if (flag.isEmpty() || !flag.get().uid().equals(intent.getConfigMapUid())) {
      // The ConfigMap it was decided on is gone: whether or not the write reached it, nothing of it is
      // on the ConfigMap now. The normal rules see what is there (none, or one without the flag).
      d.intentDone();
      return Optional.empty();
    }
    Optional<FlagClaim> ours = Claims.own(d);
    if (ours.map(c -> FlagClaim.order(c.applied()) >= FlagClaim.order(intent.getId())).orElse(false)) {
      d.intentDone();  // made (or made and passed by a later write of the attempt)
      return Optional.empty();
    }
    Optional<String> refused = refusal(d, intent, flag.get(), ours);
    if (refused.isEmpty()) {
      // Only from what it was decided on: the claim would carry the intent's id had this write landed, so
      // keys that already hold its values were set by someone else, and the decision is stale.
      Map<String, String> now = keys(d, flag.get());
      if (now.equals(intent.getFrom())) {
        if (intent.getFromWeight() == null) {
          // The same values, but maybe from another writer since: the keys go back to whoever holds them as
          // this write takes them (recorded with the intent's status write, before it).
          d.next.setOriginalManagers(StepEntry.owners(flag.get(), now));
        }
        restartSoak(d, intent.getWeight());
        return Optional.of(finishing(d, StepEntry.write(d, intent.getValues(), intent.getId(), flag.get()),
            "writing weight " + intent.getWeight()));
      }
      refused = Optional.of("the flag's keys changed since (" + now + ", was " + intent.getFrom() + ")");
    }
    rewind(d, intent);
    d.note(Notice.warning("StepNotWritten", "the step to weight " + intent.getWeight() + " decided at "
        + Timestamps.human(Timestamps.parse(intent.getDecidedAt())) + " was not written: " + refused.get() + "; "
        + holds(d, flag.get())));
    return Optional.empty();
  }

  /**
   * Why the step's write may not be made now, though it was decided: everything a step is entered by
   * that can have changed since, asked again at the moment of the write.
   */
  private static Optional<String> refusal(Draft d, FlagIntent intent, ObservedFlag flag, Optional<FlagClaim> ours) {
    Optional<FlagClaim> other = Claims.foreign(d, flag);
    if (other.isPresent()) {
      return Optional.of("ScalingChange " + other.get().name() + " holds " + String.join(", ",
          Claims.shared(d, other.get())));
    }
    if (intent.getFromWeight() != null && Claims.refusal(d, flag).isPresent()) {
      return Optional.of(Claims.refusal(d, flag).get().line());
    }
    Optional<Gate.Verdict.Hold> writable = WritableGate.refusal(d, flag);
    if (writable.isPresent()) {
      return Optional.of(writable.get().line());
    }
    if (d.spec().suspended()) {
      return Optional.of("spec.suspend is set");
    }
    Optional<WindowCalendar> windows = WindowCalendar.of(d.spec().getWindows());
    if (windows.isPresent() && !windows.get().open(d.now)) {
      return Optional.of(windows.get().blockedAt(d.now).map(WindowCalendar.Blocked::describe)
          .orElse("outside the deploy windows " + windows.get().describe()));
    }
    var next = d.schedule.next(intent.getFromWeight());
    if (next.isEmpty() || d.schedule.weight(next.getAsInt()) != intent.getWeight()) {
      return Optional.of("spec.steps was edited: the step after " + (intent.getFromWeight() == null
          ? "the original values" : "weight " + intent.getFromWeight()) + " is now " + (next.isEmpty() ? "none"
          : "weight " + d.schedule.weight(next.getAsInt())));
    }
    Step step = d.spec().getSteps().get(next.getAsInt());
    if (step.manual() && approvalOf(d, intent).isEmpty()) {
      return Optional.of("step " + (next.getAsInt() + 1) + "/" + d.schedule.size() + " now needs approval");
    }
    Gate.Verdict targets = new TargetsGate().check(d, new Move.EnterStep(next.getAsInt()));
    if (targets instanceof Gate.Verdict.Hold h) {
      return Optional.of(h.line());
    }
    return Optional.empty();
  }

  /** The approval the step's own history row took when it was decided, if it took one. */
  private static Optional<io.flagramp.api.v1alpha1.ActionRecord> approvalOf(Draft d, FlagIntent intent) {
    List<HistoryEntry> history = d.next.getHistory() == null ? List.of() : d.next.getHistory();
    return history.stream().filter(h -> h.getOutcome() == StepOutcome.Running && h.getAttempt() == d.attempt()
            && intent.getWeight().equals(h.getWeight()) && h.getApproval() != null
            && intent.getWeight().equals(h.getApproval().getWeight()))
        .map(HistoryEntry::getApproval).findFirst();
  }

  /** What the flag holds, for an Event that says a write was not made. */
  private static String holds(Draft d, ObservedFlag flag) {
    Integer weight = d.next.getCurrentWeight();
    return weight == null ? "the flag keeps " + keys(d, flag) : "the flag stays at weight " + weight;
  }

  /**
   * A restore decided and recorded: done when the ConfigMap shows it, made (again) otherwise, unless it
   * may no longer be made.
   */
  private static Optional<Plan> finishRestore(Draft d, FlagIntent intent) {
    Optional<ObservedFlag> observed = d.o.flag();
    String cm = d.flag().getConfigMapName();
    if (observed.isEmpty()) {
      d.intentDone();
      d.note(Notice.warning("RestoreSkipped", "ConfigMap " + cm + " no longer exists: nothing to restore"));
      return Optional.empty();
    }
    ObservedFlag flag = observed.get();
    if (Claims.aheadOfStatus(d)) {
      // A later attempt of this change claims the keys: this copy of the change is stale. Nothing is
      // written; the reconcile that reads the current one decides.
      return Optional.of(d.keep(Optional.of(Duration.ofSeconds(1))));
    }
    FlagWrite.Restore restore = Reverts.restoreWrite(d, flag);
    Optional<FlagClaim> ours = Claims.own(d);
    if (ours.map(FlagClaim::restored).orElse(false) || (ours.isEmpty() && restore.shownBy(flag))) {
      d.intentDone();
      return Optional.empty();
    }
    Map<String, FlagClaim> held = Claims.heldByOthers(d, flag);
    if (held.keySet().containsAll(d.flag().keys())) {
      d.intentDone();
      d.note(Notice.warning("RestoreSkipped", "not restored" + Claims.left(held) + " in ConfigMap " + cm
          + "; the keys hold " + keys(d, flag)));
      return Optional.empty();
    }
    Optional<String> refused = Claims.restoreRefusal(d, flag, restore, intent.getFromWeight(), intent.needsClaim());
    if (refused.isPresent()) {
      d.intentDone();
      d.note(Notice.warning("RestoreSkipped", "not restored: " + refused.get() + "; the keys hold " + keys(d, flag)));
      return Optional.empty();
    }
    if (flag.writeProblem().isPresent()) {
      return Optional.of(d.keep(Optional.of(d.settings.pendingRetryInterval())));  // Reverts said so when it decided
    }
    return Optional.of(finishing(d, restore, "restoring the original values (" + restore.describe() + ")"));
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
    SpecEdits.note(d);
    return d.acknowledge("IntentFinished", "finished the interrupted write: " + what, Notice.Kind.Normal)
        .plan(Optional.of(write), Optional.of(Duration.ZERO));
  }

  /**
   * The step's write never happened: status goes back to before it was decided. For the first step
   * that is "not started"; for a later one, the previous weight with its soak and history row.
   */
  static void rewind(Draft d, FlagIntent intent) {
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
      s.setConfigMapUid(null);
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
