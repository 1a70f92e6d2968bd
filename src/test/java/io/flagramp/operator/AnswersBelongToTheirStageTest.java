package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Annotations;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A measurement belongs to the attempt and the step it was asked for: answers kept from an earlier
 * attempt (or step) are never judged as the current one's, and none older than one interval is judged.
 * The real {@link Measurer} and {@link SharedQueries}; the API is the in-memory one and Prometheus a
 * stand-in whose error rate the test sets.
 */
class AnswersBelongToTheirStageTest {

  private static final Instant START = Instant.parse("2026-11-27T03:00:00Z");

  private final InMemoryApi api = new InMemoryApi();
  private Instant now = START;
  private volatile double errorRate = 0.001;
  private final AtomicInteger queries = new AtomicInteger();
  private final AtomicInteger ready = new AtomicInteger();
  private final MetricsSource prometheus = query -> {
    queries.incrementAndGet();
    return errorRate;
  };
  private final Reconciliation reconciliation = new Reconciliation(
      new Planner(new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20)), api.flagStore("social"),
      new Measurer(null, new SharedQueries(prometheus), Optional.empty(), AddressAllowlist.any(), new FairShares()),
      (change, notice) -> { }, api.changes(), Simulation.clock(() -> now), change -> ready.incrementAndGet());

  @Test
  void answersKeptFromAnAbortedAttemptAreNeverJudgedAsTheNextAttemptsFirstRound() {
    ScalingChange change = AnalysedChanges.change("use-redis", START, new FlagTarget("app-features",
        "USE_REDIS_PERCENTAGE", "USE_REDIS"), List.of(1, 5, 100));
    change.getSpec().getAnalysis().setInterval("2s");
    api.create(change);
    api.createConfigMap("app-features", Map.of(), "kubectl-client-side-apply");
    settle();
    assertThat(percentage()).isEqualTo("1");

    // Attempt 1 breaches, and its round completes; on-call aborts before the reconcile that would judge it.
    errorRate = 0.5;
    now = START.plusSeconds(2);
    startRoundAndWait();
    annotate(Annotations.ABORT, "on-call");
    settle();
    assertThat(api.read("use-redis").getStatus().getPhase()).isEqualTo(Phase.RolledBack);

    // The app is fixed and the change retried at once: attempt 2's first round is its own.
    errorRate = 0.001;
    now = START.plusSeconds(3);
    annotate(Annotations.RETRY, "fixed");
    settle();
    settle();
    assertThat(percentage()).isEqualTo("1");
    int asked = queries.get();
    now = START.plusSeconds(5);
    settle();

    assertThat(queries.get()).as("attempt 2's first round asks Prometheus").isGreaterThan(asked);
    assertThat(api.read("use-redis").getStatus().getPhase()).isEqualTo(Phase.Progressing);
    assertThat(api.read("use-redis").getStatus().getAttempt()).isEqualTo(2);
    assertThat(percentage()).isEqualTo("1");
  }

  @Test
  void answersOlderThanOneIntervalAreAskedForAgainBeforeTheyAreJudged() {
    ScalingChange change = AnalysedChanges.change("use-redis", START, new FlagTarget("app-features",
        "USE_REDIS_PERCENTAGE", "USE_REDIS"), List.of(1, 5, 100));
    change.getSpec().getAnalysis().setInterval("2s");
    api.create(change);
    api.createConfigMap("app-features", Map.of(), "kubectl-client-side-apply");
    settle();
    errorRate = 0.5;
    now = START.plusSeconds(2);
    startRoundAndWait();
    errorRate = 0.001;

    now = START.plusSeconds(5);
    settle();

    assertThat(api.read("use-redis").getStatus().getPhase()).as("the breach 3s old was not judged")
        .isEqualTo(Phase.Progressing);
    assertThat(percentage()).isEqualTo("1");
  }

  private void startRoundAndWait() {
    int before = ready.get();
    Plan plan = reconciliation.reconcile(api.read("use-redis"), api.statusStore());
    assertThat(plan.requeueAfter()).as("a round started").contains(Reconciliation.ROUND_LIMIT);
    await().atMost(Duration.ofSeconds(10)).until(() -> ready.get() > before);
  }

  private void annotate(String key, String value) {
    api.stored("use-redis").getMetadata().getAnnotations().put(key, value);
    api.touch("use-redis");
  }

  private Plan settle() {
    return AnalysedChanges.settle(reconciliation, api, "use-redis", ready);
  }

  private String percentage() {
    return api.configMap("app-features").orElseThrow().data.get("USE_REDIS_PERCENTAGE");
  }
}
