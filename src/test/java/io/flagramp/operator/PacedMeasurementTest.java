package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.SharedQueries;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A step that waited for a room steps when its turn comes, with the measurements it was decided on.
 *
 * <p>Found by the scale benchmark: the answers of a round were dropped as soon as a reconcile read
 * them, so a change whose step then queued at the {@link StepPacer} had to measure again when woken.
 * Measuring, it passed its room on; the next woken change did the same; with the shared query already
 * answered each round completed at once, and 1,000 changes handed rooms round for 1.3 million
 * reconciles in 80 seconds without writing a step. The real {@link Measurer}, {@link SharedQueries},
 * fair shares and pacer; the API is the in-memory one and Prometheus a stand-in that answers at once.
 */
class PacedMeasurementTest {

  private static final Instant START = Instant.parse("2026-11-27T03:00:00Z");

  private final InMemoryApi api = new InMemoryApi();
  private Instant now = START;
  private final AtomicInteger queries = new AtomicInteger();
  private final AtomicInteger ready = new AtomicInteger();
  private final List<ScalingChange> woken = new CopyOnWriteArrayList<>();
  private final StepPacer pacer = new StepPacer(1).wakingThrough(woken::add);
  private final MetricsSource prometheus = query -> {
    queries.incrementAndGet();
    return 0.001;
  };
  private final Reconciliation reconciliation = new Reconciliation(
      new Planner(new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20)), api.flagStore("social"),
      new Measurer(null, new SharedQueries(prometheus), Optional.empty(), AddressAllowlist.any(), new FairShares()),
      (change, notice) -> { }, api.changes(), Simulation.clock(() -> now), change -> ready.incrementAndGet())
      .pacedBy(pacer);

  @Test
  void aStepQueuedForARoomStepsWhenWokenWithoutMeasuringAgain() {
    api.create(change());
    api.createConfigMap("app-features", Map.of(), "kubectl-client-side-apply");
    settle();
    assertThat(percentage()).isEqualTo("1");

    now = START.plus(Duration.ofMinutes(1));
    ScalingChange other = change();
    other.getMetadata().setUid("uid-another-change-stepping");
    assertThat(pacer.tryEnter(other)).as("another change's step holds the only room").isTrue();

    Plan queued = settle();
    assertThat(queued.write()).as("decided to step, but queued for the room").isEmpty();
    assertThat(pacer.waiting()).isEqualTo(1);
    int asked = queries.get();
    int rounds = ready.get();

    pacer.leave();
    assertThat(woken).extracting(c -> c.getMetadata().getName()).containsExactly("use-redis");
    Plan stepped = reconciliation.reconcile(api.read("use-redis"), api.statusStore());

    assertThat(stepped.write()).as("stepped at its turn").isPresent();
    assertThat(percentage()).isEqualTo("5");
    assertThat(queries.get()).as("queries sent at its turn").isEqualTo(asked);
    assertThat(ready.get()).as("rounds started at its turn").isEqualTo(rounds);
    assertThat(pacer.waiting()).isZero();
  }

  @Test
  void answersAStepWasWrittenWithAreNeverGivenToTheNextRoundEvenWhenItsConfigMapWriteFailed() {
    ScalingChange change = change();
    change.getSpec().getAnalysis().setInterval("2s");
    api.create(change);
    api.createConfigMap("app-features", Map.of(), "kubectl-client-side-apply");
    settle();
    for (int second = 2; second < 60; second += 2) {
      now = START.plusSeconds(second);
      settle();
    }
    assertThat(percentage()).isEqualTo("1");

    // Soaked: the round passes, the status recording it and step 2's intent is applied, the ConfigMap
    // write is lost.
    now = START.plusSeconds(60);
    api.faults = kind -> kind == InMemoryApi.WriteKind.CONFIGMAP ? InMemoryApi.Fault.LOST : InMemoryApi.Fault.NONE;
    assertThatThrownBy(this::settle).isInstanceOf(FlagWriteFailed.class);
    api.faults = kind -> InMemoryApi.Fault.NONE;
    settle();
    assertThat(percentage()).as("the intent finished").isEqualTo("5");

    int asked = queries.get();
    now = START.plusSeconds(62);
    settle();
    assertThat(queries.get()).as("the next round, 2s on, asks Prometheus").isEqualTo(asked + 1);
  }

  private Plan settle() {
    return AnalysedChanges.settle(reconciliation, api, "use-redis", ready);
  }

  private String percentage() {
    return api.configMap("app-features").orElseThrow().data.get("USE_REDIS_PERCENTAGE");
  }

  private static ScalingChange change() {
    return AnalysedChanges.change("use-redis", START, new FlagTarget("app-features", "USE_REDIS_PERCENTAGE",
        "USE_REDIS"), List.of(1, 5, 100));
  }
}
