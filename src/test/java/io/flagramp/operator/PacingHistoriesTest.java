package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.FlagWrite;
import io.flagramp.core.Plan;
import io.flagramp.core.Planner;
import io.flagramp.core.PlannerSettings;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.metrics.SharedQueries;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generated histories of several analysed changes sharing one query and a small step pacer, with
 * other steps taking and freeing rooms at random and measurement rounds completing on the real
 * fair shares' threads (or at once, when the shared query is already answered). The driver plays
 * JOSDK: each change is reconciled on its events (round ready, woken by the pacer) or its requeue,
 * one at a time, in a seeded random order, on a simulated clock.
 *
 * <p>After every reconcile: the weight moves only along the schedule, one step at a time, and no step
 * is written twice. At the end: every change Succeeded within a bounded number of reconciles, so no
 * change can keep another from its step by handing rooms round (the livelock the scale benchmark
 * found). The real {@link Measurer}, {@link SharedQueries}, {@link FairShares} and {@link StepPacer};
 * the API is the in-memory one, and Prometheus a stand-in that answers at once.
 */
class PacingHistoriesTest {

  private static final Logger log = LoggerFactory.getLogger(PacingHistoriesTest.class);

  private static final Instant START = Instant.parse("2026-11-27T04:00:00Z");
  private static final List<Integer> WEIGHTS = List.of(1, 5, 25, 100);
  /** Reconciles a change may take per step before the history counts as a livelock. */
  private static final int RECONCILES_PER_STEP = 12;

  static List<Long> seeds() {
    List<Long> seeds = new ArrayList<>();
    for (long s = 0; s < 40; s++) {
      seeds.add(20261127L + s);
    }
    return seeds;
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void everyQueuedStepIsWrittenOnceInItsTurnAndEveryChangeFinishes(long seed) {
    History history = new History(new Random(seed));
    history.run();
  }

  private static final class History {
    private final Random random;
    private final InMemoryApi api = new InMemoryApi();
    private volatile Instant now = START;
    private final int changes;
    private final int rooms;
    private final StepPacer pacer;
    private final Reconciliation reconciliation;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Set<String> awaitingRound = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> requeueAt = new LinkedHashMap<>();
    private final Map<String, Integer> lastWeight = new HashMap<>();
    private final Map<String, Integer> reconciles = new HashMap<>();
    private final Map<String, Integer> stepWrites = new ConcurrentHashMap<>();
    private final List<ScalingChange> hogsInFlight = new ArrayList<>();
    private final AtomicInteger hogs = new AtomicInteger();
    private final List<String> trail = new ArrayList<>();

    History(Random random) {
      this.random = random;
      this.changes = 2 + random.nextInt(6);
      this.rooms = 1 + random.nextInt(2);
      this.pacer = new StepPacer(rooms, () -> now.getEpochSecond() * 1_000_000_000L + now.getNano())
          .wakingThrough(c -> dirty.add(c.getMetadata().getName()));
      this.reconciliation = new Reconciliation(
          new Planner(new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20)),
          api.flagStore("social"),
          new Measurer(null, new SharedQueries(query -> 0.001), Optional.empty(), AddressAllowlist.any(),
              new FairShares()),
          (change, notice) -> { }, api.changes(), Simulation.clock(() -> now),
          change -> dirty.add(change.getMetadata().getName())).pacedBy(pacer);
      api.observer = (configMap, before, write, patch) -> {
        if (write instanceof FlagWrite.SetValues) {
          stepWrites.merge(configMap, 1, Integer::sum);
        }
      };
      for (int i = 0; i < changes; i++) {
        String name = "change-" + i;
        api.createConfigMap("features-" + i, Map.of(), "kubectl-client-side-apply");
        api.create(AnalysedChanges.change(name, START, new FlagTarget("features-" + i, "P", null), WEIGHTS));
        dirty.add(name);
      }
    }

    void run() {
      int limit = changes * WEIGHTS.size() * RECONCILES_PER_STEP;
      int total = 0;
      while (!allSucceeded()) {
        assertThat(total).as("reconciles before every change Succeeded (%d changes, %d rooms); last: %s",
            changes, rooms, tail()).isLessThan(limit);
        otherStepsComeAndGo();
        if (!dirty.isEmpty()) {
          List<String> due = new ArrayList<>(dirty);
          String name = due.get(random.nextInt(due.size()));
          dirty.remove(name);
          reconcile(name);
          total++;
        } else if (!awaitingRound.isEmpty()) {
          await("a measurement round completes").atMost(Duration.ofSeconds(10)).until(() -> !dirty.isEmpty());
        } else {
          advanceClock();
        }
      }
      log.info("{} changes, {} rooms, {} other steps: {} reconciles, {} per step written", changes, rooms, hogs.get(),
          total, String.format("%.2f", (double) total / (changes * WEIGHTS.size())));
    }

    private void reconcile(String name) {
      awaitingRound.remove(name);
      Plan plan = reconciliation.reconcile(api.read(name), api.statusStore());
      reconciles.merge(name, 1, Integer::sum);
      Duration after = plan.requeueAfter().orElse(Duration.ofSeconds(60));
      requeueAt.put(name, now.plus(after));
      if (after.equals(Reconciliation.ROUND_LIMIT) && !dirty.contains(name)) {
        awaitingRound.add(name);
      }
      int index = Integer.parseInt(name.substring("change-".length()));
      String written = api.configMap("features-" + index).orElseThrow().data.get("P");
      int weight = written == null ? 0 : Integer.parseInt(written);
      int before = lastWeight.getOrDefault(name, 0);
      trail.add(now + " " + name + " " + before + "->" + weight + " requeue " + after);
      if (weight != before) {
        int expected = before == 0 ? WEIGHTS.get(0) : WEIGHTS.get(WEIGHTS.indexOf(before) + 1);
        assertThat(weight).as("%s moves only to its next step; %s", name, tail()).isEqualTo(expected);
        lastWeight.put(name, weight);
      }
      assertThat(stepWrites.getOrDefault("features-" + index, 0)).as("%s: one write per step; %s", name, tail())
          .isEqualTo(WEIGHTS.indexOf(weight) + 1);
    }

    /** Steps of other changes (not modelled otherwise) take a room now and then, and free it later. */
    private void otherStepsComeAndGo() {
      if (!hogsInFlight.isEmpty() && random.nextInt(3) == 0) {
        hogsInFlight.remove(random.nextInt(hogsInFlight.size()));
        pacer.leave();
      }
      if (random.nextInt(4) == 0) {
        ScalingChange hog = new ScalingChange();
        hog.setMetadata(new ObjectMetaBuilder().withName("other-" + hogs.incrementAndGet()).withNamespace("elsewhere")
            .withUid("uid-other-" + hogs.get()).build());
        if (pacer.tryEnter(hog)) {
          hogsInFlight.add(hog);
        } else {
          pacer.passedOver(hog);
        }
      }
    }

    /** Nothing to do until a requeue: time moves to it; the other steps in flight are done by then. */
    private void advanceClock() {
      while (!hogsInFlight.isEmpty()) {
        hogsInFlight.remove(0);
        pacer.leave();
      }
      if (!dirty.isEmpty()) {
        return;
      }
      Instant next = requeueAt.entrySet().stream().filter(e -> !succeeded(e.getKey())).map(Map.Entry::getValue)
          .min(Instant::compareTo).orElseThrow();
      if (next.isAfter(now)) {
        now = next;
      }
      requeueAt.forEach((name, at) -> {
        if (!at.isAfter(now) && !succeeded(name)) {
          dirty.add(name);
        }
      });
    }

    private boolean allSucceeded() {
      for (int i = 0; i < changes; i++) {
        if (!succeeded("change-" + i)) {
          return false;
        }
      }
      return true;
    }

    private boolean succeeded(String name) {
      ScalingChange stored = api.stored(name);
      return stored.getStatus() != null && stored.getStatus().getPhase() == Phase.Succeeded;
    }

    private String tail() {
      return String.join("\n", trail.subList(Math.max(0, trail.size() - 12), trail.size()));
    }
  }
}
