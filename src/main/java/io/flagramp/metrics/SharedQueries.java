package io.flagramp.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets ScalingChanges that watch the same metric on the same Prometheus share one query per interval.
 *
 * <p>A query is answered from an earlier evaluation of the same expression against the same endpoint
 * (address, timeout and credentials, compared by value) when that evaluation's time lies less than
 * {@link Query#shareWithin()} before the query's {@link Query#at()} and not after it. This covers both
 * a finished evaluation and one still in flight, so concurrent identical queries cost one backend call.
 * A {@code shareWithin} of zero never shares.
 *
 * <p>No clock of its own: time is the queries' evaluation times. An evaluation is dropped once a
 * query evaluated at least its own {@code shareWithin} after it has been seen, which bounds the cache
 * to what can still be shared.
 */
public final class SharedQueries implements MetricsSource {

  private static final Logger log = LoggerFactory.getLogger(SharedQueries.class);

  private final MetricsSource backend;

  private final Object lock = new Object();
  /** Per expression and endpoint, the evaluations that may still be shared. Guarded by {@link #lock}. */
  private final Map<Key, List<Evaluation>> evaluations = new HashMap<>();
  /** The latest evaluation time seen: the cache's notion of now. Guarded by {@link #lock}. */
  private Instant latestAt = Instant.MIN;

  /** The endpoint record compares address, timeout and credentials by value; its toString hides them. */
  private record Key(PrometheusEndpoint endpoint, String promql) {}

  /** One backend call: its evaluation time, how long it may be shared, and its outcome once known. */
  private record Evaluation(Instant at, Duration shareWithin, CompletableFuture<Double> outcome) {}

  public SharedQueries(MetricsSource backend) {
    this.backend = backend;
  }

  @Override
  public double query(Query query) throws QueryFailure {
    Key key = new Key(query.endpoint(), query.promql());
    Evaluation shared;
    Evaluation own = null;
    synchronized (lock) {
      sweep(query.at());
      shared = reusable(key, query);
      if (shared == null) {
        own = new Evaluation(query.at(), query.shareWithin(), new CompletableFuture<>());
        evaluations.computeIfAbsent(key, k -> new ArrayList<>()).add(own);
      }
    }
    if (own != null) {
      return evaluate(key, own, query);
    }
    log.debug("{} at {} shares the evaluation at {}", query.promql(), query.at(), shared.at());
    return await(shared);
  }

  /** Evaluations kept right now, finished or in flight; for tests of the bound. */
  int size() {
    synchronized (lock) {
      return evaluations.values().stream().mapToInt(List::size).sum();
    }
  }

  private Evaluation reusable(Key key, Query query) {
    Evaluation best = null;
    for (Evaluation candidate : evaluations.getOrDefault(key, List.of())) {
      boolean inWindow = !candidate.at().isAfter(query.at())
          && Duration.between(candidate.at(), query.at()).compareTo(query.shareWithin()) < 0;
      if (inWindow && (best == null || candidate.at().isAfter(best.at()))) {
        best = candidate;
      }
    }
    return best;
  }

  private double evaluate(Key key, Evaluation own, Query query) throws QueryFailure {
    try {
      double value = backend.query(query);
      own.outcome().complete(value);
      return value;
    } catch (QueryFailure failure) {
      // Shared like a value: when Prometheus is down or slow, every ScalingChange asking within the
      // window would otherwise wait out its own timeout against it, hammering a server that is already
      // struggling. Each of them still sees (and counts) the failure at its own measurement.
      own.outcome().completeExceptionally(failure);
      throw failure;
    } catch (RuntimeException | Error bug) {
      // Not an answer from Prometheus but a fault here: those waiting get it, later queries try again.
      forget(key, own);
      own.outcome().completeExceptionally(bug);
      throw bug;
    }
  }

  private static double await(Evaluation shared) throws QueryFailure {
    try {
      return shared.outcome().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof QueryFailure failure) {
        // The same instance for every sharer: its message is the status line, its stack the first caller's.
        throw failure;
      }
      throw new IllegalStateException("the shared query failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryFailure.Unreachable("interrupted while waiting for the same query from another ScalingChange",
          e);
    }
  }

  private void forget(Key key, Evaluation evaluation) {
    synchronized (lock) {
      List<Evaluation> list = evaluations.get(key);
      if (list != null) {
        list.remove(evaluation);
        if (list.isEmpty()) {
          evaluations.remove(key);
        }
      }
    }
  }

  /** Drops finished evaluations that no query at or after {@code latestAt} may share any more. */
  private void sweep(Instant at) {
    if (at.isAfter(latestAt)) {
      latestAt = at;
    }
    Iterator<List<Evaluation>> lists = evaluations.values().iterator();
    while (lists.hasNext()) {
      List<Evaluation> list = lists.next();
      list.removeIf(e -> e.outcome().isDone()
          && !e.at().isAfter(latestAt)
          && Duration.between(e.at(), latestAt).compareTo(e.shareWithin()) >= 0);
      if (list.isEmpty()) {
        lists.remove();
      }
    }
  }
}
