package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.OnFailure;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.WorkloadKind;
import io.flagramp.demo.InMemoryWorkloads;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.restartTargets on the planner, with simulated workloads whose rollouts take simulated time. */
class RestartTargetsTest {

  static final String PCT = "USE_REDIS_PERCENTAGE";

  static ScalingChange withTarget() {
    ScalingChange change = Changes.change("use-redis").step(10, "1m").step(100, "1m").build();
    change.getSpec().setRestartTargets(List.of(new RestartTarget(WorkloadKind.Deployment, "api")));
    return change;
  }

  static Simulation sim(ScalingChange change) {
    Simulation sim = new Simulation(PlannerTest.SETTINGS, change, PlannerTest.T0);
    sim.externalWrite("USE_REDIS", "false", PlannerTest.GITOPS);
    return sim;
  }

  static ScalingChangeStatus status(Simulation sim) {
    return sim.change.getStatus();
  }

  @Test
  void eachStepRestartsTheTargetAfterItsWriteAndSoaksOnlyOnceItRolledOut() {
    Simulation sim = sim(withTarget());
    InMemoryWorkloads.Workload api = sim.workload(WorkloadKind.Deployment, "api");
    api.rollout = Duration.ofSeconds(12);

    sim.reconcile();
    assertThat(sim.configMap()).containsEntry(PCT, "10");
    assertThat(api.restarts).hasSize(1).allMatch(v -> v.endsWith("/1.10"));
    assertThat(status(sim).getNextStepAt()).as("unknown until it rolled out").isNull();

    RolloutControlsTest.runFor(sim, Duration.ofSeconds(5));
    assertThat(status(sim).getReason()).isEqualTo(Reason.RollingOut);
    assertThat(status(sim).getLastDecision()).startsWith("weight 10 written; waiting for Deployment api to roll out"
        + " (Deployment api 0/2 updated, 0/2 ready, 2/2 available)");

    RolloutControlsTest.runFor(sim, Duration.ofSeconds(10));
    assertThat(status(sim).getReason()).isEqualTo(Reason.RolledOut);
    Instant readyAt = Instant.parse(status(sim).getRestart().getReadyAt());
    assertThat(Duration.between(PlannerTest.T0, readyAt)).isBetween(Duration.ofSeconds(12), Duration.ofSeconds(14));
    assertThat(status(sim).getStepStartedAt()).isEqualTo(status(sim).getRestart().getReadyAt());
    assertThat(status(sim).getNextStepAt()).isEqualTo(Timestamps.format(readyAt.plus(Duration.ofMinutes(1))));
    HistoryEntry first = status(sim).getHistory().get(0);
    assertThat(first.getRolledOutAt()).isEqualTo(status(sim).getRestart().getReadyAt());

    sim.runUntilQuiet(200);
    assertThat(status(sim).getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(api.restarts).as("one restart per step").hasSize(2);
    HistoryEntry second = status(sim).getHistory().get(1);
    assertThat(Duration.between(readyAt, Instant.parse(second.getStartedAt())))
        .as("the next step came one soak after the rollout, not after the write").isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void aTargetThatNeverRollsOutFailsTheStepAfterRestartTimeoutAndTheRevertRestartsItAgain() {
    ScalingChange change = withTarget();
    change.getSpec().setRestartTimeout("2m");
    Simulation sim = sim(change);
    InMemoryWorkloads.Workload api = sim.workload(WorkloadKind.Deployment, "api");
    api.rollout = null;

    RolloutControlsTest.runFor(sim, Duration.ofMinutes(5));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(status(sim).getReason()).isEqualTo(Reason.RestartTimedOut);
    assertThat(status(sim).getLastDecision()).startsWith("Deployment api 0/2 updated, 0/2 ready, 2/2 available: not"
        + " rolled out 2m (restartTimeout) after the write at weight 10: reverted, ");
    assertThat(status(sim).getLastDecision()).endsWith("; restarting Deployment api");
    assertThat(sim.configMap()).doesNotContainKey(PCT).containsEntry("USE_REDIS", "false");
    assertThat(api.restarts).hasSize(2);
    assertThat(api.restarts.get(1)).endsWith("/1.restore");
  }

  @Test
  void withOnFailureHoldATargetThatNeverRollsOutHoldsTheFlag() {
    ScalingChange change = withTarget();
    change.getSpec().setRestartTimeout("2m");
    change.getSpec().setOnFailure(OnFailure.Hold);
    Simulation sim = sim(change);
    sim.workload(WorkloadKind.Deployment, "api").rollout = null;

    RolloutControlsTest.runFor(sim, Duration.ofMinutes(10));

    assertThat(status(sim).getPhase()).isEqualTo(Phase.Held);
    assertThat(status(sim).getReason()).isEqualTo(Reason.RestartTimedOut);
    assertThat(sim.configMap()).containsEntry(PCT, "10");
  }

  @Test
  void aTargetWithoutItsOptInLabelMakesTheChangeInvalidBeforeAnyWrite() {
    Simulation sim = sim(withTarget());
    sim.workload(WorkloadKind.Deployment, "api").optedIn = false;

    sim.reconcile();

    assertThat(status(sim).getPhase()).isEqualTo(Phase.Invalid);
    assertThat(status(sim).getReason()).isEqualTo(Reason.RestartTargetNotOptedIn);
    assertThat(status(sim).getLastDecision()).isEqualTo("Deployment api does not carry the label flagramp.io/restart=true:"
        + " flagramp restarts only workloads whose owners opted in; label it (kubectl label deployment api"
        + " flagramp.io/restart=true)");
    assertThat(sim.flagWrites()).isZero();
  }

  @Test
  void aMissingTargetKeepsTheChangePendingAndItStartsWhenTheTargetAppears() {
    Simulation sim = sim(withTarget());

    RolloutControlsTest.runFor(sim, Duration.ofMinutes(1));
    assertThat(status(sim).getPhase()).isEqualTo(Phase.Pending);
    assertThat(status(sim).getReason()).isEqualTo(Reason.RestartTargetNotFound);
    assertThat(sim.flagWrites()).isZero();

    sim.workload(WorkloadKind.Deployment, "api");
    RolloutControlsTest.runFor(sim, Duration.ofSeconds(20));
    assertThat(sim.configMap()).containsEntry(PCT, "10");
  }

  @Test
  void aRestartLostAfterItsWriteIsMadeByTheNextReconcile() {
    Simulation sim = sim(withTarget());
    InMemoryWorkloads.Workload api = sim.workload(WorkloadKind.Deployment, "api");
    api.failNextRestarts = 1;

    try {
      sim.reconcile();
    } catch (RuntimeException expected) {
      // the operator crashed (or the patch failed) after the status and ConfigMap writes
    }
    assertThat(sim.configMap()).containsEntry(PCT, "10");
    assertThat(api.restarts).isEmpty();
    assertThat(status(sim).getRestart().made()).isFalse();

    sim.reconcile();

    assertThat(api.restarts).hasSize(1).allMatch(v -> v.endsWith("/1.10"));
    assertThat(sim.events).anyMatch(e -> e.reason().equals("RestartFinished"));
    RolloutControlsTest.runFor(sim, Duration.ofSeconds(10));
    assertThat(status(sim).getRestart().made()).isTrue();
    assertThat(status(sim).getReason()).isEqualTo(Reason.RolledOut);
    assertThat(api.restarts).as("not restarted again").hasSize(1);
  }

  @Test
  void anAbortRestartsTheTargetsSoTheOldValuesReachThePods() {
    Simulation sim = sim(withTarget());
    InMemoryWorkloads.Workload api = sim.workload(WorkloadKind.Deployment, "api");
    RolloutControlsTest.runFor(sim, Duration.ofSeconds(30));

    sim.annotate(Annotations.ABORT, "no");
    sim.runUntilQuiet(10);

    assertThat(status(sim).getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(api.restarts).hasSize(2);
    assertThat(api.restarts.get(1)).endsWith("/1.restore");
  }
}
