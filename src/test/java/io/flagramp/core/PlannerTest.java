package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.api.v1alpha1.StepOutcome;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PlannerTest {

  static final PlannerSettings SETTINGS = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20);
  static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  static final String PCT = "USE_REDIS_PERCENTAGE";
  static final String ON = "USE_REDIS";
  static final String GITOPS = "kubectl-client-side-apply";

  static ScalingChange fourSteps() {
    return Changes.change("use-redis").step(1, "30s").step(5, "30s").step(50, "30s").step(100, "30s").build();
  }

  /** A simulation of {@link #fourSteps()} whose ConfigMap has USE_REDIS=false and no percentage key. */
  static Simulation sim() {
    return sim(fourSteps());
  }

  static Simulation sim(ScalingChange change) {
    Simulation sim = new Simulation(SETTINGS, change, T0);
    sim.externalWrite(ON, "false", GITOPS);
    sim.externalWrite("OTHER", "untouched", GITOPS);
    return sim;
  }

  static Simulation atStep(int index) {
    Simulation sim = sim();
    sim.runUntilStep(index);
    return sim;
  }

  /** The values a plan writes, when it sets any. */
  static Optional<Map<String, String>> sets(Plan plan) {
    return plan.write().filter(w -> w instanceof FlagWrite.SetValues).map(w -> ((FlagWrite.SetValues) w).values());
  }

  /** Another change that holds {@code keys} of the same ConfigMap (it has written and not ended), or has ended. */
  static void otherChange(Simulation sim, String name, List<String> keys, Phase phase) {
    ScalingChange other = Changes.change(name).keys(keys.get(0), keys.size() > 1 ? keys.get(1) : null)
        .step(10, "1h").build();
    ScalingChangeStatus status = new ScalingChangeStatus();
    status.setPhase(phase);
    status.setOriginalValues(Map.of());
    status.setCurrentWeight(10);
    other.setStatus(status);
    new Simulation(sim, other);
    sim.api.putClaim(sim.configMapName(), new FlagClaim("uid-" + name, name, keys, "1.10"));
  }

  /** One row of the decision table: a situation, and what the next reconcile must decide. */
  record Case(String name, Consumer<Simulation> given, Phase phase, Reason reason, Optional<Map<String, String>> sets,
      Optional<Duration> requeue, String decisionContains) {

    @Override
    public String toString() {
      return name;
    }
  }

  static Case when(String name, Consumer<Simulation> given, Phase phase, Reason reason, Map<String, String> sets,
      Duration requeue, String decisionContains) {
    return new Case(name, given, phase, reason, Optional.ofNullable(sets), Optional.ofNullable(requeue),
        decisionContains);
  }

  static Stream<Case> decisions() {
    return Stream.of(
        when("a missing ConfigMap makes the change Pending and looks again later",
            Simulation::deleteConfigMap,
            Phase.Pending, Reason.ConfigMapNotFound, null, Duration.ofSeconds(15),
            "waiting for ConfigMap app-features to exist in namespace social"),
        when("the first step records the original values in the same status write that records its intent",
            s -> {},
            Phase.Progressing, Reason.StepEntered, Map.of(PCT, "1", ON, "true"), Duration.ofSeconds(30),
            "recorded original values USE_REDIS_PERCENTAGE=<absent>, USE_REDIS=\"false\"; entered step 1/4 at"
                + " weight 1; soaking 30s until 2026-11-26T02:00:30Z"),
        when("a soak that is not over asks to be called when it ends",
            s -> {
              s.runUntilStep(0);
              s.advance(Duration.ofSeconds(10));
            },
            Phase.Progressing, Reason.StepEntered, null, Duration.ofSeconds(20), "entered step 1/4"),
        when("a long soak is looked at again after the resync interval at the latest",
            s -> {
              s.change.getSpec().getSteps().get(0).setPause("24h");
              s.runUntilStep(0);
            },
            Phase.Progressing, Reason.StepEntered, null, Duration.ofSeconds(60), "soaking 24h"),
        when("a soak that is over enters the next step",
            s -> {
              s.runUntilStep(0);
              s.advance(Duration.ofSeconds(30));
            },
            Phase.Progressing, Reason.StepEntered, Map.of(PCT, "5", ON, "true"), Duration.ofSeconds(30),
            "entered step 2/4 at weight 5"),
        when("the last step's soak over means Succeeded, with nothing more to do",
            s -> {
              s.runUntilStep(3);
              s.advance(Duration.ofSeconds(30));
            },
            Phase.Succeeded, Reason.Succeeded, null, null, "step 4/4 at weight 100 soaked 30s: succeeded"),
        when("abort before the first write calls the change off with nothing to restore",
            s -> {
              s.deleteConfigMap();
              s.annotate(Annotations.ABORT, "not today");
            },
            Phase.RolledBack, Reason.Aborted, null, null, "before the first write: nothing to restore"),
        when("retry after RolledBack starts attempt 2 from the first step",
            s -> {
              s.runUntilStep(1);
              s.annotate(Annotations.ABORT, "bad");
              s.runUntilQuiet(10);
              s.annotate(Annotations.RETRY, "1");
            },
            Phase.Pending, Reason.NewAttempt, null, Duration.ZERO,
            "retry requested by flagramp.io/retry=\"1\" after RolledBack: starting attempt 2 from the first step"),
        when("retry while progressing is acknowledged, ignored, and the state stays",
            s -> {
              s.runUntilStep(1);
              s.annotate(Annotations.RETRY, "now");
            },
            Phase.Progressing, Reason.StepEntered, null, Duration.ZERO, "entered step 2/4 at weight 5"),
        when("a spec edit after Succeeded is observed and leaves the flag at its final weight",
            s -> {
              s.runUntilQuiet(100);
              s.change.getSpec().getSteps().get(0).setPause("1h");
              s.specEdited();
            },
            Phase.Succeeded, Reason.Succeeded, null, null, "succeeded"),
        when("a spec the schema cannot catch is Invalid, naming the field, without a retry loop",
            s -> s.change.getSpec().getSteps().get(1).setPause("99999999999999999999h"),
            Phase.Invalid, Reason.InvalidSpec, null, null,
            "invalid spec: spec.steps[1].pause: \"99999999999999999999h\" is out of range"),
        when("a live claim of another change on the same key makes the new one wait, naming it",
            s -> otherChange(s, "other", List.of(PCT), Phase.Progressing),
            Phase.Pending, Reason.Conflict, null, Duration.ofSeconds(15),
            "waiting for ScalingChange other, which holds USE_REDIS_PERCENTAGE in ConfigMap app-features"),
        when("the claim of a change that has ended does not block",
            s -> otherChange(s, "done", List.of(PCT, ON), Phase.Succeeded),
            Phase.Progressing, Reason.StepEntered, Map.of(PCT, "1", ON, "true"), Duration.ofSeconds(30),
            "entered step 1/4 at weight 1"),
        when("a change on other keys of the same ConfigMap does not block",
            s -> otherChange(s, "unrelated", List.of("USE_CACHE_PERCENTAGE"), Phase.Progressing),
            Phase.Progressing, Reason.StepEntered, Map.of(PCT, "1", ON, "true"), Duration.ofSeconds(30),
            "entered step 1/4 at weight 1"),
        when("someone else changing the flag mid-rollout holds it without writing",
            s -> {
              s.runUntilStep(1);
              s.externalWrite(PCT, "0", "kubectl-edit");
            },
            Phase.Held, Reason.ExternalChange, null, Duration.ofSeconds(60),
            "USE_REDIS_PERCENTAGE in ConfigMap app-features is \"0\" but flagramp wrote \"5\" (changed by"
                + " kubectl-edit): holding at weight 5"),
        when("someone deleting a flag key mid-rollout holds it too",
            s -> {
              s.runUntilStep(1);
              s.externalWrite(ON, null, "kubectl-edit");
            },
            Phase.Held, Reason.ExternalChange, null, Duration.ofSeconds(60),
            "USE_REDIS in ConfigMap app-features is gone but flagramp wrote \"true\""),
        when("suspend before the first step pauses without a requeue",
            s -> s.change.getSpec().setSuspend(true),
            Phase.Paused, Reason.Suspended, null, null, "suspended (spec.suspend) before the first step"),
        when("suspend mid-rollout pauses at the current weight",
            s -> {
              s.runUntilStep(1);
              s.change.getSpec().setSuspend(true);
            },
            Phase.Paused, Reason.Suspended, null, Duration.ofSeconds(60), "suspended (spec.suspend) at weight 5, step 2/4"),
        when("editing the current step's weight leaves the flag where it is: steps are identified by weight",
            s -> {
              s.runUntilStep(1);
              s.change.getSpec().getSteps().get(1).setWeight(10);
              s.specEdited();
            },
            Phase.Progressing, Reason.StepEntered, null, Duration.ofSeconds(30), "entered step 2/4 at weight 5"),
        when("a schedule that now ends below the weight written holds instead of lowering it",
            s -> {
              s.runUntilStep(2);
              s.change.getSpec().setSteps(new ArrayList<>(List.of(new Step(1, "30s"), new Step(10, "30s"))));
              s.specEdited();
            },
            Phase.Held, Reason.ScheduleEdited, null, Duration.ofSeconds(60),
            "spec.steps now ends at weight 10, below the weight 50 already written"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decisions")
  void decides(Case c) {
    Simulation sim = sim();
    c.given().accept(sim);

    Plan plan = sim.planner.plan(sim.observe());

    assertThat(plan.status().getPhase()).as("phase").isEqualTo(c.phase());
    assertThat(plan.status().getReason()).as("reason").isEqualTo(c.reason());
    assertThat(plan.status().condition(Condition.READY).orElseThrow().getReason()).isEqualTo(c.reason().name());
    assertThat(sets(plan)).as("write").isEqualTo(c.sets());
    assertThat(plan.requeueAfter()).as("requeue").isEqualTo(c.requeue());
    assertThat(plan.status().getLastDecision()).as("decision").contains(c.decisionContains());
    assertThat(plan.status().getObservedGeneration()).isEqualTo(sim.change.getMetadata().getGeneration());
  }

  @Test
  void runsASixStepScheduleWithDayLongSoaksInMillisecondsAndEntersEachStepOnceOnTime() {
    ScalingChange change = Changes.change("use-redis").step(1, "1h").step(5, "24h").step(10, "24h")
        .step(25, "24h").step(50, "24h").step(100, "24h").build();
    Simulation sim = new Simulation(SETTINGS, change, T0);
    sim.externalWrite("OTHER", "untouched", GITOPS);
    long started = System.nanoTime();

    sim.runUntilQuiet(10_000);

    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    ScalingChangeStatus status = sim.change.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.configMap()).containsEntry(PCT, "100").containsEntry(ON, "true").containsEntry("OTHER", "untouched");
    assertThat(status.getHistory()).extracting(HistoryEntry::getWeight).containsExactly(1, 5, 10, 25, 50, 100);
    assertThat(status.getHistory()).extracting(HistoryEntry::getOutcome).containsOnly(StepOutcome.Passed);
    List<String> entered = status.getHistory().stream().map(HistoryEntry::getStartedAt).toList();
    assertThat(entered).containsExactly("2026-11-26T02:00:00Z", "2026-11-26T03:00:00Z", "2026-11-27T03:00:00Z",
        "2026-11-28T03:00:00Z", "2026-11-29T03:00:00Z", "2026-11-30T03:00:00Z");
    assertThat(sim.now).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
    assertThat(sim.flagWrites()).as("one ConfigMap write per step").isEqualTo(6);
    assertThat(sim.statusWrites()).as("one status write per step, and one for the end").isEqualTo(7);
    assertThat(tookMillis).as("simulated 5 days 1 hour").isLessThan(5_000);
  }

  @Test
  void aReconcileThatChangesNothingProducesTheSameStatusAndNoEvent() {
    Simulation sim = atStep(1);
    sim.advance(Duration.ofSeconds(5));
    ScalingChangeStatus before = sim.change.getStatus().copy();

    Plan plan = sim.planner.plan(sim.observe());

    assertThat(plan.status()).isEqualTo(before);
    assertThat(plan.notice()).isEmpty();
    assertThat(plan.write()).isEmpty();
  }

  @Test
  void everyTransitionCarriesItsDecisionInAnEvent() {
    Simulation sim = sim();
    sim.runUntilQuiet(100);

    List<String> notices = sim.events.stream().map(n -> n.reason() + ": " + n.message()).toList();
    assertThat(notices).containsExactly(
        "StepEntered: recorded original values USE_REDIS_PERCENTAGE=<absent>, USE_REDIS=\"false\"; entered step 1/4"
            + " at weight 1; soaking 30s until 2026-11-26T02:00:30Z",
        "StepEntered: entered step 2/4 at weight 5; soaking 30s until 2026-11-26T02:01:00Z",
        "StepEntered: entered step 3/4 at weight 50; soaking 30s until 2026-11-26T02:01:30Z",
        "StepEntered: entered step 4/4 at weight 100; soaking 30s until 2026-11-26T02:02:00Z",
        "Succeeded: step 4/4 at weight 100 soaked 30s: succeeded");
    assertThat(sim.plans.stream().filter(p -> p.notice().isPresent()))
        .allSatisfy(p -> assertThat(p.status().getLastDecision()).isEqualTo(p.notice().get().message()));
  }

  @Test
  void conditionsFollowThePhaseAndKeepTheirTransitionTimeWhileTheirStatusHolds() {
    Simulation sim = atStep(0);
    Condition reconcilingAtStep0 = sim.change.getStatus().condition(Condition.RECONCILING).orElseThrow();
    sim.runUntilQuiet(100);

    ScalingChangeStatus done = sim.change.getStatus();
    assertThat(done.condition(Condition.READY).orElseThrow())
        .satisfies(c -> assertThat(c.isTrue()).isTrue())
        .satisfies(c -> assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-26T02:02:00Z"));
    assertThat(done.condition(Condition.RECONCILING).orElseThrow().isTrue()).isFalse();
    assertThat(done.condition(Condition.STALLED).orElseThrow().isTrue()).isFalse();
    assertThat(reconcilingAtStep0.isTrue()).isTrue();
    assertThat(reconcilingAtStep0.getLastTransitionTime()).as("True since the first reconcile").isEqualTo("2026-11-26T02:00:00Z");
    assertThat(done.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(1L));
  }

  @Test
  void abortMidRolloutRecordsTheRevertFirstThenRestoresTheOriginalValues() {
    Simulation sim = atStep(1);
    sim.annotate(Annotations.ABORT, "latency up");

    Plan plan = sim.planner.plan(sim.observe());

    assertThat(plan.status().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(plan.status().getIntent().getAction()).as("recorded before it is made").isEqualTo(FlagIntent.Action.Restore);
    assertThat(plan.write()).containsInstanceOf(FlagWrite.Restore.class);
    assertThat(plan.status().getLastDecision()).isEqualTo("aborted by flagramp.io/abort=\"latency up\" at weight 5"
        + " (step 2/4): removed USE_REDIS_PERCENTAGE (was absent), restored USE_REDIS=\"false\"");
    sim.runUntilQuiet(10);
    assertThat(sim.configMap()).isEqualTo(Map.of(ON, "false", "OTHER", "untouched"));
    assertThat(sim.change.getStatus().getIntent()).as("cleared once the restore is done").isNull();
  }

  @Test
  void aSpecEditMidRolloutGetsAnEventSayingWhatChangedInTheSchedule() {
    Simulation sim = atStep(1);
    sim.change.getSpec().getSteps().add(2, new Step(10, "30s"));
    sim.specEdited();

    sim.reconcile();

    assertThat(sim.events).filteredOn(e -> e.reason().equals("SpecEdited")).singleElement()
        .satisfies(e -> assertThat(e.message()).isEqualTo("spec edited (generation 1 → 2): steps 1 (30s), 5 (30s),"
            + " 50 (30s), 100 (30s) → 1 (30s), 5 (30s), 10 (30s), 50 (30s), 100 (30s); the flag stays at weight 5,"
            + " now step 2/5"));
    assertThat(sim.change.getStatus().getSchedule()).isEqualTo("1 (30s), 5 (30s), 10 (30s), 50 (30s), 100 (30s)");

    sim.reconcile();
    assertThat(sim.events).as("once per generation").filteredOn(e -> e.reason().equals("SpecEdited")).hasSize(1);
  }

  @Test
  void aSucceededChangeShowsNoSoakOrNextStepAnyMore() {
    Simulation sim = sim();
    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.change.getStatus().getNextStepAt()).isNull();
    assertThat(sim.change.getStatus().getStepStartedAt()).isNull();
    assertThat(sim.change.getStatus().getHistory()).allSatisfy(h -> assertThat(h.getEndedAt()).isNotNull());
  }

  @Test
  void anAbortIsActedOnOnceAndAcknowledgedInStatus() {
    Simulation sim = atStep(2);
    sim.annotate(Annotations.ABORT, "errors");
    sim.runUntilQuiet(10);
    int writes = sim.flagWrites();

    Plan again = sim.reconcile();

    assertThat(again.write()).isEmpty();
    assertThat(again.notice()).isEmpty();
    assertThat(sim.flagWrites()).isEqualTo(writes);
    assertThat(sim.change.getStatus().getLastHandled().getAbort()).isEqualTo("errors");
    assertThat(sim.configMap()).doesNotContainKey(PCT).containsEntry(ON, "false").containsEntry("OTHER", "untouched");
    assertThat(sim.change.getStatus().condition(Condition.STALLED).orElseThrow())
        .satisfies(c -> assertThat(c.isTrue()).isTrue())
        .satisfies(c -> assertThat(c.getReason()).isEqualTo("Aborted"));
    assertThat(sim.change.getStatus().getHistory().get(2).getOutcome()).isEqualTo(StepOutcome.RolledBack);
    assertThat(sim.change.getStatus().getNextStepAt()).as("no step is due after a rollback").isNull();
    assertThat(sim.change.getStatus().getStepStartedAt()).isNull();
  }

  @Test
  void theSameAbortValueLeftOnTheObjectDoesNotAbortTheRetriedAttempt() {
    Simulation sim = atStep(1);
    sim.annotate(Annotations.ABORT, "errors");
    sim.runUntilQuiet(10);
    sim.annotate(Annotations.RETRY, "after-fix");

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.change.getStatus().getAttempt()).isEqualTo(2);
    assertThat(sim.change.getStatus().getOriginalValues()).containsExactly(Map.entry(ON, "false"));
  }

  @Test
  void retryAfterSucceededIsAcknowledgedAndStartsNothing() {
    Simulation sim = sim();
    sim.runUntilQuiet(100);
    sim.annotate(Annotations.RETRY, "again");

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(plan.notice().orElseThrow().reason()).isEqualTo("RetryIgnored");
    assertThat(plan.notice().orElseThrow().message()).contains("a retry starts a new attempt only after RolledBack");
    sim.runUntilQuiet(10);
    assertThat(sim.configMap()).containsEntry(PCT, "100");
    assertThat(sim.change.getStatus().getAttempt()).isEqualTo(1);
  }

  @Test
  void aHeldChangeResumesWhenTheValueIsPutBackAndTheStepSoaksAgainFromThen() {
    Simulation sim = atStep(1);
    sim.advance(Duration.ofSeconds(10));
    sim.externalWrite(PCT, "0", "kubectl-edit");
    sim.reconcile();
    sim.advance(Duration.ofSeconds(40));
    sim.externalWrite(PCT, "5", "kubectl-edit");

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(plan.write()).isEmpty();
    assertThat(plan.status().getLastDecision()).isEqualTo("resumed at weight 5, step 2/4: the flag holds what"
        + " flagramp wrote again; the step soaks again until 2026-11-26T02:01:50Z");
    assertThat(plan.status().getStepStartedAt()).isEqualTo("2026-11-26T02:01:20Z");
    assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(30));
    assertThat(plan.notice().orElseThrow().reason()).isEqualTo("Resumed");
  }

  @Test
  void aRestartMidSoakNeitherRepeatsNorSkipsTheSoak() {
    Simulation sim = atStep(1);
    String nextStepAt = sim.change.getStatus().getNextStepAt();
    // A new operator process: a fresh planner reading the same status at an arbitrary moment.
    Simulation restarted = sim.restartedAt(sim.now.plusSeconds(12));

    Plan plan = restarted.reconcile();

    assertThat(plan.write()).isEmpty();
    assertThat(plan.requeueAfter()).contains(Duration.ofSeconds(18));
    assertThat(plan.status().getNextStepAt()).isEqualTo(nextStepAt);
    restarted.advance(Duration.ofSeconds(18));
    assertThat(restarted.reconcile().status().getCurrentStep()).isEqualTo(2);
  }

  @Test
  void historyIsBounded() {
    PlannerSettings tight = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 3);
    Changes builder = Changes.change("many");
    for (int w = 10; w <= 100; w += 10) {
      builder.step(w, "1s");
    }
    Simulation sim = new Simulation(tight, builder.build(), T0);

    sim.runUntilQuiet(1000);

    assertThat(sim.change.getStatus().getHistory()).extracting(HistoryEntry::getWeight).containsExactly(80, 90, 100);
  }
}
