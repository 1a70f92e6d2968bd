package io.flagramp.core;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.flagramp.api.v1alpha1.ActionRecord;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.api.v1alpha1.Text;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The on-call annotations. Each is acted on once per distinct value and acknowledged in
 * status.lastHandled and an Event; setting the same value again does nothing.
 */
final class OnCall {

  private OnCall() {}

  /** A new annotation value to act on, if there is one. */
  static Optional<String> fresh(Draft d, String annotation, String handled) {
    Map<String, String> annotations = d.change().getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(annotation);
    return value == null || Text.handled(value).equals(handled) ? Optional.empty() : Optional.of(value);
  }

  /**
   * flagramp.io/abort: restore now, whatever the phase, whenever the attempt has recorded original
   * values; a Succeeded change too, unless another change has claimed its keys since.
   */
  static Plan abort(Draft d, String value) {
    d.handled().setAbort(value);
    String by = "flagramp.io/abort=" + quote(Text.cap(value, Text.HANDLED));
    Phase phase = d.phase();
    if (phase == Phase.RolledBack) {
      return d.acknowledge(Reason.Aborted.name(), by + " acknowledged: already rolled back, nothing to do",
          Notice.Kind.Normal).keep(Optional.empty());
    }
    if (phase == Phase.Succeeded && d.started()) {
      // The claim is the record that nobody wrote the keys since: a change that took them removed it, and
      // its removal outlives that change. Without it, restoring would undo someone else's writes.
      boolean held = d.o.flag().isPresent() && Claims.ownOrCopied(d).isPresent();
      if (!held) {
        String cm = d.flag().getConfigMapName();
        String why = d.o.flag().isEmpty() ? "ConfigMap " + cm + " no longer exists"
            : !d.boundTo(d.o.flag().get()) ? "ConfigMap " + cm + " was deleted and created again since this change"
                + " succeeded, without its claim"
            : "this change's claim is gone from ConfigMap " + cm + ": another ScalingChange (or a person) has"
                + " taken " + String.join(", ", d.flag().keys()) + " since it succeeded";
        return d.acknowledge("AbortRefused", by + " not carried out: " + why + "; restoring would undo writes"
            + " made since, so nothing is written", Notice.Kind.Warning).keep(Optional.empty());
      }
    }
    if (!d.started()) {
      return d.decide(Phase.RolledBack, Reason.Aborted, "aborted by " + by + " before the first write: nothing"
          + " to restore", Notice.Kind.Warning).keep(Optional.empty());
    }
    String where = (phase == Phase.Succeeded ? "after it succeeded " : "")
        + (d.weight() == null ? "" : "at weight " + d.weight() + " (step " + d.progress() + ")");
    return Reverts.revert(d, Reason.Aborted, "aborted by " + by + " " + where + ": ", "aborted by " + by,
        phase == Phase.Succeeded);
  }

  /** flagramp.io/retry: after RolledBack, a new attempt from the first step. Otherwise acknowledged only. */
  static Plan retry(Draft d, String value) {
    d.handled().setRetry(value);
    String by = "flagramp.io/retry=" + quote(Text.cap(value, Text.HANDLED));
    if (d.phase() == Phase.RolledBack) {
      return newAttempt(d, "retry requested by " + by + " after RolledBack");
    }
    return d.acknowledge("RetryIgnored", by + " ignored: the change is " + d.phase() + "; a retry starts a"
        + " new attempt only after RolledBack", Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
  }

  /**
   * flagramp.io/approve: while the change awaits approval, approves the step that waits (its weight),
   * once, if its approver may ({@link #approver}, {@link #refusal}); recorded in status.approval and, when
   * the step is entered, in its history row. At any other time it is acknowledged and does nothing: an
   * approval is never kept for a step that does not wait yet. A refused one is used up too: to approve,
   * set a new value.
   */
  static Plan approve(Draft d, String value) {
    d.handled().setApprove(value);
    Optional<String> approver = approver(d);
    String by = approver.map(a -> "set by " + (d.settings.approvers().verified() ? "user " + quote(a) : a))
        .orElse("without " + Annotations.APPROVED_BY);
    String what = Annotations.APPROVE + "=" + quote(Text.cap(value, Text.HANDLED)) + " (" + by + ")";
    Move move = Move.after(d);
    if (d.phase() != Phase.AwaitingApproval || !(move instanceof Move.EnterStep e)) {
      return d.acknowledge("ApproveIgnored", what + " ignored: no step awaits approval (the change is "
          + d.phase() + "); an approval counts only while one does", Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
    }
    Optional<String> refused = refusal(d, approver);
    if (refused.isPresent()) {
      return d.acknowledge("ApproveRefused", what + " refused: " + refused.get(), Notice.Kind.Warning)
          .keep(Optional.of(Duration.ZERO));
    }
    int weight = d.schedule.weight(e.index());
    d.next.setApproval(new ActionRecord(weight, value, approver.get(), Timestamps.format(d.now)));
    return d.acknowledge("Approved", "step " + (e.index() + 1) + "/" + d.schedule.size() + " (weight " + weight
        + ") approved by " + what + "; it is entered once its other gates pass", Notice.Kind.Normal)
        .keep(Optional.of(Duration.ZERO));
  }

  /**
   * Who approved. With verified approvers, the user in flagramp.io/approved-by, whom the approval policy
   * made the API server check against the authenticated user when flagramp.io/approve took its value;
   * empty when it is missing. Otherwise the field manager that set flagramp.io/approve ({@link #setBy}).
   */
  static Optional<String> approver(Draft d) {
    if (!d.settings.approvers().verified()) {
      return Optional.of(setBy(d, Annotations.APPROVE));
    }
    return annotation(d, Annotations.APPROVED_BY);
  }

  /**
   * Why {@code approver} may not approve the change; empty when they may. Without a verified approver no
   * one may; with the last-editor rule, not the user who last changed the spec, and no one while that is
   * not recorded: an approval that cannot be told apart from a self-approval is refused.
   */
  static Optional<String> refusal(Draft d, Optional<String> approver) {
    if (approver.isEmpty()) {
      return Optional.of("no " + Annotations.APPROVED_BY + ", which the approval policy requires with every new"
          + " approval: it was set before the policy was installed, or the policy is missing; approve again with"
          + " kubectl flagramp approve " + d.change().getMetadata().getName());
    }
    if (!d.settings.approvers().lastEditorExcluded()) {
      return Optional.empty();
    }
    Optional<String> editor = annotation(d, Annotations.LAST_EDITED_BY);
    if (editor.isEmpty()) {
      return Optional.of("who last edited the spec is not recorded (no " + Annotations.LAST_EDITED_BY + ": it was"
          + " last edited before the approval policy was installed), so this cannot be told apart from a"
          + " self-approval; once someone changes the spec under the policy, another person may approve");
    }
    if (editor.get().equals(approver.get())) {
      return Optional.of(quote(approver.get()) + " last edited the spec (" + Annotations.LAST_EDITED_BY + ") and may"
          + " not approve it: another person must");
    }
    return Optional.empty();
  }

  /** An annotation's value; empty when it is absent or blank. */
  static Optional<String> annotation(Draft d, String key) {
    Map<String, String> annotations = d.change().getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(key)).filter(v -> !v.isBlank());
  }

  /**
   * flagramp.io/promote: ends the soak (or the bake) of the current step now. The analysis must still
   * pass: the next step follows once every metric passed in this step. Acknowledged and ignored when
   * nothing soaks.
   */
  static Plan promote(Draft d, String value) {
    d.handled().setPromote(value);
    String by = setBy(d, Annotations.PROMOTE);
    String what = Annotations.PROMOTE + "=" + quote(Text.cap(value, Text.HANDLED)) + " (set by " + by + ")";
    // An unfinished intent was finished before on-call annotations are looked at (Planner).
    boolean running = d.started() && d.weight() != null
        && (d.phase() == Phase.Progressing || d.phase() == Phase.Baking);
    // A step whose cohort metric is still undecided past its pause waits for evidence or a person: a
    // promote is that person's decision to go on without it (a Fail still reverts; other metrics must pass).
    boolean undecided = d.started() && d.weight() != null && d.reason() == Reason.Undecided
        && (d.phase() == Phase.Progressing || d.phase() == Phase.Held);
    if (undecided) {
      ActionRecord promotion = new ActionRecord(d.weight(), value, by, Timestamps.format(d.now));
      d.next.setPromotion(promotion);
      if (d.next.getHistory() != null) {
        d.next.getHistory().stream().filter(h -> h.getOutcome() == StepOutcome.Running)
            .forEach(h -> h.setPromotion(promotion.copy()));
      }
      return d.acknowledge("Promoted", "step " + d.progress() + " at weight " + d.weight() + " goes on without a"
          + " verdict on its undecided cohort metrics, by " + what + "; every other metric must still pass",
          Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
    }
    if (!running) {
      return d.acknowledge("PromoteIgnored", what + " ignored: no soak to end (the change is " + d.phase()
          + (d.reason() == null ? "" : " " + d.reason()) + ")", Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
    }
    Move move = Move.after(d);
    if (!d.now.isBefore(SoakGate.due(d, move))) {
      return d.acknowledge("PromoteIgnored", what + " ignored: the soak at weight " + d.weight() + " is already"
          + " over; the change waits for: " + d.next.getLastDecision(), Notice.Kind.Normal)
          .keep(Optional.of(Duration.ZERO));
    }
    ActionRecord promotion = new ActionRecord(d.weight(), value, by, Timestamps.format(d.now));
    d.next.setPromotion(promotion);
    d.next.setNextStepAt(Timestamps.format(d.now));
    if (d.next.getHistory() != null) {
      d.next.getHistory().stream().filter(h -> h.getOutcome() == StepOutcome.Running)
          .forEach(h -> h.setPromotion(promotion.copy()));
    }
    String stage = move instanceof Move.Succeed ? "the bake" : "the soak of step " + d.progress();
    return d.acknowledge("Promoted", stage + " at weight " + d.weight() + " ended early by " + what
        + "; the change moves on once its analysis passes", Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
  }

  /**
   * Who set an annotation: the field manager that owns it in metadata.managedFields (the latest, if
   * several do); "unknown" when none is recorded.
   */
  static String setBy(Draft d, String annotation) {
    List<ManagedFieldsEntry> entries = d.change().getMetadata().getManagedFields();
    if (entries == null) {
      return "unknown";
    }
    return entries.stream().filter(e -> owns(e, annotation))
        .max(Comparator.comparing(e -> e.getTime() == null ? "" : e.getTime()))
        .map(e -> e.getManager() == null || e.getManager().isBlank() ? "unknown" : e.getManager())
        .orElse("unknown");
  }

  private static boolean owns(ManagedFieldsEntry entry, String annotation) {
    if (entry.getFieldsV1() == null || entry.getFieldsV1().getAdditionalProperties() == null) {
      return false;
    }
    Object metadata = entry.getFieldsV1().getAdditionalProperties().get("f:metadata");
    Object annotations = metadata instanceof Map<?, ?> m ? m.get("f:annotations") : null;
    return annotations instanceof Map<?, ?> a && a.containsKey("f:" + annotation);
  }

  /** Everything of the attempt that ended is let go; what it did stays in history. */
  private static Plan newAttempt(Draft d, String why) {
    ScalingChangeStatus s = d.next;
    s.setAttempt(d.attempt() + 1);
    s.setCurrentWeight(null);
    s.setStepStartedAt(null);
    s.setNextStepAt(null);
    s.setBakeStartedAt(null);
    s.setOriginalValues(null);
    s.setOriginalManagers(null);
    s.setConfigMapUid(null);
    s.setBaseline(null);
    s.setBaselineAt(null);
    s.setBaselineBasis(null);
    s.setMetrics(null);
    s.setIntent(null);
    s.setApproval(null);
    s.setPromotion(null);
    return d.decide(Reason.NewAttempt, why + ": starting attempt " + s.getAttempt() + " from the first step",
        Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }

  /** Quoted, and when long (a flagd flag's definition) cut to its start on one line. */
  static String quoteShort(String s) {
    if (s.length() <= 60) {
      return quote(s);
    }
    String oneLine = s.replaceAll("\\s+", " ");
    return quote(oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...");
  }
}
