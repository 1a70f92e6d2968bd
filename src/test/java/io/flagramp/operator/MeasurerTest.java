package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Measurements;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.Query;
import io.flagramp.metrics.SharedQueries;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-Prometheus bulkhead bounds the queries sent, not the changes asking: a change whose query
 * joins one another change already sent takes no room in the endpoint's pool or queue. A Prometheus
 * stand-in that holds each call until released, so the rounds are in flight together; the bulkhead
 * and the sharing are the real ones.
 */
class MeasurerTest {

  private static final Instant T = Instant.parse("2026-11-27T03:00:00Z");

  /** One query in flight and one waiting per endpoint: the smallest pool that still queues. */
  private final Bulkheads bulkheads = new Bulkheads(new Bulkheads.Limits(1, 1, 4, "measurer-test-",
      "too many endpoints", "not asked: 1 query is already waiting for this Prometheus"));
  private final HeldPrometheus prometheus = new HeldPrometheus();
  private final Measurer measurer = new Measurer(null, new SharedQueries(prometheus), Optional.empty(),
      AddressAllowlist.any(), bulkheads);

  @AfterEach
  void release() {
    prometheus.release();
  }

  @Test
  void fiftyChangesAskingTheSameQueryAreAllAnsweredByOneCallWithoutTakingARoomEach() {
    List<ScalingChange> changes = new ArrayList<>();
    AtomicInteger ready = new AtomicInteger();
    MeasurementRequest request = request(Map.of("error-rate", "sum(rate(errors[1m]))"));
    for (int i = 0; i < 50; i++) {
      ScalingChange change = change("change-" + i);
      changes.add(change);
      assertThat(measurer.answers(change, request, T, ready::incrementAndGet)).isEmpty();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> prometheus.waiting() == 1);

    prometheus.release();
    await().atMost(Duration.ofSeconds(10)).until(() -> ready.get() == 50);

    for (ScalingChange change : changes) {
      Measurements answers = measurer.answers(change, request, T, () -> { }).orElseThrow();
      assertThat(answers.byMetric().get("error-rate")).as(change.getMetadata().getName())
          .isEqualTo(new Measurement.Value(1.0));
    }
    assertThat(prometheus.calls()).isEqualTo(1);
  }

  @Test
  void distinctQueriesBeyondThePoolAndItsQueueAreStillTurnedAwayAndAskedAgainLater() {
    AtomicInteger ready = new AtomicInteger();
    MeasurementRequest request = request(Map.of("a", "vector(1)", "b", "vector(2)", "c", "vector(3)"));
    ScalingChange change = change("three-queries");
    measurer.answers(change, request, T, ready::incrementAndGet);
    await().atMost(Duration.ofSeconds(10)).until(() -> prometheus.waiting() == 1);
    prometheus.release();
    await().atMost(Duration.ofSeconds(10)).until(() -> ready.get() == 1);

    Measurements answers = measurer.answers(change, request, T, () -> { }).orElseThrow();
    List<Measurement> turnedAway = answers.byMetric().values().stream()
        .filter(m -> m.equals(new Measurement.Failed("not asked: 1 query is already waiting for this Prometheus")))
        .toList();
    assertThat(turnedAway).as("one sent, one waiting, the third turned away").hasSize(1);
    assertThat(prometheus.calls()).isEqualTo(2);

    // A query that was turned away is not remembered as an answer: the next round sends it.
    Measurements again = measurer.measure(change, request, T.plusSeconds(1));
    assertThat(again.byMetric().values()).allMatch(m -> m instanceof Measurement.Value);
    assertThat(prometheus.calls()).isEqualTo(3);
  }

  @Test
  void behindALabelEnforcingProxyEveryQueryOfAChangeIsScopedToItsOwnNamespace() {
    List<Query> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    Measurer scoped = new Measurer(null, query -> {
      sent.add(query);
      return 1.0;
    }, Optional.empty(), AddressAllowlist.any(), new Bulkheads(), Optional.of("namespace"));
    ScalingChange change = change("scoped");
    change.getMetadata().setNamespace("team-a");

    scoped.measure(change, new MeasurementRequest(MeasurementRequest.Kind.STEP, Map.of("a", "vector(1)"),
        Optional.of("vector(2)"), Duration.ofMinutes(1)).with(request(Map.of("b", "vector(3)"))), T);

    assertThat(sent).hasSize(3).allSatisfy(query -> assertThat(query.endpoint().tenant())
        .contains(new io.flagramp.metrics.PrometheusEndpoint.Tenant("namespace", "team-a")));
    assertThat(measurer.endpoint(change).tenant()).as("without the setting, PromQL goes as written").isEmpty();
  }

  private static MeasurementRequest request(Map<String, String> queries) {
    return new MeasurementRequest(MeasurementRequest.Kind.STEP, queries, Optional.empty(), Duration.ofMinutes(1));
  }

  private static ScalingChange change(String name) {
    return AnalysedChanges.change(name, T, new FlagTarget("app-features", "P", null), List.of(100));
  }

  /** Answers each query with the number in it (or 1), holding every call until released. */
  private static final class HeldPrometheus implements MetricsSource {
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();

    @Override
    public double query(Query query) {
      calls.incrementAndGet();
      waiting.incrementAndGet();
      try {
        if (!released.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        waiting.decrementAndGet();
      }
      String digits = query.promql().replaceAll("[^0-9]", "");
      return digits.isEmpty() ? 1.0 : Double.parseDouble(digits);
    }

    int calls() {
      return calls.get();
    }

    int waiting() {
      return waiting.get();
    }

    void release() {
      released.countDown();
    }
  }
}
