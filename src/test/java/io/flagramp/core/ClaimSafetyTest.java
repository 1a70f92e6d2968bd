package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.OnDelete;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.ReconcileFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The claim on the ConfigMap decides every write: short, ordinary sequences that once broke the
 * guarantees, each through the operator's own reconcile over the in-memory API. Each failed before the
 * claim bound a change, an attempt and one ConfigMap object.
 */
class ClaimSafetyTest {

  private static final String PCT = WriteAheadTest.PCT;
  private static final String ON = WriteAheadTest.ON;

  /** Change {@code name} on the keys of "use-redis", in the same API as {@code same}. */
  private static Simulation another(Simulation same, String name, Changes spec) {
    Simulation other = new Simulation(same, spec.build());
    other.now = same.now;
    return other;
  }

  /** Every ConfigMap patch applied, as "<change uid>: <data after>", in order. */
  private static List<String> recordWrites(Simulation sim) {
    List<String> writes = new ArrayList<>();
    sim.api.observer = (configMap, before, write, patch) -> {
      String who = write instanceof FlagWrite.SetValues set ? set.claim().uid()
          : write instanceof FlagWrite.Restore restore ? restore.claim().uid() : "release";
      writes.add(who + ": " + patch.appliedTo(before));
    };
    return writes;
  }

  private static long liveClaims(Simulation sim, String key) {
    return sim.api.claims(sim.configMapName()).stream().filter(c -> c.keys().contains(key) && !c.restored()).count();
  }

  // ---- 1. a re-created ConfigMap lets two changes write one key ----

  @Test
  void anAbortAfterTheConfigMapWasReCreatedNeverWritesOverTheKeysAnotherChangeNowHolds() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(10, "1h").step(100, null).build());
    a.runUntilStep(0);
    assertThat(a.configMap()).containsEntry(PCT, "10");
    a.deleteConfigMap();
    a.reconcile();
    a.createConfigMap(Map.of(ON, "false"));
    a.advance(Duration.ofSeconds(15));
    a.reconcile();
    assertThat(a.change.getStatus().getReason()).isEqualTo(Reason.ConfigMapReplaced);

    Simulation b = another(a, "b", Changes.change("b").step(20, "1h").step(100, null));
    b.runUntilStep(0);
    assertThat(b.configMap()).containsEntry(PCT, "20");
    List<String> writes = recordWrites(a);

    a.annotate(Annotations.ABORT, "on-call");
    a.reconcile();

    assertThat(writes).as("a writes nothing while b holds the keys").isEmpty();
    assertThat(a.configMap()).containsEntry(PCT, "20").containsEntry(ON, "true");
    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(a.change.getStatus().getLastDecision())
        .contains("not restored; left " + PCT + ", " + ON + " to ScalingChange b, which holds them now");
  }

  @Test
  void aChangeWhoseConfigMapWasReCreatedNeverResumesWhenAnotherChangeWritesItsWeight() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(10, "1m").step(50, "1m").step(100, null).build());
    a.runUntilStep(0);
    a.deleteConfigMap();
    a.reconcile();
    a.createConfigMap(Map.of(ON, "false"));
    Simulation b = another(a, "b", Changes.change("b").step(10, "1h").step(100, null));
    b.runUntilStep(0);
    List<String> writes = recordWrites(a);

    for (int i = 0; i < 20; i++) {
      a.advance(Duration.ofMinutes(1));
      a.reconcile();
    }

    assertThat(writes).as("a never writes the new ConfigMap").isEmpty();
    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.Held);
    assertThat(a.change.getStatus().getReason()).isEqualTo(Reason.ConfigMapReplaced);
    assertThat(a.configMap()).containsEntry(PCT, "10");
    assertThat(liveClaims(a, PCT)).as("one claim on the key").isEqualTo(1);
  }

  // ---- 2. a missing claim reads as "restore done" ----

  @Test
  void anAbortAfterTheConfigMapWasReCreatedWithTheChangesValuesRestoresThemEvenThroughAConflict() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(5, "1h").step(100, null).build());
    a.runUntilStep(0);
    a.api.deleteConfigMap(a.configMapName());
    a.createConfigMap(Map.of(PCT, "5", ON, "true"));
    a.reconcile();
    a.annotate(Annotations.ABORT, "on-call");
    AtomicInteger configMapWrites = new AtomicInteger();
    a.api.faults = kind -> kind == InMemoryApi.WriteKind.CONFIGMAP && configMapWrites.getAndIncrement() == 0
        ? InMemoryApi.Fault.CONFLICT : InMemoryApi.Fault.NONE;

    assertThatThrownBy(a::reconcile).isInstanceOf(ReconcileFault.class);
    a.api.faults = kind -> InMemoryApi.Fault.NONE;
    a.runUntilQuiet(10);

    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(a.change.getStatus().getIntent()).isNull();
    assertThat(a.configMap()).as("the original values, on the ConfigMap as it is now").isEqualTo(Map.of(ON, "false"));

    a.annotate(Annotations.RETRY, "again");
    a.runUntilStep(0);
    assertThat(a.change.getStatus().getOriginalValues()).as("never flagramp's own values")
        .isEqualTo(Map.of(ON, "false"));
  }

  @Test
  void deletingAChangeAfterItsConfigMapWasReCreatedWithItsValuesRestoresTheOriginalsAndSaysSo() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(5, "1h").step(100, null).build());
    a.runUntilStep(0);
    a.api.deleteConfigMap(a.configMapName());
    a.createConfigMap(Map.of(PCT, "5", ON, "true"));
    a.reconcile();

    a.delete();

    assertThat(a.configMap()).isEqualTo(Map.of(ON, "false"));
    assertThat(a.api.claims(a.configMapName())).as("nothing of the change is left").isEmpty();
    assertThat(a.events).anySatisfy(e -> {
      assertThat(e.reason()).isEqualTo("DeletedRestored");
      assertThat(e.message()).contains("removed " + PCT + " (was absent), restored " + ON + "=\"false\"");
    });
  }

  // ---- 3. a stale copy replays an old attempt's restore ----

  @Test
  void aStaleCopyOfAnEarlierAttemptNeverReplaysItsRestoreOverTheNextAttempt() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(1, "1h").step(100, null).build());
    a.runUntilStep(0);
    a.annotate(Annotations.ABORT, "first");
    a.api.faults = kind -> kind == InMemoryApi.WriteKind.CONFIGMAP ? InMemoryApi.Fault.LOST : InMemoryApi.Fault.NONE;
    assertThatThrownBy(a::reconcile).isInstanceOf(ReconcileFault.class);
    a.api.faults = kind -> InMemoryApi.Fault.NONE;
    ScalingChange attempt1 = a.copy();
    assertThat(attempt1.getStatus().getIntent().getAction().name()).isEqualTo("Restore");
    a.runUntilQuiet(10);
    a.annotate(Annotations.RETRY, "second");
    a.runUntilStep(0);
    assertThat(a.api.claims(a.configMapName())).singleElement()
        .satisfies(c -> assertThat(c.applied()).isEqualTo("2.1"));
    List<String> writes = recordWrites(a);

    try {
      a.reconcile(attempt1);
    } catch (ReconcileFault expected) {
      // the stale copy is refused; what matters is that nothing was written
    }

    assertThat(writes).as("the stale copy writes nothing").isEmpty();
    assertThat(a.configMap()).containsEntry(PCT, "1").containsEntry(ON, "true");
    assertThat(a.api.claims(a.configMapName())).singleElement()
        .satisfies(c -> assertThat(c.applied()).isEqualTo("2.1"));
  }

  // ---- 4. aborting an old Succeeded change undoes a later one ----

  @Test
  void abortingASucceededChangeAfterAnotherRampedTheKeysAndWasDeletedRestoresNothing() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(10, null).step(50, null).build());
    a.runUntilQuiet(20);
    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    Simulation b = another(a, "b", Changes.change("b").step(75, null).step(100, null));
    b.runUntilQuiet(20);
    assertThat(b.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    b.delete();
    assertThat(a.configMap()).containsEntry(PCT, "100");
    List<String> writes = recordWrites(a);

    a.now = b.now;
    a.annotate(Annotations.ABORT, "undo a");
    a.runUntilQuiet(5);

    assertThat(writes).isEmpty();
    assertThat(a.configMap()).containsEntry(PCT, "100");
    assertThat(a.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(a.events).anySatisfy(e -> {
      assertThat(e.reason()).isEqualTo("AbortRefused");
      assertThat(e.message()).contains("this change's claim is gone from ConfigMap app-features");
    });
  }

  // ---- 5. finishing an interrupted step skips the gates ----

  /** At weight 5 after a soak; the next step's intent is recorded, its ConfigMap write lost. */
  private static Simulation interruptedStep(ScalingChange change) {
    Simulation sim = WriteAheadTest.sim(change);
    sim.runUntilStep(1);
    assertThat(sim.configMap()).containsEntry(PCT, "5");
    sim.advance(Duration.ofMinutes(1));
    sim.api.faults = kind -> kind == InMemoryApi.WriteKind.CONFIGMAP ? InMemoryApi.Fault.LOST : InMemoryApi.Fault.NONE;
    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);
    sim.api.faults = kind -> InMemoryApi.Fault.NONE;
    assertThat(sim.change.getStatus().getIntent().getWeight()).isEqualTo(25);
    assertThat(sim.configMap()).containsEntry(PCT, "5");
    return sim;
  }

  private static Changes ramp() {
    return Changes.change("use-redis").step(1, "1m").step(5, "1m").step(25, "1m").step(100, null);
  }

  @Test
  void anInterruptedStepIsNotWrittenOnceTheDeployWindowHasClosed() {
    ScalingChange change = ramp().build();
    change.getSpec().setWindows(new DeployWindows("UTC", List.of(new AllowedWindow(null, "02:00", "02:05")), null));
    Simulation sim = interruptedStep(change);
    sim.now = WriteAheadTest.T0.plus(Duration.ofMinutes(9));

    sim.reconcile();

    assertThat(sim.configMap()).containsEntry(PCT, "5");
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(5);
    assertThat(sim.events).anySatisfy(e -> {
      assertThat(e.reason()).isEqualTo("StepNotWritten");
      assertThat(e.message()).contains("was not written: outside the deploy windows").endsWith("the flag stays at weight 5");
    });
  }

  @Test
  void anInterruptedStepIsNotWrittenWhileSuspended() {
    Simulation sim = interruptedStep(ramp().build());
    sim.change.getSpec().setSuspend(true);
    sim.specEdited();

    sim.reconcile();

    assertThat(sim.configMap()).containsEntry(PCT, "5");
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Paused);
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(5);
  }

  @Test
  void anInterruptedStepIsNotWrittenPastAStepInsertedBelowIt() {
    Simulation sim = interruptedStep(ramp().build());
    List<Step> steps = sim.change.getSpec().getSteps();
    steps.add(2, new Step(10, "1h"));
    sim.specEdited();

    sim.reconcile();
    sim.runUntilStep(2);

    assertThat(sim.configMap()).containsEntry(PCT, "10");
    assertThat(sim.events).anySatisfy(e -> assertThat(e.message())
        .contains("spec.steps was edited: the step after weight 5 is now weight 10"));
    assertThat(sim.events).filteredOn(e -> e.reason().equals("SpecEdited"))
        .allSatisfy(e -> assertThat(e.message()).contains("the flag stays at weight 5"));
  }

  // ---- 6. a restore hands a key back to flagramp when flagramp owned it ----

  @Test
  void aRestoreHandsAKeyAnEarlierChangeLeftBackToFlagrampNotToFlagrampRestore() {
    Simulation first = WriteAheadTest.sim(Changes.change("first").step(10, null).build());
    first.runUntilQuiet(10);
    assertThat(first.api.configMap("app-features").orElseThrow().owners).containsEntry(PCT, "flagramp");
    first.delete();
    Simulation second = another(first, "second", Changes.change("second").step(20, "1h").step(100, null));
    second.runUntilStep(0);

    second.annotate(Annotations.ABORT, "back");
    second.runUntilQuiet(5);

    assertThat(second.configMap()).containsEntry(PCT, "10");
    assertThat(second.api.configMap("app-features").orElseThrow().owners)
        .containsEntry(PCT, "flagramp").containsEntry(ON, "flagramp");
  }

  // ---- 9. a later change silently lowers a flag another change finished ----

  @Test
  void aChangeWhoseFirstStepWouldLowerTheFlagWaitsForApprovalAndSaysSoBeforeItWrites() {
    Simulation a = WriteAheadTest.sim(Changes.change("a").step(50, null).step(100, null).build());
    a.runUntilQuiet(20);
    assertThat(a.configMap()).containsEntry(PCT, "100");
    Simulation b = another(a, "b", Changes.change("b").step(30, "1m").step(60, "1m").step(100, null));
    List<String> writes = recordWrites(b);

    b.reconcile();

    assertThat(writes).isEmpty();
    assertThat(b.change.getStatus().getPhase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(b.change.getStatus().getLastDecision()).startsWith("the first step (weight 30) would lower "
        + PCT + " from 100 to 30, taking the flag away from 70% of users: a person must approve it");
    assertThat(b.events).anySatisfy(e -> assertThat(e.kind()).isEqualTo(Notice.Kind.Warning));

    b.annotate(Annotations.APPROVE, "yes, lower it");
    b.reconcile();
    b.reconcile();

    assertThat(b.configMap()).containsEntry(PCT, "30");
  }

  @Test
  void deletingAChangeWithOnDeleteKeepLeavesTheFlagAndItsClaimAsTheRecordOfWhoWroteIt() {
    ScalingChange change = Changes.change("a").step(10, "1h").step(100, null).build();
    change.getSpec().setOnDelete(OnDelete.Keep);
    Simulation a = WriteAheadTest.sim(change);
    a.runUntilStep(0);

    a.delete();

    assertThat(a.configMap()).containsEntry(PCT, "10");
    assertThat(a.api.claims(a.configMapName())).singleElement()
        .satisfies(c -> assertThat(c.applied()).isEqualTo("1.10"));
    assertThat(a.events).anySatisfy(e -> assertThat(e.reason()).isEqualTo("DeletedKept"));
  }
}
