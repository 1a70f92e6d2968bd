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

/**
 * A step that finds no room writes nothing and waits its turn, woken when a room frees instead of
 * polling; a revert is never held back.
 */
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
  void aStepWithNoRoomWritesNothingAndIsWokenWhenARoomFreesInsteadOfPolling() {
    List<String> woken = new ArrayList<>();
    StepPacer pacer = new StepPacer(1).wakingThrough(c -> woken.add(c.getMetadata().getName()));
    ScalingChange other = change("other");
    assertThat(pacer.tryEnter(other)).as("another change's step takes the one room").isTrue();
    Simulation sim = sim(pacer);

    Plan plan = sim.reconcile();

    assertThat(sim.flagWrites()).isZero();
    assertThat(sim.statusWrites()).isZero();
    // It used to be looked at again every 20 ms: 1,000 waiting changes kept a core busy.
    assertThat(plan.requeueAfter()).as("a fallback only").hasValueSatisfying(
        d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
    assertThat(woken).isEmpty();

    pacer.leave();

    assertThat(woken).containsExactly("use-redis");
    sim.reconcile();
    assertThat(sim.flagWrites()).isEqualTo(1);
    assertThat(pacer.waiting()).isZero();
  }

  @Test
  void roomsGoFirstComeFirstAndAWokenChangesRoomIsKeptForIt() {
    List<String> woken = new ArrayList<>();
    StepPacer pacer = new StepPacer(2).wakingThrough(c -> woken.add(c.getMetadata().getName()));
    assertThat(pacer.tryEnter(change("a"))).isTrue();
    assertThat(pacer.tryEnter(change("b"))).isTrue();
    assertThat(pacer.tryEnter(change("c"))).isFalse();
    assertThat(pacer.tryEnter(change("d"))).isFalse();
    assertThat(pacer.tryEnter(change("e"))).isFalse();

    pacer.leave();
    assertThat(woken).containsExactly("c");
    assertThat(pacer.tryEnter(change("f"))).as("a newcomer does not take c's room").isFalse();
    assertThat(pacer.tryEnter(change("d"))).as("nor does one behind c").isFalse();
    assertThat(pacer.tryEnter(change("c"))).isTrue();

    pacer.leave();
    pacer.leave();
    assertThat(woken).containsExactly("c", "d", "e");
    assertThat(pacer.waiting()).as("f").isEqualTo(1);
  }

  @Test
  void aWokenChangeWithNoStepAnyMorePassesItsRoomOn() {
    List<String> woken = new ArrayList<>();
    StepPacer pacer = new StepPacer(1).wakingThrough(c -> woken.add(c.getMetadata().getName()));
    assertThat(pacer.tryEnter(change("a"))).isTrue();
    assertThat(pacer.tryEnter(change("aborted-meanwhile"))).isFalse();
    assertThat(pacer.tryEnter(change("c"))).isFalse();

    pacer.leave();
    pacer.passedOver(change("aborted-meanwhile"));

    assertThat(woken).containsExactly("aborted-meanwhile", "c");
    assertThat(pacer.tryEnter(change("c"))).isTrue();
  }

  @Test
  void aRoomReservedForAChangeThatNeverCameBackLapsesAndGoesToTheNext() {
    long[] now = {0};
    List<String> woken = new ArrayList<>();
    StepPacer pacer = new StepPacer(1, () -> now[0]).wakingThrough(c -> woken.add(c.getMetadata().getName()));
    assertThat(pacer.tryEnter(change("a"))).isTrue();
    assertThat(pacer.tryEnter(change("deleted-meanwhile"))).isFalse();
    assertThat(pacer.tryEnter(change("c"))).isFalse();
    pacer.leave();
    assertThat(woken).containsExactly("deleted-meanwhile");

    now[0] += StepPacer.AGAIN.toNanos() - 1;
    assertThat(pacer.tryEnter(change("c"))).as("still reserved").isFalse();
    now[0] += 2;
    // c is looked at again after AGAIN at the latest, and the lapsed room is then handed out.
    assertThat(pacer.tryEnter(change("c"))).isTrue();
  }

  private static ScalingChange change(String name) {
    ScalingChange change = new ScalingChange();
    change.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("social").withUid("uid-" + name).build());
    return change;
  }

  @Test
  void anAbortIsNotPaced() {
    StepPacer pacer = new StepPacer(1);
    Simulation sim = sim(pacer);
    sim.reconcile();
    assertThat(sim.flagWrites()).isEqualTo(1);
    assertThat(pacer.tryEnter(change("other"))).as("the one room, taken by another change's step").isTrue();

    sim.annotate(Annotations.ABORT, "now");
    sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).doesNotContainKey("USE_REDIS_PERCENTAGE");
  }
}
