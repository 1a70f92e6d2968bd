package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flagramp.testbed.TestCertificates;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
  void behindALabelEnforcingProxyOnlyQueriesOfTheSameTenantShare() throws QueryFailure {
    PrometheusEndpoint proxy = new PrometheusEndpoint("http://prom-label-proxy:8080", Duration.ofSeconds(10),
        PrometheusEndpoint.Auth.NONE);
    double teamA = shared.query(new Query(tenant(proxy, "team-a"), ERROR_RATE, T, MINUTE));
    double teamB = shared.query(new Query(tenant(proxy, "team-b"), ERROR_RATE, T.plusSeconds(1), MINUTE));
    double unscoped = shared.query(new Query(proxy, ERROR_RATE, T.plusSeconds(2), MINUTE));
    double teamAAgain = shared.query(new Query(tenant(proxy, "team-a"), ERROR_RATE, T.plusSeconds(3), MINUTE));

    assertThat(List.of(teamA, teamB, unscoped)).as("each its own call").containsExactly(1.0, 2.0, 3.0);
    assertThat(teamAAgain).as("team-a's own answer, shared").isEqualTo(teamA);
    assertThat(backend.calls()).isEqualTo(3);
    assertThat(shared.keys()).extracting(SharedQueries.Key::tenant).containsExactlyInAnyOrder(
        Optional.of(new PrometheusEndpoint.Tenant("namespace", "team-a")),
        Optional.of(new PrometheusEndpoint.Tenant("namespace", "team-b")), Optional.empty());
  }

  private static PrometheusEndpoint tenant(PrometheusEndpoint endpoint, String namespace) {
    return new PrometheusEndpoint(endpoint.address(), endpoint.timeout(), endpoint.auth(),
        Optional.of(new PrometheusEndpoint.Tenant("namespace", namespace)));
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
  void askedAsynchronouslyOnlyTheQueryThatIsSentGoesThroughTheSender() throws Exception {
    backend.blockCalls();
    List<MetricsSource.Call> sent = new ArrayList<>();
    List<CompletableFuture<Double>> running = new ArrayList<>();
    MetricsSource.Sender sender = call -> {
      sent.add(call);
      CompletableFuture<Double> result = CompletableFuture.supplyAsync(() -> {
        try {
          return call.run();
        } catch (QueryFailure f) {
          throw new CompletionException(f);
        }
      });
      running.add(result);
      return result;
    };

    CompletableFuture<Double> first = shared.ask(query(ERROR_RATE, T), sender);
    List<CompletableFuture<Double>> joined = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      joined.add(shared.ask(query(ERROR_RATE, T.plusSeconds(i)), sender));
    }
    assertThat(sent).as("ten joined the call in flight without a send of their own").hasSize(1);
    backend.release();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    for (CompletableFuture<Double> answer : joined) {
      assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    }
    assertThat(shared.ask(query(ERROR_RATE, T.plusSeconds(30)), sender).get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    assertThat(sent).as("a finished evaluation is joined the same way").hasSize(1);
    assertThat(backend.calls()).isEqualTo(1);
  }

  @Test
  void aCallItsSenderHoldsInAQueueIsNotJoinedButOnceItStartsItIs() throws Exception {
    List<MetricsSource.Call> waiting = new ArrayList<>();
    List<CompletableFuture<Double>> answers = new ArrayList<>();
    // Another namespace's sender, whose share is full: it queues what it is given.
    MetricsSource.Sender full = call -> {
      call.queued();
      waiting.add(call);
      CompletableFuture<Double> answer = new CompletableFuture<>();
      answers.add(answer);
      return answer;
    };
    CompletableFuture<Double> queued = shared.ask(query(ERROR_RATE, T), full);

    CompletableFuture<Double> mine = shared.ask(query(ERROR_RATE, T.plusSeconds(1)), MetricsSource.Sender.INLINE);

    assertThat(mine.get(10, TimeUnit.SECONDS)).as("sent on its own, not waiting in the other's queue").isEqualTo(1.0);
    assertThat(queued).isNotDone();
    waiting.get(0).started();
    CompletableFuture<Double> started = shared.ask(query(ERROR_RATE, T), full);
    assertThat(waiting).as("once started it is joined: nothing more is sent").hasSize(1);
    answers.get(0).complete(waiting.get(0).run());
    assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo(2.0);
    assertThat(started.get(10, TimeUnit.SECONDS)).isEqualTo(2.0);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void aCallTheSenderRefusedIsNotKeptAndTheNextQuerySendsIt() throws Exception {
    IllegalStateException full = new IllegalStateException("not asked: the queue is full");

    CompletableFuture<Double> refused = shared.ask(query(ERROR_RATE, T), call -> CompletableFuture.failedFuture(full));
    assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasCause(full);

    assertThat(shared.ask(query(ERROR_RATE, T.plusSeconds(1)), MetricsSource.Sender.INLINE).get(10, TimeUnit.SECONDS))
        .isEqualTo(1.0);
    assertThat(backend.calls()).isEqualTo(1);
  }

  @Test
  void dropsEvaluationsAtTheFirstSweepOnceALaterQueryIsBeyondTheirWindow() throws QueryFailure {
    for (int i = 0; i < 100; i++) {
      shared.query(query("metric_" + i, T));
    }
    assertThat(shared.size()).isEqualTo(100);

    shared.query(query("metric_0", T.plus(MINUTE).minusMillis(1)));
    assertThat(shared.size()).as("nothing is out of its window yet").isEqualTo(100);

    shared.query(query("another", T.plus(MINUTE)));
    assertThat(shared.size()).as("out of their window, but the last sweep was less than 10s ago").isEqualTo(101);
    assertThat(shared.query(query("metric_1", T.plus(MINUTE)))).as("not shared all the same").isEqualTo(102.0);

    shared.query(query("another", T.plus(MINUTE).plus(SharedQueries.SWEEP_EVERY)));
    assertThat(shared.size()).as("swept: the two evaluations at T+1m are left").isEqualTo(2);
  }

  @Test
  void neverSharesLongerThanTenMinutesWhateverTheInterval() throws QueryFailure {
    Duration day = Duration.ofHours(24);
    shared.query(new Query(PROMETHEUS, ERROR_RATE, T, day));

    assertThat(shared.query(new Query(PROMETHEUS, ERROR_RATE, T.plus(SharedQueries.MAX_SHARE).minusMillis(1), day)))
        .as("a millisecond less than ten minutes later").isEqualTo(1.0);
    assertThat(shared.query(new Query(PROMETHEUS, ERROR_RATE, T.plus(SharedQueries.MAX_SHARE), day)))
        .as("ten minutes later").isEqualTo(2.0);
    for (int i = 0; i < 100; i++) {
      shared.query(new Query(PROMETHEUS, "metric_" + i, T.plus(SharedQueries.MAX_SHARE), day));
    }
    shared.query(new Query(PROMETHEUS, "another", T.plus(SharedQueries.MAX_SHARE.multipliedBy(2)), day));

    assertThat(backend.calls()).isEqualTo(103);
    assertThat(shared.size()).as("kept no longer than ten minutes either, though asked with a day").isEqualTo(1);
  }

  @Test
  void keepsAtMostTenThousandEvaluationsDroppingFinishedOnesOldestFirst() throws QueryFailure {
    for (int i = 0; i < SharedQueries.MAX_ENTRIES; i++) {
      shared.query(query("metric_" + i, T.plusMillis(i % 1000)));
    }
    assertThat(shared.size()).isEqualTo(SharedQueries.MAX_ENTRIES);

    shared.query(query("one more", T.plusSeconds(1)));

    // Full: the oldest tenth went (the first thousand of each millisecond from T), the new one is kept.
    assertThat(shared.size()).isEqualTo(9_001).isLessThanOrEqualTo(SharedQueries.MAX_ENTRIES);
    int calls = backend.calls();
    shared.query(query("metric_9", T.plusSeconds(2)));
    assertThat(backend.calls()).as("metric_9 at T+9ms was among the oldest: asked again").isEqualTo(calls + 1);
    shared.query(query("metric_9999", T.plusSeconds(2)));
    shared.query(query("one more", T.plusSeconds(2)));
    assertThat(backend.calls()).as("metric_9999 (T+999ms) and the new one are still shared").isEqualTo(calls + 1);
  }

  @Test
  void neverDropsAnEvaluationInFlightAndKeepsNoNewOneWhenOnlyThoseAreLeft() throws Exception {
    SharedQueries small = new SharedQueries(backend, 4);
    backend.blockCalls();
    List<FutureTask<Double>> inFlight = new ArrayList<>();
    for (String promql : List.of("a", "b", "c", "d")) {
      // One after the other, so that a is the oldest.
      int before = backend.calls();
      inFlight.add(inThread(small, query(promql, T)));
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.calls() == before + 1);
    }

    inFlight.add(inThread(small, query("e", T)));
    inFlight.add(inThread(small, query("e", T)));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.calls() == 6);
    assertThat(small.size()).as("the four in flight, and no room for e").isEqualTo(4);
    inFlight.add(inThread(small, query("a", T.plusSeconds(1))));
    await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(
        t -> t.getState() == Thread.State.WAITING));
    assertThat(backend.calls()).as("a joined the call in flight, kept though the bound is reached").isEqualTo(6);

    backend.release();
    for (FutureTask<Double> answer : inFlight) {
      answer.get(10, TimeUnit.SECONDS);
    }
    small.query(query("f", T.plusSeconds(2)));
    assertThat(small.size()).as("all finished: the oldest (a) made room for f").isEqualTo(4);
    assertThat(small.keys()).extracting(SharedQueries.Key::promql).containsExactlyInAnyOrder("b", "c", "d", "f");
  }

  @Test
  void sixteenThreadsAskingTheSameQueryAtOnceCostOneBackendCall() throws Exception {
    backend.blockCalls();
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger asking = new AtomicInteger();
    List<FutureTask<Double>> answers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      answers.add(inThread(shared, () -> {
        start.await();
        asking.incrementAndGet();
        return shared.query(query(ERROR_RATE, T));
      }));
    }
    start.countDown();

    // All past the start and parked again: one in the backend, the others on its outcome.
    await().atMost(Duration.ofSeconds(10)).until(() -> asking.get() == 16 && threads.stream().allMatch(
        t -> t.getState() == Thread.State.WAITING));
    assertThat(backend.calls()).as("calls while all sixteen are waiting").isEqualTo(1);
    backend.release();
    for (FutureTask<Double> answer : answers) {
      assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    }
    assertThat(backend.calls()).isEqualTo(1);
    assertThat(shared.size()).isEqualTo(1);
  }

  @Test
  void aSlowCallForOneQueryHoldsUpNoQueryForAnother() throws Exception {
    backend.blockCallsOf("slow");
    FutureTask<Double> slow = inThread(query("slow", T));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.calls() == 1);
    FutureTask<Double> joining = inThread(query("slow", T.plusSeconds(1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> threads.stream().allMatch(
        t -> t.getState() == Thread.State.WAITING));

    // Were a lock held across the slow call, this would not answer within the 10s.
    FutureTask<Double> fast = inThread(query("fast", T.plusSeconds(2)));
    assertThat(fast.get(10, TimeUnit.SECONDS)).isEqualTo(2.0);
    assertThat(shared.query(query("fast", T.plusSeconds(3)))).as("and shared while the slow call is out").isEqualTo(2.0);
    assertThat(slow).isNotDone();
    assertThat(joining).isNotDone();

    backend.release();
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    assertThat(joining.get(10, TimeUnit.SECONDS)).isEqualTo(1.0);
    assertThat(backend.calls()).isEqualTo(2);
  }

  @Test
  void aKeyHoldsNoCredentialInClear() throws Exception {
    String token = "bearer-token-5be1d0";
    String user = "basic-user-93ac2e";
    String password = "basic-password-e4f801";
    String ca = TestCertificates.authority("key CA").certificatePem();
    String caLine = ca.lines().skip(1).findFirst().orElseThrow();
    List<PrometheusEndpoint> endpoints = List.of(
        new PrometheusEndpoint("http://" + user + ":" + password + "@prometheus:9090", Duration.ofSeconds(10),
            new PrometheusEndpoint.Auth(Optional.of(token), Optional.empty(), Optional.empty(), Optional.of(ca))),
        new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(10),
            new PrometheusEndpoint.Auth(Optional.empty(), Optional.of(user), Optional.of(password), Optional.of(ca))));
    for (PrometheusEndpoint endpoint : endpoints) {
      shared.query(new Query(endpoint, ERROR_RATE, T, MINUTE));
    }

    assertThat(shared.keys()).hasSize(2).allSatisfy(key -> {
      List<String> shown = new ArrayList<>(List.of(key.toString()));
      for (RecordComponent component : SharedQueries.Key.class.getRecordComponents()) {
        shown.add(String.valueOf(component.getAccessor().invoke(key)));
      }
      assertThat(shown).noneMatch(text -> text.contains(token) || text.contains(user) || text.contains(password)
          || text.contains(caLine));
      assertThat(key.address()).isEqualTo("http://prometheus:9090");
      assertThat(key.credentialsSha256()).matches("[0-9a-f]{64}");
    });
  }

  private FutureTask<Double> inThread(Query query) {
    return inThread(shared, query);
  }

  private FutureTask<Double> inThread(SharedQueries queries, Query query) {
    return inThread(queries, () -> queries.query(query));
  }

  private FutureTask<Double> inThread(SharedQueries queries, Callable<Double> ask) {
    FutureTask<Double> task = new FutureTask<>(ask);
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
    /** The expression whose calls the gate holds; null for all. */
    private volatile String gated;
    private volatile QueryFailure failure;
    private volatile RuntimeException bug;

    @Override
    public double query(Query query) throws QueryFailure {
      int call = calls.incrementAndGet();
      try {
        if (gated == null || gated.equals(query.promql())) {
          gate.await();
        }
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

    void blockCallsOf(String promql) {
      gated = promql;
      blockCalls();
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
