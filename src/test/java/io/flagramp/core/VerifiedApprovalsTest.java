package io.flagramp.core;

import static io.flagramp.core.RolloutControlsTest.runFor;
import static io.flagramp.core.RolloutControlsTest.status;
import static io.flagramp.core.RolloutControlsTest.weight;
import static io.flagramp.core.RolloutControlsTest.withApprovals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Who an approval is taken from, on the planner with a simulated clock and API. The API server's side
 * (the approval policy that makes flagramp.io/approved-by and flagramp.io/last-edited-by the
 * authenticated users) is shown in ApprovalPolicyIT; here, what the operator does with what it reads.
 */
class VerifiedApprovalsTest {

  static final Approvers VERIFIED = new Approvers(true, false);
  static final Approvers FOUR_EYES = new Approvers(true, true);

  /** The change awaits approval of step 3/4 (weight 50), at weight 5. */
  static Simulation awaiting(Approvers approvers) {
    return awaiting(approvers, withApprovals());
  }

  static Simulation awaiting(Approvers approvers, ScalingChange change) {
    Simulation sim = new Simulation(PlannerTest.SETTINGS.with(approvers), change, PlannerTest.T0);
    sim.externalWrite("USE_REDIS", "false", PlannerTest.GITOPS);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    return sim;
  }

  static HistoryEntry fifty(Simulation sim) {
    return status(sim).getHistory().stream().filter(h -> h.getWeight() == 50).findFirst().orElseThrow();
  }

  @Test
  void verifiedTheApproverIsTheAuthenticatedUserTheApiServerCheckedNotTheToolsFieldManager() {
    Simulation sim = awaiting(VERIFIED);

    sim.annotate(Annotations.APPROVED_BY, "alice@example.com");
    sim.annotateAs(Annotations.APPROVE, "go-50", "kubectl-flagramp");
    runFor(sim, Duration.ofMinutes(5));

    assertThat(weight(sim)).isEqualTo("50");
    assertThat(fifty(sim).getApproval().getBy()).isEqualTo("alice@example.com");
    assertThat(sim.events).anyMatch(e -> e.reason().equals("Approved") && e.message().equals("step 3/4 (weight 50)"
        + " approved by flagramp.io/approve=\"go-50\" (set by user \"alice@example.com\"); it is entered once its"
        + " other gates pass"));
  }

  @Test
  void verifiedAnApprovalWithoutApprovedByIsRefusedAndUsedUp() {
    Simulation sim = awaiting(VERIFIED);

    sim.annotateAs(Annotations.APPROVE, "before-the-policy", "kubectl-annotate");
    runFor(sim, Duration.ofHours(1));

    assertThat(weight(sim)).isEqualTo("5");
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(status(sim).getApproval()).isNull();
    assertThat(status(sim).getLastHandled().getApprove()).as("acted on once").isEqualTo("before-the-policy");
    assertThat(sim.events).filteredOn(e -> e.reason().equals("ApproveRefused")).singleElement()
        .satisfies(e -> {
          assertThat(e.kind()).isEqualTo(Notice.Kind.Warning);
          assertThat(e.message()).isEqualTo("flagramp.io/approve=\"before-the-policy\" (without"
              + " flagramp.io/approved-by) refused: no flagramp.io/approved-by, which the approval policy requires"
              + " with every new approval: it was set before the policy was installed, or the policy is missing;"
              + " approve again with kubectl flagramp approve use-redis");
        });
    assertThat(status(sim).getLastDecision()).as("the way to approve that the API server admits")
        .isEqualTo("step 3/4 (weight 50) awaits approval; holding at weight 5: kubectl flagramp approve use-redis");
  }

  @Test
  void theLastEditorCannotApproveTheirOwnChangeAndAnotherPersonCan() {
    ScalingChange change = withApprovals();
    change.getMetadata().getAnnotations().put(Annotations.LAST_EDITED_BY, "alice@example.com");
    Simulation sim = awaiting(FOUR_EYES, change);
    assertThat(status(sim).getLastDecision()).isEqualTo("step 3/4 (weight 50) awaits approval; holding at weight 5:"
        + " kubectl flagramp approve use-redis, by anyone but \"alice@example.com\", who last edited the spec");

    sim.annotate(Annotations.APPROVED_BY, "alice@example.com");
    sim.annotateAs(Annotations.APPROVE, "self", "kubectl-flagramp");
    runFor(sim, Duration.ofHours(1));

    assertThat(weight(sim)).isEqualTo("5");
    assertThat(status(sim).getApproval()).isNull();
    assertThat(sim.events).anyMatch(e -> e.reason().equals("ApproveRefused") && e.message().equals(
        "flagramp.io/approve=\"self\" (set by user \"alice@example.com\") refused: \"alice@example.com\" last edited"
            + " the spec (flagramp.io/last-edited-by) and may not approve it: another person must"));

    sim.annotate(Annotations.APPROVED_BY, "bob@example.com");
    sim.annotateAs(Annotations.APPROVE, "four-eyes", "kubectl-flagramp");
    runFor(sim, Duration.ofMinutes(5));

    assertThat(weight(sim)).isEqualTo("50");
    assertThat(fifty(sim).getApproval().getBy()).isEqualTo("bob@example.com");
    assertThat(fifty(sim).getApproval().getValue()).isEqualTo("four-eyes");
  }

  @Test
  void withTheLastEditorRuleNoOneApprovesWhileTheLastEditorIsNotRecorded() {
    Simulation sim = awaiting(FOUR_EYES);

    sim.annotate(Annotations.APPROVED_BY, "bob@example.com");
    sim.annotateAs(Annotations.APPROVE, "go", "kubectl-flagramp");
    runFor(sim, Duration.ofHours(1));

    assertThat(weight(sim)).isEqualTo("5");
    assertThat(sim.events).anyMatch(e -> e.reason().equals("ApproveRefused") && e.message().contains(
        "refused: who last edited the spec is not recorded (no flagramp.io/last-edited-by: it was last edited before"
            + " the approval policy was installed), so this cannot be told apart from a self-approval"));
    assertThat(status(sim).getLastDecision()).endsWith("kubectl flagramp approve use-redis, once someone has changed"
        + " the spec under the approval policy (its last editor is not recorded)");
  }

  @Test
  void byFieldManagerTheApprovedByAnnotationIsNotTrusted() {
    Simulation sim = awaiting(Approvers.FIELD_MANAGER);

    sim.annotate(Annotations.APPROVED_BY, "someone-important@example.com");
    sim.annotateAs(Annotations.APPROVE, "go-50", "kubectl-annotate");
    runFor(sim, Duration.ofMinutes(5));

    assertThat(fifty(sim).getApproval().getBy()).isEqualTo("kubectl-annotate");
  }

  @Test
  void anApprovalWhileNothingWaitsIsIgnoredBeforeItsApproverIsJudged() {
    Simulation sim = new Simulation(PlannerTest.SETTINGS.with(FOUR_EYES), withApprovals(), PlannerTest.T0);
    sim.externalWrite("USE_REDIS", "false", PlannerTest.GITOPS);
    sim.runUntilStep(0);

    sim.annotateAs(Annotations.APPROVE, "early", "kubectl-annotate");
    runFor(sim, Duration.ofMinutes(1));

    assertThat(sim.events).anyMatch(e -> e.reason().equals("ApproveIgnored") && e.message().startsWith(
        "flagramp.io/approve=\"early\" (without flagramp.io/approved-by) ignored: no step awaits approval"));
    assertThat(sim.events).noneMatch(e -> e.reason().equals("ApproveRefused"));
  }

  @Test
  void theLastEditorRuleNeedsVerifiedUsers() {
    assertThatThrownBy(() -> new Approvers(false, true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only when both are verified users");
  }
}
