package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Annotations;
import io.flagramp.core.Plan;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step that finds no room waits a few milliseconds and writes nothing; a revert is never held back. */
class StepPacerTest {

  static Simulation sim(StepPacer pacer) {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName("use-redis").withNamespace("social").withGeneration(1L)
        .withUid("uid-use-redis").withAnnotations(new HashMap<>()).build());
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", "USE_REDIS_PERCENTAGE", "USE_REDIS"));
    spec.setSteps(new ArrayList<>(List.of(new Step(1, "1m"), new Step(100, null))));
    change.setSpec(spec);
    Simulation sim = new Simulation(new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20), change,
        Instant.parse("2026-11-26T02:00:00Z"));
    sim.externalWrite("USE_REDIS", "false", "kubectl");
    return sim.pacedBy(pacer);
  }

  @Test
  void aStepWithNoRoomWritesNothingAndIsLookedAtAgainShortly() {
    StepPacer full = new StepPacer(0);
    Simulation sim = sim(full);

    Plan plan = sim.reconcile();

    assertThat(plan.requeueAfter()).contains(StepPacer.AGAIN);
    assertThat(sim.flagWrites()).isZero();
    assertThat(sim.statusWrites()).isZero();
  }

  @Test
  void anAbortIsNotPaced() {
    StepPacer pacer = new StepPacer(1);
    Simulation sim = sim(pacer);
    sim.reconcile();
    assertThat(sim.flagWrites()).isEqualTo(1);
    assertThat(pacer.tryEnter()).as("the one slot, taken by another change's step").isTrue();

    sim.annotate(Annotations.ABORT, "now");
    sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).doesNotContainKey("USE_REDIS_PERCENTAGE");
  }
}
