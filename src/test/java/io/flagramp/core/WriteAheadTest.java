package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Baseline;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MinSamples;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.demo.InMemoryApi;
import io.flagramp.demo.Simulation;
import io.flagramp.operator.ReconcileFault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Write-ahead intents, one fault at a time: each ConfigMap write is recorded in status first, and the
 * next reconcile finishes it (or, when it can no longer be made as decided, rewinds status to before it).
 */
class WriteAheadTest {

  static final PlannerSettings SETTINGS = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20, true);
  static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  static final String PCT = "USE_REDIS_PERCENTAGE";
  static final String ON = "USE_REDIS";

  static Simulation sim(ScalingChange change) {
    Simulation sim = new Simulation(SETTINGS, change, T0);
    sim.externalWrite(ON, "false", "kubectl-client-side-apply");
    return sim;
  }

  static Simulation sim() {
    return sim(Changes.change("use-redis").step(1, "30s").step(5, "30s").step(100, null).build());
  }

  /** The next write of this kind meets {@code fault}; the others go through. */
  static void nextWrite(Simulation sim, InMemoryApi.WriteKind kind, InMemoryApi.Fault fault) {
    AtomicBoolean used = new AtomicBoolean();
    sim.api.faults = k -> k == kind && used.compareAndSet(false, true) ? fault : InMemoryApi.Fault.NONE;
  }

  @Test
  void aStepIsRecordedInStatusBeforeItsConfigMapWriteAndFinishedWhenThatWriteIsLost() {
    Simulation sim = sim();
    nextWrite(sim, InMemoryApi.WriteKind.CONFIGMAP, InMemoryApi.Fault.LOST);

    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);

    FlagIntent intent = sim.change.getStatus().getIntent();
    assertThat(intent.getAction()).isEqualTo(FlagIntent.Action.Step);
    assertThat(intent.getValues()).isEqualTo(Map.of(PCT, "1", ON, "true"));
    assertThat(sim.change.getStatus().getOriginalValues()).isEqualTo(Map.of(ON, "false"));
    assertThat(sim.configMap()).doesNotContainKey(PCT);

    Plan finish = sim.reconcile();

    assertThat(finish.notice().orElseThrow().message()).isEqualTo("finished the interrupted write: writing weight 1");
    assertThat(sim.configMap()).containsEntry(PCT, "1").containsEntry(ON, "true");
    assertThat(sim.statusWrites()).as("finishing needs no status write").isEqualTo(1);
  }

  @Test
  void aStepWhoseWriteIsFinishedLaterSoaksItsFullPauseFromThen() {
    Simulation sim = sim();
    sim.runUntilStep(0);
    sim.advance(Duration.ofSeconds(30));
    nextWrite(sim, InMemoryApi.WriteKind.CONFIGMAP, InMemoryApi.Fault.LOST);
    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);
    sim.advance(Duration.ofSeconds(20));  // the operator was down, say

    sim.reconcile();

    assertThat(sim.configMap()).containsEntry(PCT, "5");
    assertThat(sim.change.getStatus().getStepStartedAt()).isEqualTo(Timestamps.format(sim.now));
    sim.advance(Duration.ofSeconds(29));
    assertThat(sim.reconcile().write()).as("29s after the weight landed: still soaking").isEmpty();
    sim.advance(Duration.ofSeconds(1));
    assertThat(sim.reconcile().write()).as("30s after it landed").isPresent();
  }

  @Test
  void aWriteThatLandedWhoseAnswerWasLostIsNotMadeAgain() {
    Simulation sim = sim();
    nextWrite(sim, InMemoryApi.WriteKind.CONFIGMAP, InMemoryApi.Fault.APPLIED_ANSWER_LOST);
    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);
    int writes = sim.flagWrites();

    Plan next = sim.reconcile();

    assertThat(next.write()).isEmpty();
    assertThat(sim.flagWrites()).isEqualTo(writes);
    assertThat(sim.change.getStatus().getCurrentWeight()).isEqualTo(1);
  }

  @Test
  void aKeyChangedBetweenTheFirstStepsTwoWritesIsRecordedAfreshAsTheOriginal() {
    Simulation sim = sim();
    // The status write lands; before the ConfigMap write someone switches the flag by hand (a 409).
    sim.api.faults = kind -> {
      if (kind == InMemoryApi.WriteKind.CONFIGMAP && sim.change.getStatus() != null
          && "false".equals(sim.configMap().get(ON))) {
        sim.externalWrite(ON, "maybe", "kubectl-edit");
      }
      return InMemoryApi.Fault.NONE;
    };
    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);
    sim.api.faults = kind -> InMemoryApi.Fault.NONE;

    sim.reconcile();

    assertThat(sim.change.getStatus().getOriginalValues()).isEqualTo(Map.of(ON, "maybe"));
    assertThat(sim.configMap()).containsEntry(PCT, "1");
    sim.annotate(Annotations.ABORT, "back");
    sim.runUntilQuiet(10);
    assertThat(sim.configMap()).isEqualTo(Map.of(ON, "maybe"));
  }

  @Test
  void aRevertIsRecordedBeforeTheRestoreAndALostRestoreIsFinishedNotForgotten() {
    Simulation sim = sim();
    sim.runUntilStep(1);
    sim.annotate(Annotations.ABORT, "now");
    nextWrite(sim, InMemoryApi.WriteKind.CONFIGMAP, InMemoryApi.Fault.LOST);
    assertThatThrownBy(sim::reconcile).isInstanceOf(ReconcileFault.class);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.configMap()).containsEntry(PCT, "5");

    sim.advance(Duration.ofMinutes(5));
    sim.runUntilQuiet(10);

    assertThat(sim.configMap()).isEqualTo(Map.of(ON, "false"));
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getIntent()).isNull();
  }

  @Test
  void aConfigMapDeletedAndCreatedAgainMidRolloutHoldsTheChangeAsReplacedInsteadOfRestartingIt() {
    Simulation sim = sim();
    sim.runUntilStep(1);
    sim.deleteConfigMap();
    sim.reconcile();
    assertThat(sim.change.getStatus().getReason()).isEqualTo(Reason.ConfigMapNotFound);

    sim.createConfigMap(Map.of("OTHER", "x"));
    sim.advance(Duration.ofSeconds(15));
    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Held);
    assertThat(plan.status().getReason()).isEqualTo(Reason.ConfigMapReplaced);
    assertThat(plan.status().getLastDecision()).startsWith("ConfigMap app-features was deleted and created again");
    assertThat(plan.write()).isEmpty();
    assertThat(sim.change.getStatus().getOriginalValues()).as("the attempt's originals are kept")
        .isEqualTo(Map.of(ON, "false"));
  }

  @Test
  void aStepIsMeasuredOneIntervalAfterItWasEnteredWhateverItsPause() {
    ScalingChange change = Changes.change("use-redis").step(10, "30s").step(100, null).build();
    change.getSpec().setAnalysis(analysis("2s"));
    Simulation sim = sim(change);
    sim.metrics = (name, promql) -> new Measurement.Value(0.5);

    Plan entered = sim.reconcile();
    assertThat(entered.requeueAfter()).contains(Duration.ofSeconds(2));
    sim.advance(Duration.ofSeconds(2));
    sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.queries).as("the step's first measurement, 2s after it was entered").isEqualTo(1);
  }

  @Test
  void measurementsDuringABakeComeEveryIntervalOnTheStepsGrid() {
    ScalingChange change = Changes.change("use-redis").step(100, "10s").build();
    change.getSpec().setAnalysis(analysis("3s"));
    change.getSpec().setBake("20s");
    Simulation sim = sim(change);
    List<Instant> measured = new ArrayList<>();
    sim.metrics = (name, promql) -> {
      measured.add(sim.now);
      return new Measurement.Value(0.001);
    };

    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    for (int i = 1; i < measured.size(); i++) {
      assertThat(Duration.between(measured.get(i - 1), measured.get(i))).isEqualTo(Duration.ofSeconds(3));
    }
  }

  @Test
  void aLastStepThatPassesLateBakesInFullFromThen() {
    ScalingChange change = Changes.change("use-redis").step(100, "1m").build();
    Analysis analysis = analysis("1m");
    analysis.setMinSamples(new MinSamples("samples", 1000));
    change.getSpec().setAnalysis(analysis);
    change.getSpec().setBake("1h");
    Simulation sim = sim(change);
    AtomicReference<Instant> trafficFrom = new AtomicReference<>(T0.plus(Duration.ofHours(3)));
    sim.metrics = (name, promql) -> name.equals("minSamples")
        ? new Measurement.Value(sim.now.isBefore(trafficFrom.get()) ? 10 : 5000) : new Measurement.Value(0.001);

    sim.runUntilQuiet(1000);

    HistoryEntry last = sim.change.getStatus().getHistory().get(0);
    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(Timestamps.parse(sim.change.getStatus().getBakeStartedAt())).isAfterOrEqualTo(trafficFrom.get());
    assertThat(Timestamps.parse(last.getEndedAt())).isAfterOrEqualTo(trafficFrom.get().plus(Duration.ofHours(1)));
  }

  @Test
  void eachAttemptMeasuresItsOwnBaselineAtItsStart() {
    ScalingChange change = Changes.change("use-redis").step(10, "1m").step(100, null).build();
    Analysis analysis = analysis("1m");
    analysis.setBaseline(new Baseline("10m"));
    MetricCheck latency = new MetricCheck("p99-latency", "latency");
    latency.setMaxIncrease("50%");
    analysis.getMetrics().add(latency);
    change.getSpec().setAnalysis(analysis);
    Simulation sim = sim(change);
    AtomicReference<Double> latencyNow = new AtomicReference<>(0.2);
    sim.metrics = (name, promql) -> new Measurement.Value(name.equals("p99-latency") ? latencyNow.get() : 0.001);
    sim.runUntilStep(0);
    sim.annotate(Annotations.ABORT, "not now");
    sim.runUntilQuiet(10);

    latencyNow.set(0.4);  // the app is slower now, flag off
    sim.advance(Duration.ofDays(7));
    sim.annotate(Annotations.RETRY, "again");
    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.change.getStatus().getBaseline()).containsEntry("p99-latency", "0.4");
    String secondAttemptStarted = sim.change.getStatus().getHistory().stream().filter(h -> h.getAttempt() == 2)
        .findFirst().orElseThrow().getStartedAt();
    assertThat(sim.change.getStatus().getBaselineAt()).isEqualTo(secondAttemptStarted);
  }

  @Test
  void aMetricWhoseQueryChangesMidRolloutIsBaselinedAgainAtTheAttemptsStart() {
    ScalingChange change = Changes.change("use-redis").step(10, "5m").step(100, null).build();
    Analysis analysis = analysis("1m");
    analysis.setBaseline(new Baseline("10m"));
    change.getSpec().setAnalysis(analysis);
    Simulation sim = sim(change);
    List<Instant> baselineAt = new ArrayList<>();
    sim.metrics = (name, promql) -> {
      if (promql.startsWith("avg_over_time")) {
        baselineAt.add(sim.queryAt);
      }
      return new Measurement.Value(name.equals("p99-latency") ? 0.2 : 0.001);
    };
    sim.runUntilStep(0);
    sim.advance(Duration.ofMinutes(2));

    MetricCheck latency = new MetricCheck("p99-latency", "latency");
    latency.setMaxIncrease("50%");
    sim.change.getSpec().getAnalysis().getMetrics().add(latency);
    sim.specEdited();
    sim.runUntilQuiet(100);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(sim.change.getStatus().getBaseline()).containsEntry("p99-latency", "0.2");
    assertThat(baselineAt).as("both baselines end where the attempt began").containsOnly(T0);
  }

  @Test
  void aRestoreHandsEachKeyBackToTheManagerThatOwnedItBefore() {
    Simulation sim = sim();
    sim.runUntilStep(1);
    assertThat(sim.api.configMap("app-features").orElseThrow().owners).containsEntry(ON, "flagramp");
    sim.annotate(Annotations.ABORT, "now");

    sim.runUntilQuiet(10);

    assertThat(sim.api.configMap("app-features").orElseThrow().owners)
        .containsEntry(ON, "kubectl-client-side-apply").doesNotContainKey(PCT);
  }

  private static Analysis analysis(String interval) {
    Analysis analysis = new Analysis();
    analysis.setInterval(interval);
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    return analysis;
  }
}
