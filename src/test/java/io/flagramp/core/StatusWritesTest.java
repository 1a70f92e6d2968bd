package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A soak with analysis writes status when a reader would see something new, and at the heartbeat. */
class StatusWritesTest {

  static Simulation soaking(AtomicBoolean bad) {
    ScalingChange change = AnalysisPlannerTest.threeSteps();
    change.getSpec().getSteps().forEach(s -> s.setPause("3h"));
    Simulation sim = AnalysisPlannerTest.sim(change);
    double[] wobble = {0.001};
    sim.metrics = (name, promql) -> {
      wobble[0] = wobble[0] == 0.001 ? 0.002 : 0.001;  // the values move every round, nothing else does
      return name.equals("error-rate") ? new Measurement.Value(bad.get() ? 0.5 : wobble[0])
          : AnalysisPlannerTest.healthy(name, promql);
    };
    sim.runUntilStep(0);
    sim.advance(Duration.ofMinutes(5));
    sim.reconcile();
    return sim;
  }

  @Test
  void anHourOfSoakingWithAnalysisEveryMinuteWritesStatusAtMostSixTimesWhenNothingChanges() {
    Simulation sim = soaking(new AtomicBoolean(false));
    int before = sim.statusWrites();
    int rounds = 0;
    Instant end = sim.now().plus(Duration.ofHours(1));
    while (sim.now().isBefore(end)) {
      sim.advance(sim.reconcile().requeueAfter().orElseThrow());
      rounds++;
    }

    assertThat(rounds).as("measured every minute").isGreaterThanOrEqualTo(60);
    assertThat(sim.statusWrites() - before).isBetween(5, 6);
  }

  @Test
  void aFailureIsWrittenAtOnceAndSurvivesARestartOfTheOperator() {
    AtomicBoolean bad = new AtomicBoolean(false);
    Simulation sim = soaking(bad);
    int before = sim.statusWrites();

    bad.set(true);
    sim.advance(Duration.ofMinutes(1));
    sim.reconcile();

    assertThat(sim.statusWrites()).isEqualTo(before + 1);
    MetricStatus stored = Analyzer.metric(sim.change.getStatus(), "error-rate");
    assertThat(stored.getConsecutiveFailures()).isEqualTo(1);

    Simulation restarted = sim.restartedAt(sim.now().plus(Duration.ofSeconds(30)));
    restarted.advance(Duration.ofMinutes(1));
    restarted.reconcile();
    assertThat(restarted.change.getStatus().getPhase()).as("the second failure in a row, counted from the stored"
        + " first, reaches failureLimit 2").isEqualTo(io.flagramp.api.v1alpha1.Phase.RolledBack);
  }

  @Test
  void onlyMeasuredValuesIsFalseForAnyOtherDifference() {
    Simulation sim = soaking(new AtomicBoolean(false));
    var stored = sim.change.getStatus();
    var next = stored.copy();
    next.getMetrics().get(0).setValue("0.9");
    next.getMetrics().get(0).setMeasuredAt("2026-11-26T09:00:00Z");
    assertThat(StatusDiff.onlyMeasuredValues(stored, next)).isTrue();

    next.getMetrics().get(0).setConsecutiveErrors(1);
    assertThat(StatusDiff.onlyMeasuredValues(stored, next)).isFalse();
    var other = stored.copy();
    other.setLastDecision("something else");
    assertThat(StatusDiff.onlyMeasuredValues(stored, other)).isFalse();
  }
}
