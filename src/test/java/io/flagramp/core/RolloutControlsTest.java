package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.api.v1alpha1.Weekday;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Approval gates, promote and deploy windows, on the planner with a simulated clock and API. */
class RolloutControlsTest {

  static final String PCT = "USE_REDIS_PERCENTAGE";

  /** 1% → 5% → 50% (Manual) → 100% (Manual), 1m soaks. */
  static ScalingChange withApprovals() {
    ScalingChange change = Changes.change("use-redis").step(1, "1m").step(5, "1m").step(50, "1m").step(100, "1m")
        .build();
    change.getSpec().getSteps().get(2).setApproval(Approval.Manual);
    change.getSpec().getSteps().get(3).setApproval(Approval.Manual);
    return change;
  }

  static Simulation sim(ScalingChange change, Instant start) {
    Simulation sim = new Simulation(PlannerTest.SETTINGS, change, start);
    sim.externalWrite("USE_REDIS", "false", PlannerTest.GITOPS);
    return sim;
  }

  static ScalingChangeStatus status(Simulation sim) {
    return sim.change.getStatus();
  }

  static String weight(Simulation sim) {
    return sim.configMap().get(PCT);
  }

  /** Reconciles, jumping the clock by each requeue, for at most {@code span} of simulated time. */
  static void runFor(Simulation sim, Duration span) {
    Instant until = sim.now().plus(span);
    while (sim.now().isBefore(until)) {
      Plan plan = sim.reconcile();
      if (plan.requeueAfter().isEmpty()) {
        return;
      }
      Duration step = plan.requeueAfter().get();
      sim.advance(step.isZero() ? Duration.ofMillis(1) : step);
    }
  }

  // ---- approval ----

  @Test
  void aManualStepWaitsInAwaitingApprovalSayingWhatToRunAndWritesNothing() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(1);
    int writes = sim.flagWrites();

    runFor(sim, Duration.ofHours(2));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(status(sim).getReason()).isEqualTo(Reason.AwaitingApproval);
    assertThat(status(sim).getLastDecision()).isEqualTo("step 3/4 (weight 50) awaits approval; holding at weight 5:"
        + " kubectl annotate scalingchange use-redis flagramp.io/approve=<a new value> --overwrite");
    assertThat(status(sim).getNextStepAt()).as("no time is known").isNull();
    assertThat(sim.flagWrites()).isEqualTo(writes);
    assertThat(weight(sim)).isEqualTo("5");
    assertThat(sim.events).anyMatch(e -> e.reason().equals("AwaitingApproval"));
    assertThat(status(sim).condition("Ready").orElseThrow().getReason()).isEqualTo("AwaitingApproval");
  }

  @Test
  void anApprovalEntersExactlyTheStepThatWaitedAndRecordsWhoApproved() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));

    sim.annotateAs(Annotations.APPROVE, "go-50", "kubectl-annotate");
    runFor(sim, Duration.ofHours(2));

    assertThat(weight(sim)).as("the next Manual step waits again").isEqualTo("50");
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    HistoryEntry fifty = status(sim).getHistory().stream().filter(h -> h.getWeight() == 50).findFirst().orElseThrow();
    assertThat(fifty.getApproval().getValue()).isEqualTo("go-50");
    assertThat(fifty.getApproval().getBy()).isEqualTo("kubectl-annotate");
    assertThat(fifty.getApproval().getWeight()).isEqualTo(50);
    assertThat(status(sim).getApproval()).as("used up").isNull();
    assertThat(sim.events).anyMatch(e -> e.reason().equals("Approved") && e.message().contains(
        "step 3/4 (weight 50) approved by flagramp.io/approve=\"go-50\" (set by kubectl-annotate)"));
    assertThat(sim.events).anyMatch(e -> e.message().contains("entered step 3/4 at weight 50 (approved by"
        + " kubectl-annotate)"));

    sim.annotateAs(Annotations.APPROVE, "go-100", "argocd-controller");
    sim.runUntilQuiet(100);
    assertThat(status(sim).getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status(sim).getHistory().get(3).getApproval().getBy()).isEqualTo("argocd-controller");
  }

  @Test
  void anApprovalWhileNothingWaitsIsAcknowledgedAndNotKeptForLater() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(0);

    sim.annotateAs(Annotations.APPROVE, "early", "kubectl-annotate");
    runFor(sim, Duration.ofHours(1));

    assertThat(sim.events).anyMatch(e -> e.reason().equals("ApproveIgnored")
        && e.message().contains("no step awaits approval (the change is Progressing)"));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(weight(sim)).isEqualTo("5");
  }

  @Test
  void theSameApproveValueSetAgainDoesNotApproveTheNextStep() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));
    sim.annotateAs(Annotations.APPROVE, "yes", "kubectl-annotate");
    runFor(sim, Duration.ofMinutes(5));
    assertThat(weight(sim)).isEqualTo("50");

    sim.annotateAs(Annotations.APPROVE, "yes", "kubectl-annotate");
    runFor(sim, Duration.ofHours(1));

    assertThat(weight(sim)).isEqualTo("50");
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
  }

  @Test
  void anAbortWhileAwaitingApprovalRestoresTheOriginalValues() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);

    sim.annotate(Annotations.ABORT, "not today");
    sim.runUntilQuiet(10);

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).doesNotContainKey(PCT).containsEntry("USE_REDIS", "false");
  }

  @Test
  void aManualFirstStepWaitsBeforeAnythingIsWritten() {
    ScalingChange change = withApprovals();
    change.getSpec().getSteps().get(0).setApproval(Approval.Manual);
    Simulation sim = sim(change, PlannerTest.T0);

    runFor(sim, Duration.ofMinutes(10));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(status(sim).getOriginalValues()).isNull();
    assertThat(sim.flagWrites()).isZero();

    sim.annotateAs(Annotations.APPROVE, "start", "kubectl-annotate");
    runFor(sim, Duration.ofSeconds(1));
    assertThat(weight(sim)).isEqualTo("1");
    assertThat(status(sim).getHistory().get(0).getApproval().getValue()).isEqualTo("start");
  }

  @Test
  void aRevertIsNeverGatedByApproval() {
    ScalingChange change = withApprovals();
    Simulation sim = sim(change, PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);

    sim.externalWrite(PCT, "77", "kubectl-edit");  // someone else's edit holds it, an abort then restores
    runFor(sim, Duration.ofMinutes(2));
    sim.annotate(Annotations.ABORT, "bad edit");
    sim.runUntilQuiet(10);

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).doesNotContainKey(PCT);
  }

  // ---- promote ----

  static ScalingChange hourSoaks() {
    return Changes.change("use-redis").step(1, "1h").step(5, "1h").step(100, "1h").build();
  }

  @Test
  void promoteEndsTheSoakAtOnceWithoutAnalysis() {
    Simulation sim = sim(hourSoaks(), PlannerTest.T0);
    sim.runUntilStep(0);
    sim.advance(Duration.ofMinutes(3));

    sim.annotateAs(Annotations.PROMOTE, "now", "kubectl-annotate");
    sim.reconcile();
    sim.reconcile();

    assertThat(weight(sim)).isEqualTo("5");
    HistoryEntry first = status(sim).getHistory().get(0);
    assertThat(first.getPromotion().getBy()).isEqualTo("kubectl-annotate");
    assertThat(first.getVerdict()).isEqualTo("soak ended early by flagramp.io/promote (set by kubectl-annotate) after 3m,"
        + " no analysis");
    assertThat(Duration.between(Instant.parse(first.getStartedAt()), Instant.parse(first.getEndedAt())))
        .isEqualTo(Duration.ofMinutes(3));
    assertThat(sim.events).anyMatch(e -> e.reason().equals("Promoted") && e.message().startsWith(
        "the soak of step 1/3 at weight 1 ended early by flagramp.io/promote=\"now\" (set by kubectl-annotate)"));
    assertThat(status(sim).getPromotion()).as("for that step only").isNull();
  }

  @Test
  void promoteSkipsTheWaitButNeverTheAnalysisAFailingMetricStillBlocksAndReverts() {
    ScalingChange change = AnalysisPlannerTest.threeSteps();
    change.getSpec().getSteps().forEach(s -> s.setPause("1h"));
    Simulation sim = AnalysisPlannerTest.sim(change);
    AtomicBoolean bad = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> name.equals("error-rate") && bad.get() ? new Measurement.Value(0.5)
        : AnalysisPlannerTest.healthy(name, promql);
    sim.runUntilStep(0);
    bad.set(true);

    sim.annotateAs(Annotations.PROMOTE, "skip", "kubectl-annotate");
    runFor(sim, Duration.ofSeconds(30));
    assertThat(AnalysisPlannerTest.weight(sim)).as("no passing analysis in the step yet").isEqualTo(1);

    runFor(sim, Duration.ofMinutes(5));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(status(sim).getReason()).isEqualTo(Reason.ThresholdBreached);
    assertThat(sim.configMap()).doesNotContainKey(PCT);
  }

  @Test
  void promoteWithHealthyMetricsMovesOnAtTheNextPassingMeasurement() {
    ScalingChange change = AnalysisPlannerTest.threeSteps();
    change.getSpec().getSteps().forEach(s -> s.setPause("1h"));
    Simulation sim = AnalysisPlannerTest.sim(change);
    sim.runUntilStep(0);
    Instant entered = sim.now();

    sim.annotateAs(Annotations.PROMOTE, "skip", "kubectl-annotate");
    sim.runUntilStep(1);

    assertThat(Duration.between(entered, sim.now())).as("one analysis interval, not the hour")
        .isLessThanOrEqualTo(Duration.ofMinutes(1));
    assertThat(status(sim).getHistory().get(0).getVerdict()).contains("error-rate 0.001 within max 0.01 at weight 1");
  }

  @Test
  void promoteWhenNothingSoaksIsAcknowledgedAndIgnored() {
    Simulation sim = sim(withApprovals(), PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofMinutes(5));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);

    sim.annotateAs(Annotations.PROMOTE, "x", "kubectl-annotate");
    runFor(sim, Duration.ofMinutes(5));

    assertThat(sim.events).anyMatch(e -> e.reason().equals("PromoteIgnored"));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(status(sim).getPromotion()).isNull();
  }

  // ---- windows ----

  /** Mon-Thu 02:00-05:00 in Berlin. T0 (Thu 2026-11-26 03:00 CET) is inside. */
  static DeployWindows weekdayNights() {
    return new DeployWindows("Europe/Berlin", List.of(new AllowedWindow(List.of(Weekday.Mon, Weekday.Tue,
        Weekday.Wed, Weekday.Thu), "02:00", "05:00")), null);
  }

  @Test
  void aStepDueOutsideTheWindowWaitsForTheOpeningWhichIsItsNextStepAt() {
    ScalingChange change = hourSoaks();
    change.getSpec().setWindows(weekdayNights());
    Simulation sim = sim(change, PlannerTest.T0);
    sim.runUntilStep(1);  // 1% at 03:00, 5% at 04:00 CET
    int writes = sim.flagWrites();

    runFor(sim, Duration.ofHours(2));  // due at 05:00 CET, when the window has closed

    assertThat(status(sim).getPhase()).isEqualTo(Phase.Progressing);
    assertThat(status(sim).getReason()).isEqualTo(Reason.OutsideWindow);
    assertThat(status(sim).getNextStepAt()).isEqualTo("2026-11-30T01:00:00Z");
    assertThat(status(sim).getLastDecision()).isEqualTo("step 3/3 (weight 100) is due, outside the deploy windows"
        + " Mon,Tue,Wed,Thu 02:00-05:00 (Europe/Berlin); holding at weight 5; waiting until Mon 2026-11-30 02:00 CET");
    assertThat(sim.flagWrites()).isEqualTo(writes);

    runFor(sim, Duration.between(sim.now(), Instant.parse("2026-11-30T01:00:01Z")));
    assertThat(weight(sim)).isEqualTo("100");
    assertThat(status(sim).getHistory().get(2).getStartedAt()).isEqualTo("2026-11-30T01:00:00Z");
  }

  @Test
  void aFirstStepOutsideTheWindowIsPendingAndWritesNothing() {
    ScalingChange change = hourSoaks();
    change.getSpec().setWindows(weekdayNights());
    Simulation sim = sim(change, Instant.parse("2026-11-27T12:00:00Z"));  // Friday

    runFor(sim, Duration.ofHours(1));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.Pending);
    assertThat(status(sim).getReason()).isEqualTo(Reason.OutsideWindow);
    assertThat(status(sim).getNextStepAt()).isEqualTo("2026-11-30T01:00:00Z");
    assertThat(sim.flagWrites()).isZero();
  }

  @Test
  void anAbortOutsideTheWindowRestoresAtOnce() {
    ScalingChange change = hourSoaks();
    change.getSpec().setWindows(weekdayNights());
    Simulation sim = sim(change, PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofHours(3));
    assertThat(status(sim).getReason()).isEqualTo(Reason.OutsideWindow);

    sim.annotate(Annotations.ABORT, "friday");
    sim.reconcile();

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).doesNotContainKey(PCT);
  }

  @Test
  void aBreachOutsideTheWindowRevertsAtOnce() {
    ScalingChange change = AnalysisPlannerTest.threeSteps();
    change.getSpec().setWindows(weekdayNights());
    change.getSpec().getSteps().forEach(s -> s.setPause("1h"));
    Simulation sim = AnalysisPlannerTest.sim(change);
    AtomicBoolean bad = new AtomicBoolean(false);
    sim.metrics = (name, promql) -> name.equals("error-rate") && bad.get() ? new Measurement.Value(0.5)
        : AnalysisPlannerTest.healthy(name, promql);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofHours(2));
    assertThat(status(sim).getReason()).isEqualTo(Reason.OutsideWindow);
    Instant breach = sim.now();

    bad.set(true);
    runFor(sim, Duration.ofMinutes(5));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    HistoryEntry last = status(sim).getHistory().get(status(sim).getHistory().size() - 1);
    assertThat(last.getOutcome()).isEqualTo(StepOutcome.RolledBack);
    assertThat(Duration.between(breach, Instant.parse(last.getEndedAt()))).isLessThanOrEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void anApprovalGivenOutsideTheWindowWaitsForTheWindow() {
    ScalingChange change = withApprovals();
    change.getSpec().setWindows(weekdayNights());
    Simulation sim = sim(change, PlannerTest.T0);
    sim.runUntilStep(1);
    runFor(sim, Duration.ofHours(3));  // 06:00 CET
    assertThat(status(sim).getPhase()).isEqualTo(Phase.AwaitingApproval);

    sim.annotateAs(Annotations.APPROVE, "ok", "kubectl-annotate");
    runFor(sim, Duration.ofMinutes(10));

    assertThat(status(sim).getReason()).isEqualTo(Reason.OutsideWindow);
    assertThat(weight(sim)).isEqualTo("5");
    runFor(sim, Duration.between(sim.now(), Instant.parse("2026-11-30T01:00:01Z")));
    assertThat(weight(sim)).isEqualTo("50");
  }
}
