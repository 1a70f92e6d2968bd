package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The kstatus conditions of each phase, as a table; what kstatus itself makes of them is in GitOpsIT. */
class ConditionsTest {

  private static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");

  /** The table of the README's "Status: what on-call reads": the one condition that is True. */
  private static final Map<Phase, String> TRUE_IN = Map.of(
      Phase.Pending, Condition.RECONCILING,
      Phase.Progressing, Condition.RECONCILING,
      Phase.AwaitingApproval, Condition.RECONCILING,
      Phase.Baking, Condition.RECONCILING,
      Phase.Paused, Condition.RECONCILING,
      Phase.Held, Condition.STALLED,
      Phase.RolledBack, Condition.STALLED,
      Phase.Invalid, Condition.STALLED,
      Phase.Succeeded, Condition.READY);

  @ParameterizedTest
  @EnumSource(Phase.class)
  void exactlyOneConditionIsTrueInEveryPhaseAndItIsTheTablesOne(Phase phase) {
    ScalingChangeStatus status = status(phase);

    Conditions.set(status, "Why", "what happened", 3, T0);

    assertThat(status.getConditions()).extracting(Condition::getType)
        .containsExactly(Condition.READY, Condition.RECONCILING, Condition.STALLED);
    assertThat(status.getConditions()).filteredOn(Condition::isTrue).extracting(Condition::getType)
        .containsExactly(TRUE_IN.get(phase));
    assertThat(status.getConditions()).allSatisfy(c -> {
      assertThat(c.getReason()).isEqualTo("Why");
      assertThat(c.getMessage()).isEqualTo("what happened");
      assertThat(c.getObservedGeneration()).isEqualTo(3L);
    });
  }

  @Test
  void bakingAwaitingApprovalAndPausedAreReconcilingSinceTheOperatorStillMeasuresAndTheFlagIsNotAtItsEnd() {
    // These three once set Reconciling False, which left kstatus (Flux) to guess from Ready alone.
    for (Phase phase : List.of(Phase.Baking, Phase.AwaitingApproval, Phase.Paused)) {
      ScalingChangeStatus status = status(phase);
      Conditions.set(status, phase.name(), "m", 1, T0);
      assertThat(status.condition(Condition.RECONCILING).orElseThrow().isTrue()).as(phase.name()).isTrue();
      assertThat(status.condition(Condition.READY).orElseThrow().isTrue()).as(phase.name()).isFalse();
    }
  }

  @Test
  void onlySucceededIsReadySoKubectlWaitForReadyMeansSucceeded() {
    for (Phase phase : Phase.values()) {
      ScalingChangeStatus status = status(phase);
      Conditions.set(status, "R", "m", 1, T0);
      assertThat(status.condition(Condition.READY).orElseThrow().isTrue()).as(phase.name())
          .isEqualTo(phase == Phase.Succeeded);
    }
  }

  @Test
  void reconcilingIsFalseExactlyWhenTheChangeFinishedEitherWaySoKubectlCanWaitForThat() {
    for (Phase phase : Phase.values()) {
      ScalingChangeStatus status = status(phase);
      Conditions.set(status, "R", "m", 1, T0);
      boolean finished = phase == Phase.Succeeded || phase == Phase.RolledBack || phase == Phase.Held
          || phase == Phase.Invalid;
      assertThat(status.condition(Condition.RECONCILING).orElseThrow().isTrue()).as(phase.name())
          .isEqualTo(!finished);
    }
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusHoldsAndMovesItWhenItFlips() {
    ScalingChangeStatus status = status(Phase.Progressing);
    Conditions.set(status, "StepEntered", "step 1", 1, T0);

    status.setPhase(Phase.Baking);
    Conditions.set(status, "Baking", "baking", 1, T0.plusSeconds(60));
    assertThat(status.condition(Condition.RECONCILING).orElseThrow().getLastTransitionTime())
        .as("Progressing to Baking: still Reconciling").isEqualTo("2026-11-26T02:00:00Z");

    status.setPhase(Phase.Succeeded);
    Conditions.set(status, "Succeeded", "done", 1, T0.plusSeconds(120));
    assertThat(status.condition(Condition.RECONCILING).orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-11-26T02:02:00Z");
    assertThat(status.condition(Condition.READY).orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-11-26T02:02:00Z");
    assertThat(status.condition(Condition.STALLED).orElseThrow().getLastTransitionTime())
        .as("False all along").isEqualTo("2026-11-26T02:00:00Z");
  }

  @Test
  void aFaultSetsReconcilingOnTopOfAStalledPhaseUntilTheNextDecision() {
    ScalingChangeStatus status = status(Phase.Held);
    Conditions.set(status, "ExternalChange", "held", 1, T0);

    Conditions.setFault(status, "WriteConflict", "409", 1, T0.plusSeconds(1));
    assertThat(status.getConditions()).extracting(Condition::getType)
        .containsExactly(Condition.READY, Condition.RECONCILING, Condition.STALLED);
    assertThat(status.condition(Condition.RECONCILING).orElseThrow().isTrue()).isTrue();
    assertThat(status.condition(Condition.STALLED).orElseThrow().isTrue()).isTrue();

    Conditions.set(status, "ExternalChange", "held", 1, T0.plusSeconds(2));
    assertThat(status.getConditions()).filteredOn(Condition::isTrue).extracting(Condition::getType)
        .containsExactly(Condition.STALLED);
  }

  private static ScalingChangeStatus status(Phase phase) {
    ScalingChangeStatus status = new ScalingChangeStatus();
    status.setPhase(phase);
    return status;
  }
}
