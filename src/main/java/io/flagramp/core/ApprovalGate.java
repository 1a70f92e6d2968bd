package io.flagramp.core;

import io.flagramp.api.v1alpha1.ActionRecord;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.Step;
import java.util.Optional;

/**
 * steps[].approval: Manual. The step is entered only once a person approved it, with a new value of
 * {@code flagramp.io/approve} while the change awaits it ({@link OnCall#approve}); that approval is for
 * this step's weight only, and is used up by entering it. Asked after the soak and the analysis, so a
 * person is asked only when everything else is ready. A first step that would lower the flag (another
 * change left it higher) needs an approval too, whatever its spec says.
 */
final class ApprovalGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    if (!(move instanceof Move.EnterStep e)) {
      return new Verdict.Pass("no step to enter");
    }
    Step step = d.spec().getSteps().get(e.index());
    Optional<String> lowers = lowers(d, step);
    if (!step.manual() && lowers.isEmpty()) {
      return new Verdict.Pass("no approval needed");
    }
    ActionRecord approval = d.next.getApproval();
    if (approval != null && step.getWeight().equals(approval.getWeight())) {
      return new Verdict.Pass("approved by " + approval.getBy());
    }
    String how = how(d);
    if (lowers.isPresent()) {
      return new Verdict.Hold(Phase.AwaitingApproval, Reason.AwaitingApproval, lowers.get() + ": a person must"
          + " approve it (" + how + "), or start spec.steps at or above the flag's weight", Notice.Kind.Warning);
    }
    String where = d.weight() == null ? "the first step" : "step " + (e.index() + 1) + "/" + d.schedule.size();
    String holding = d.weight() == null ? "" : "; holding at weight " + d.weight();
    return new Verdict.Hold(Phase.AwaitingApproval, Reason.AwaitingApproval, where + " (weight " + step.getWeight()
        + ") awaits approval" + holding + ": " + how, Notice.Kind.Normal);
  }

  /**
   * What approves the step. With verified approvers a bare annotation is refused by the API server, so the
   * command that sets flagramp.io/approved-by too; with the last-editor rule, who may not.
   */
  static String how(Draft d) {
    String name = d.change().getMetadata().getName();
    Approvers approvers = d.settings.approvers();
    if (!approvers.verified()) {
      return "kubectl annotate scalingchange " + name + " " + Annotations.APPROVE + "=<a new value> --overwrite";
    }
    String how = "kubectl flagramp approve " + name;
    if (!approvers.lastEditorExcluded()) {
      return how;
    }
    return how + OnCall.annotation(d, Annotations.LAST_EDITED_BY)
        .map(editor -> ", by anyone but " + OnCall.quote(editor) + ", who last edited the spec")
        .orElse(", once someone has changed the spec under the approval policy (its last editor is not recorded)");
  }

  /**
   * Before the first write: the first step would lower the flag for users who have it now (another
   * change left it higher). Never silently: said, and approved by a person first.
   */
  static Optional<String> lowers(Draft d, Step first) {
    if (d.weight() != null || d.o.flag().isEmpty()) {
      return Optional.empty();
    }
    return Lowering.of(d.flag(), d.o.flag().get().values(), first.getWeight());
  }
}
