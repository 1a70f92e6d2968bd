package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SharedQueriesTest {

  private static final Instant T = Instant.parse("2026-03-02T10:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final PrometheusEndpoint PROMETHEUS = new PrometheusEndpoint(
      "http://prometheus:9090", Duration.ofSeconds(10), basic("alice", "secret"));
  private static final String ERROR_RATE = "sum(rate(errors[5m])) / sum(rate(requests[5m]))";

  private final CountingSource backend = new CountingSource();
  private final SharedQueries shared = new SharedQueries(backend);
  private final List<Thread> threads = new ArrayList<>();

  @AfterEach
  void releaseBlockedCalls() {
    backend.release();
    threads.forEach(Thread::interrupt);
  }

  @Test
  void reusesAResultEvaluatedLessThanShareWithinBeforeTheQuery() throws QueryFailure {
    double first = shared.query(query(ERROR_RATE, T));
    double second = shared.query(query(ERROR_RATE, T.plus(MINUTE).minusMillis(1)));

    assertThat(second).isEqualTo(first);
    assertThat(backend.calls()).isEqualTo(1);
  }

  @Test
  void asksAgainWhenTheEarlierResultIsShareWithinOrMoreBeforeTheQuery() throws QueryFailure {
    double first = shared.query(query(ERROR_RATE, T));
    double second = shared.query(query(ERROR_RATE, T.plus(MINUTE)));

    assertThat(second).isNotEqualTo(first);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void theAskingQuerysOwnWindowDecidesAndTheFreshestResultIsReused() throws QueryFailure {
    shared.query(new Query(PROMETHEUS, ERROR_RATE, T, Duration.ofMinutes(5)));

    assertThat(shared.query(query(ERROR_RATE, T.plus(MINUTE)))).as("kept for 5m, but asked with 1m").isEqualTo(2.0);
    assertThat(shared.query(new Query(PROMETHEUS, ERROR_RATE, T.plus(MINUTE).plusSeconds(1), Duration.ofMinutes(5))))
        .as("both earlier results are within 5m; the later one is used").isEqualTo(2.0);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void neverReusesAResultEvaluatedAfterTheQueryTime() throws QueryFailure {
    shared.query(query(ERROR_RATE, T.plusSeconds(30)));
    shared.query(query(ERROR_RATE, T));

    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void aShareWithinOfZeroNeverReusesEvenAtTheSameTime() throws QueryFailure {
    shared.query(new Query(PROMETHEUS, ERROR_RATE, T, Duration.ZERO));
    shared.query(new Query(PROMETHEUS, ERROR_RATE, T, Duration.ZERO));

    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void sharesOnlyBetweenTheSameExpressionAddressTimeoutAndCredentials() throws QueryFailure {
    shared.query(query(ERROR_RATE, T));
    // Equal by value, built anew: shares.
    shared.query(new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(10),
        basic("alice", "secret")), ERROR_RATE, T.plusSeconds(1), MINUTE));
    assertThat(backend.calls()).isEqualTo(1);

    List<Query> different = List.of(
        query("sum(rate(requests[5m]))", T.plusSeconds(2)),
        new Query(new PrometheusEndpoint("http://prometheus.other:9090", Duration.ofSeconds(10),
            basic("alice", "secret")), ERROR_RATE, T.plusSeconds(2), MINUTE),
        new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(3),
            basic("alice", "secret")), ERROR_RATE, T.plusSeconds(2), MINUTE),
        new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(10),
            basic("alice", "other password")), ERROR_RATE, T.plusSeconds(2), MINUTE),
        new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(10),
            new PrometheusEndpoint.Auth(Optional.of("token"), Optional.empty(), Optional.empty(), Optional.empty())),
            ERROR_RATE, T.plusSeconds(2), MINUTE),
        new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(10),
            PrometheusEndpoint.Auth.NONE), ERROR_RATE, T.plusSeconds(2), MINUTE));
    for (Query query : different) {
      shared.query(query);
    }

    assertThat(backend.calls()).isEqualTo(1 + different.size());
  }

  @Test
  void concurrentQueriesWithinTheWindowShareOneBackendCallInFlight() throws Exception {
    backend.blockCalls();
    List<FutureTask<Double>> answers = new ArrayList<>();
    answers.add(inThread(query(ERROR_RATE, T)));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.calls() == 1);
    for (int i = 0; i < 7; i++) {
      // At and after the evaluation time of the call in flight, within its window: all join it.
      answers.add(inThread(query(ERROR_RATE, T.plusSeconds(i))));
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(
        t -> t.getState() == Thread.State.WAITING));
    assertThat(backend.calls()).as("calls while all eight are waiting").isEqualTo(1);
    backend.release();

    for (FutureTask<Double> answer : answers) {
      assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    }
    assertThat(backend.calls()).isEqualTo(1);
  }

  @Test
  void concurrentQueriesForDifferentExpressionsAreInFlightTogether() {
    backend.blockCalls();
    inThread(query("a", T));
    inThread(query("b", T));

    await().atMost(Duration.ofSeconds(10)).until(() -> backend.calls() == 2);
  }

  @Test
  void aFailureIsSharedWithinTheWindowAndAskedAgainAfterIt() throws QueryFailure {
    backend.failWith(new QueryFailure.Unreachable("Prometheus at http://prometheus:9090 unreachable: "
        + "timed out after 10s", null));

    assertThatThrownBy(() -> shared.query(query(ERROR_RATE, T)))
        .isInstanceOf(QueryFailure.Unreachable.class);
    assertThatThrownBy(() -> shared.query(query(ERROR_RATE, T.plusSeconds(30))))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus at http://prometheus:9090 unreachable: timed out after 10s");
    assertThat(backend.calls()).isEqualTo(1);

    backend.failWith(null);
    assertThat(shared.query(query(ERROR_RATE, T.plus(MINUTE)))).isEqualTo(2.0);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void aFailureOfACallInFlightReachesEveryoneWaitingForIt() throws Exception {
    backend.blockCalls();
    backend.failWith(new QueryFailure.EmptyResult("query returned no series"));
    List<FutureTask<Double>> answers = List.of(inThread(query(ERROR_RATE, T)), inThread(query(ERROR_RATE, T)));
    await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(
        t -> t.getState() == Thread.State.WAITING));
    backend.release();

    for (FutureTask<Double> answer : answers) {
      assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(QueryFailure.EmptyResult.class);
    }
    assertThat(backend.calls()).isEqualTo(1);
  }

  @Test
  void anUnexpectedExceptionFromTheBackendIsNotKept() throws QueryFailure {
    backend.throwOnce(new IllegalStateException("a bug"));

    assertThatThrownBy(() -> shared.query(query(ERROR_RATE, T))).isInstanceOf(IllegalStateException.class);
    assertThat(shared.query(query(ERROR_RATE, T.plusSeconds(1)))).isEqualTo(2.0);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void dropsEvaluationsOnceALaterQueryIsBeyondTheirWindow() throws QueryFailure {
    for (int i = 0; i < 100; i++) {
      shared.query(query("metric_" + i, T));
    }
    assertThat(shared.size()).isEqualTo(100);

    shared.query(query("metric_0", T.plus(MINUTE).minusMillis(1)));
    assertThat(shared.size()).as("nothing is out of its window yet").isEqualTo(100);

    shared.query(query("another", T.plus(MINUTE)));
    assertThat(shared.size()).as("only the last query's evaluation is left").isEqualTo(1);
  }

  private FutureTask<Double> inThread(Query query) {
    FutureTask<Double> task = new FutureTask<>(() -> shared.query(query));
    Thread thread = new Thread(task, "sharer-" + threads.size());
    threads.add(thread);
    thread.start();
    return task;
  }

  private static Query query(String promql, Instant at) {
    return new Query(PROMETHEUS, promql, at, MINUTE);
  }

  private static PrometheusEndpoint.Auth basic(String username, String password) {
    return new PrometheusEndpoint.Auth(Optional.empty(), Optional.of(username), Optional.of(password),
        Optional.empty());
  }

  /** Answers 1.0, 2.0, … in the order calls arrive, so a shared answer is told apart from a fresh one. */
  private static final class CountingSource implements MetricsSource {
    private final AtomicInteger calls = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile QueryFailure failure;
    private volatile RuntimeException bug;

    @Override
    public double query(Query query) throws QueryFailure {
      int call = calls.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      RuntimeException once = bug;
      if (once != null) {
        bug = null;
        throw once;
      }
      if (failure != null) {
        throw failure;
      }
      return call;
    }

    int calls() {
      return calls.get();
    }

    void blockCalls() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    void failWith(QueryFailure failure) {
      this.failure = failure;
    }

    void throwOnce(RuntimeException bug) {
      this.bug = bug;
    }
  }
}
