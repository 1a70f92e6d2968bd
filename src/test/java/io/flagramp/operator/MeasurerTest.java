package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.Spellings;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fair shares bound the queries sent, not the changes asking: a change whose query joins one
 * another change already sent takes no room. Queries are shared per namespace and keyed by the
 * canonical address: a namespace that fills its share leaves another's queries to start at once, and
 * spellings of one address are one endpoint. A Prometheus stand-in that holds each call until released
 * (those it is told to), so the rounds are in flight together; the shares and the sharing are the real
 * ones.
 */
class MeasurerTest {

  private static final Instant T = Instant.parse("2026-11-27T03:00:00Z");

  /** One query in flight and one waiting per namespace: the smallest share that still queues. */
  private final FairShares shares = new FairShares(new FairShares.Limits(1, 1, 1, 1, Integer.MAX_VALUE,
      "measurer-test-", "not asked: 1 query of this namespace is already waiting", "too many for this Prometheus"));
  private final HeldPrometheus prometheus = new HeldPrometheus();
  private final Measurer measurer = new Measurer(null, new SharedQueries(prometheus), Optional.empty(),
      AddressAllowlist.any(), shares);

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
  void aQueryMarkedUnsharedIsEvaluatedAgainForTheNextLookThoughAnAnswerWithinTheIntervalExists() {
    prometheus.release();
    MeasurementRequest shared = request(Map.of("latency#on", "p50{v=\"on\"}"));
    MeasurementRequest unshared = shared.unshared(java.util.Set.of("latency#on"));
    ScalingChange change = change("looks");

    measurer.measure(change, shared, T);
    measurer.measure(change, shared, T.plusSeconds(30));
    assertThat(prometheus.calls()).as("within the interval, the earlier answer is shared").isEqualTo(1);

    measurer.measure(change, unshared, T.plusSeconds(40));
    measurer.measure(change, unshared, T.plusSeconds(50));
    assertThat(prometheus.calls()).as("each look of a cohort's value is a new evaluation").isEqualTo(3);
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
        .filter(m -> m.equals(new Measurement.Failed("not asked: 1 query of this namespace is already waiting")))
        .toList();
    assertThat(turnedAway).as("one sent, one waiting, the third turned away").hasSize(1);
    assertThat(prometheus.calls()).isEqualTo(2);

    // A query that was turned away is not remembered as an answer: the next round sends it.
    Measurements again = measurer.measure(change, request, T.plusSeconds(1));
    assertThat(again.byMetric().values()).allMatch(m -> m instanceof Measurement.Value);
    assertThat(prometheus.calls()).isEqualTo(3);
  }

  @Test
  void aNamespaceThatFillsItsShareWithHangingQueriesLeavesAnotherNamespacesQueriesToStartAtOnce() {
    // The numbers: 27 changes with 10 slow queries each once filled the one pool every tenant shared.
    Measurer operator = new Measurer(null, new SharedQueries(prometheus), Optional.empty(), AddressAllowlist.any(),
        new FairShares());
    prometheus.holdOnly(q -> q.promql().startsWith("slow"));
    AtomicInteger aReady = new AtomicInteger();
    ScalingChange last = null;
    MeasurementRequest lastRequest = null;
    for (int c = 0; c < 27; c++) {
      Map<String, String> slow = new java.util.LinkedHashMap<>();
      for (int q = 0; q < 10; q++) {
        slow.put("m" + q, "slow_" + c + "_" + q);
      }
      last = change("tenant-a", "a-" + c, AnalysedChanges.PROMETHEUS);
      lastRequest = request(slow);
      assertThat(operator.answers(last, lastRequest, T, aReady::incrementAndGet)).isEmpty();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> prometheus.waiting() == FairShares.Limits.CALLS_PER_NAMESPACE);

    ScalingChange b = change("tenant-b", "b", AnalysedChanges.PROMETHEUS);
    AtomicInteger bReady = new AtomicInteger();
    MeasurementRequest bRequest = request(Map.of("error-rate", "sum(rate(errors_b[1m]))"));
    long asked = System.nanoTime();
    operator.answers(b, bRequest, T, bReady::incrementAndGet);
    await().atMost(Duration.ofSeconds(10)).until(() -> bReady.get() == 1);
    Duration took = Duration.ofNanos(System.nanoTime() - asked);

    assertThat(operator.answers(b, bRequest, T, () -> { }).orElseThrow().byMetric().get("error-rate"))
        .isEqualTo(new Measurement.Value(1.0));
    assertThat(took).as("answered while all of tenant-a's queries hang").isLessThan(Duration.ofSeconds(5));
    // 4 running and 256 waiting: the 27th change's queries overflow tenant-a's own share, and no one else's.
    assertThat(aReady.get()).as("tenant-a still waits for its own, but for the round that overflowed").isEqualTo(1);
    assertThat(operator.answers(last, lastRequest, T, () -> { }).orElseThrow().byMetric().values())
        .containsOnly(new Measurement.Failed("not asked: 256 queries of this namespace are already waiting for"
            + " Prometheus"));
    assertThat(prometheus.maxInFlight()).as("tenant-a held its share and no more, b one")
        .isEqualTo(FairShares.Limits.CALLS_PER_NAMESPACE + 1);
  }

  @Test
  void aQueryAnotherNamespaceHasWaitingInItsFullShareIsNotJoinedButAskedAtOnce() {
    Measurer operator = new Measurer(null, new SharedQueries(prometheus), Optional.empty(), AddressAllowlist.any(),
        new FairShares());
    prometheus.holdOnly(q -> q.promql().startsWith("slow"));
    String shared = "sum(rate(errors[1m]))";
    Map<String, String> slow = new java.util.LinkedHashMap<>();
    for (int q = 0; q < FairShares.Limits.CALLS_PER_NAMESPACE; q++) {
      slow.put("m" + q, "slow_" + q);
    }
    operator.answers(change("tenant-a", "a-0", AnalysedChanges.PROMETHEUS), request(slow), T, () -> { });
    await().atMost(Duration.ofSeconds(10)).until(() -> prometheus.waiting() == FairShares.Limits.CALLS_PER_NAMESPACE);
    // tenant-a's share is full: its copy of the query everyone asks waits in tenant-a's queue.
    operator.answers(change("tenant-a", "a-1", AnalysedChanges.PROMETHEUS), request(Map.of("e", shared)), T,
        () -> { });

    ScalingChange b = change("tenant-b", "b", AnalysedChanges.PROMETHEUS);
    AtomicInteger bReady = new AtomicInteger();
    operator.answers(b, request(Map.of("error-rate", shared)), T, bReady::incrementAndGet);

    await().atMost(Duration.ofSeconds(5)).until(() -> bReady.get() == 1);
    assertThat(operator.answers(b, request(Map.of("error-rate", shared)), T, () -> { }).orElseThrow().byMetric()
        .get("error-rate")).isEqualTo(new Measurement.Value(1.0));
  }

  @Test
  void sixtyFourSpellingsOfOneAddressAreOneEndpointAskedAtMostItsLimitAtOnce() {
    Measurer operator = new Measurer(null, new SharedQueries(prometheus), Optional.empty(),
        AddressAllowlist.parse(Spellings.PROMETHEUS), new FairShares());
    prometheus.holdOnly(q -> true);
    List<String> spellings = Spellings.of64();
    for (int i = 0; i < spellings.size(); i++) {
      // A namespace each, so that no namespace's share is what bounds them; distinct queries, so none is shared.
      Map<String, String> queries = new java.util.LinkedHashMap<>();
      for (int q = 0; q < 4; q++) {
        queries.put("m" + q, "vector(" + (i * 4 + q) + ")");
      }
      operator.answers(change("tenant-" + i, "c", spellings.get(i)), request(queries), T, () -> { });
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> prometheus.waiting() == FairShares.Limits.CALLS_PER_ENDPOINT);

    assertThat(prometheus.addresses()).as("one endpoint, in the form sent")
        .containsExactly("http://prometheus.monitoring.svc:9090");
    assertThat(prometheus.maxInFlight()).isEqualTo(FairShares.Limits.CALLS_PER_ENDPOINT);
    prometheus.release();
    await().atMost(Duration.ofSeconds(30)).until(() -> prometheus.calls() == 256);
    assertThat(prometheus.maxInFlight()).as("never more at once").isEqualTo(FairShares.Limits.CALLS_PER_ENDPOINT);
  }

  private static ScalingChange change(String namespace, String name, String address) {
    ScalingChange change = change(name);
    change.getMetadata().setNamespace(namespace);
    change.getMetadata().setUid(namespace + "-" + name);
    change.getSpec().getAnalysis().getPrometheus().setAddress(address);
    return change;
  }

  @Test
  void behindALabelEnforcingProxyEveryQueryOfAChangeIsScopedToItsOwnNamespace() {
    List<Query> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    Measurer scoped = new Measurer(null, query -> {
      sent.add(query);
      return 1.0;
    }, Optional.empty(), AddressAllowlist.any(), new FairShares(), Optional.of("namespace"));
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

  /**
   * Answers each query with the number in it (or 1), holding every call it is told to hold (all, by
   * default) until released; counts the calls, the most in flight at once and the addresses asked.
   */
  private static final class HeldPrometheus implements MetricsSource {
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Set<String> addresses = ConcurrentHashMap.newKeySet();
    private volatile Predicate<Query> held = q -> true;

    @Override
    public double query(Query query) {
      calls.incrementAndGet();
      addresses.add(query.endpoint().address());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (held.test(query)) {
          waiting.incrementAndGet();
          try {
            if (!released.await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never released");
            }
          } finally {
            waiting.decrementAndGet();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        inFlight.decrementAndGet();
      }
      String digits = query.promql().replaceAll("[^0-9]", "");
      return digits.isEmpty() ? 1.0 : Double.parseDouble(digits);
    }

    void holdOnly(Predicate<Query> which) {
      held = which;
    }

    int calls() {
      return calls.get();
    }

    int waiting() {
      return waiting.get();
    }

    int maxInFlight() {
      return maxInFlight.get();
    }

    Set<String> addresses() {
      return Set.copyOf(addresses);
    }

    void release() {
      released.countDown();
    }
  }
}
