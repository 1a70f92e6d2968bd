package io.flagramp.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets ScalingChanges that watch the same metric on the same Prometheus share one query per interval.
 *
 * <p>A query is answered from an earlier evaluation of the same expression against the same endpoint
 * (address, timeout and credentials) when that evaluation's time lies not after the query's
 * {@link Query#at()} and less before it than the shortest of the query's {@link Query#shareWithin()},
 * the evaluation's own, and {@link #MAX_SHARE}. This covers both a finished evaluation and one still in
 * flight, so concurrent identical queries cost one backend call; but not one its sender has queued and
 * not yet started ({@link Call#queued()}): that waits its turn in the queue of the namespace that sent
 * it, and whoever joined it would wait in a queue not theirs, behind a tenant that may have filled it
 * on purpose. The next asker sends its own instead. A {@code shareWithin} of zero never shares. A
 * failure is shared like a value; a RuntimeException, or a call its sender refused, is not kept. Asked through {@link #ask}, a query that joins an evaluation waits on it without a thread and
 * without any of the sender's room: only a query that reaches the backend is sent.
 *
 * <p>No clock of its own: time is the queries' evaluation times, the latest of them standing for now.
 * A finished evaluation is dropped once now is its window past it: by the next query of its key, or by
 * a sweep of all keys, which runs when {@link #SWEEP_EVERY} of that time has passed since the last.
 *
 * <p>At most {@link #MAX_ENTRIES} evaluations are kept. When full, a sweep drops the expired ones, then
 * finished ones oldest first; never one in flight, since others may be waiting for it. If only those
 * are left, a new evaluation is made but not kept.
 *
 * <p>No lock spans keys: each key's evaluations change in one {@link ConcurrentHashMap#compute} and
 * the backend is called outside it. A key holds no credential in clear: the address without its user
 * info, and a digest of the credentials and the CA (see {@link Key}). Behind a label-enforcing proxy the
 * tenant is part of the key: changes of different namespaces never share an answer there.
 */
public final class SharedQueries implements MetricsSource {

  private static final Logger log = LoggerFactory.getLogger(SharedQueries.class);

  /** Far more than distinct queries a cluster runs per interval; bounds what an author can make us keep. */
  static final int MAX_ENTRIES = 10_000;

  /** However long an analysis interval, a value older than this is asked for again. */
  static final Duration MAX_SHARE = Duration.ofMinutes(10);

  /** How much query time passes between sweeps of all keys; a sweep reads every entry. */
  static final Duration SWEEP_EVERY = Duration.ofSeconds(10);

  private final MetricsSource backend;
  private final int maxEntries;
  /** Per key, its evaluations; each list immutable, replaced whole in {@code compute}. */
  private final ConcurrentHashMap<Key, List<Evaluation>> evaluations = new ConcurrentHashMap<>();
  /** How many evaluations the lists hold, changed only inside the compute that changes a list. */
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicReference<Instant> latestAt = new AtomicReference<>(Instant.MIN);
  private final AtomicReference<Instant> lastSweep = new AtomicReference<>(Instant.MIN);
  /** One sweep at a time; a query that finds one running goes on without it rather than wait. */
  private final AtomicBoolean sweeping = new AtomicBoolean();
  /** Orders evaluations of the same time, so "oldest first" has one answer. */
  private final AtomicLong sequence = new AtomicLong();
  /** Makes digests of this instance's keys worthless for checking guesses of a password elsewhere. */
  private final byte[] salt = new byte[32];

  /**
   * A query's identity for sharing. Two queries share only if they send the same request with the
   * same credentials and trust: the digest covers the address as written (user info included), the
   * bearer token, username, password and CA PEM; and only if a label-enforcing proxy scopes both to
   * the same tenant, since the same expression answers differently for each namespace there.
   */
  record Key(String address, Duration timeout, String credentialsSha256, Optional<PrometheusEndpoint.Tenant> tenant,
      String promql) {}

  /**
   * One backend call: its evaluation time, how long it may be shared (its query's shareWithin, at most
   * {@link #MAX_SHARE}), its place among those of the same time, its outcome once known, and whether its
   * sender holds it in a queue, not started.
   */
  private record Evaluation(Instant at, Duration window, long sequence, CompletableFuture<Double> outcome,
      AtomicBoolean queued) {

    boolean isExpiredAt(Instant now) {
      return outcome.isDone() && !at.plus(window).isAfter(now);
    }

    /** Sent, or answered: joining it waits in no one's queue. */
    boolean isJoinable() {
      return outcome.isDone() || !queued.get();
    }
  }

  public SharedQueries(MetricsSource backend) {
    this(backend, MAX_ENTRIES);
  }

  /** With another bound, for tests that fill it. */
  SharedQueries(MetricsSource backend, int maxEntries) {
    this.backend = backend;
    this.maxEntries = maxEntries;
    new SecureRandom().nextBytes(salt);
  }

  @Override
  public double query(Query query) throws QueryFailure {
    CompletableFuture<Double> answer = ask(query, Sender.INLINE);
    try {
      return answer.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof QueryFailure failure) {
        // The same instance for every sharer: its message is the status line, its stack the first caller's.
        throw failure;
      }
      if (cause instanceof RuntimeException bug) {
        throw bug;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("the query failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryFailure.Unreachable("interrupted while waiting for the same query from another ScalingChange",
          e);
    }
  }

  /**
   * Joins a reusable evaluation without sending anything; otherwise sends the query through
   * {@code sender} and keeps the evaluation for those who come after. So a sender's room (a bounded
   * pool and its queue) is taken only by queries that reach the backend.
   */
  @Override
  public CompletableFuture<Double> ask(Query query, Sender sender) {
    Duration window = query.shareWithin().compareTo(MAX_SHARE) < 0 ? query.shareWithin() : MAX_SHARE;
    if (window.isNegative() || window.isZero()) {
      return backend.ask(query, sender);
    }
    Instant now = latestAt.accumulateAndGet(query.at(), (a, b) -> a.isAfter(b) ? a : b);
    if (size.get() >= maxEntries || !now.isBefore(lastSweep.get().plus(SWEEP_EVERY))) {
      sweep(now);
    }
    Key key = key(query);
    AtomicReference<Evaluation> shared = new AtomicReference<>();
    AtomicReference<Evaluation> own = new AtomicReference<>();
    evaluations.compute(key, (k, kept) -> {
      List<Evaluation> live = withoutExpired(kept, now);
      Evaluation reusable = reusable(live, query.at(), window);
      if (reusable != null) {
        shared.set(reusable);
        return live;
      }
      if (size.getAndUpdate(n -> n < maxEntries ? n + 1 : n) >= maxEntries) {
        return live;
      }
      Evaluation mine = new Evaluation(query.at(), window, sequence.incrementAndGet(), new CompletableFuture<>(),
          new AtomicBoolean());
      own.set(mine);
      List<Evaluation> more = new ArrayList<>(live == null ? List.of() : live);
      more.add(mine);
      return List.copyOf(more);
    });
    if (shared.get() != null) {
      log.debug("{} at {} shares the evaluation at {}", query.promql(), query.at(), shared.get().at());
      // A copy: completing it touches nobody else's answer.
      return shared.get().outcome().thenApply(value -> value);
    }
    if (own.get() == null) {
      log.debug("{} at {} is asked without being kept: all {} kept evaluations are in flight", query.promql(),
          query.at(), maxEntries);
      return backend.ask(query, sender);
    }
    return evaluate(key, own.get(), query, sender);
  }

  /** Evaluations kept right now, finished or in flight; for tests of the bound. */
  int size() {
    return size.get();
  }

  /** The keys kept right now; for tests of what a key holds. */
  Set<Key> keys() {
    return Set.copyOf(evaluations.keySet());
  }

  private Key key(Query query) {
    PrometheusEndpoint endpoint = query.endpoint();
    PrometheusEndpoint.Auth auth = endpoint.auth();
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      // Every JDK must provide SHA-256.
      throw new IllegalStateException(e);
    }
    sha256.update(salt);
    for (Optional<String> part : List.of(Optional.of(endpoint.address()), auth.bearerToken(), auth.username(),
        auth.password(), auth.caCertificatePem())) {
      // Each part framed by presence and length, so no two different tuples digest the same bytes.
      byte[] bytes = part.map(p -> p.getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
      sha256.update(ByteBuffer.allocate(5).put((byte) (part.isPresent() ? 1 : 0)).putInt(bytes.length).array());
      sha256.update(bytes);
    }
    return new Key(endpoint.printableAddress(), endpoint.timeout(), HexFormat.of().formatHex(sha256.digest()),
        endpoint.tenant(), query.promql());
  }

  /**
   * The freshest joinable evaluation not after {@code at} and within both its window and the asker's.
   */
  private static Evaluation reusable(List<Evaluation> kept, Instant at, Duration window) {
    Evaluation best = null;
    for (Evaluation candidate : kept == null ? List.<Evaluation>of() : kept) {
      Duration age = Duration.between(candidate.at(), at);
      boolean inWindow = !age.isNegative() && age.compareTo(window) < 0 && age.compareTo(candidate.window()) < 0;
      if (inWindow && candidate.isJoinable() && (best == null || candidate.at().isAfter(best.at()))) {
        best = candidate;
      }
    }
    return best;
  }

  /** {@code kept} without what expired by {@code now}, or null if nothing is left; inside compute only. */
  private List<Evaluation> withoutExpired(List<Evaluation> kept, Instant now) {
    if (kept == null || kept.stream().noneMatch(e -> e.isExpiredAt(now))) {
      return kept;
    }
    List<Evaluation> live = kept.stream().filter(e -> !e.isExpiredAt(now)).toList();
    size.addAndGet(live.size() - kept.size());
    return live.isEmpty() ? null : live;
  }

  private CompletableFuture<Double> evaluate(Key key, Evaluation own, Query query, Sender sender) {
    // Told by the sender whether the call waits in a queue, so that nobody joins it there.
    Sender watched = call -> sender.send(new Call() {
      @Override
      public double run() throws QueryFailure {
        return call.run();
      }

      @Override
      public void queued() {
        own.queued().set(true);
        call.queued();
      }

      @Override
      public void started() {
        own.queued().set(false);
        call.started();
      }
    });
    CompletableFuture<Double> sent;
    try {
      sent = backend.ask(query, watched);
    } catch (RuntimeException | Error bug) {
      sent = CompletableFuture.failedFuture(bug);
    }
    sent.whenComplete((value, thrown) -> {
      Throwable failure = MetricsSource.cause(thrown);
      if (failure == null) {
        own.outcome().complete(value);
      } else if (failure instanceof QueryFailure) {
        // Shared like a value: when Prometheus is down or slow, every ScalingChange asking within the
        // window would otherwise wait out its own timeout against it, hammering a server that is already
        // struggling. Each of them still sees (and counts) the failure at its own measurement.
        own.outcome().completeExceptionally(failure);
      } else {
        // Not an answer from Prometheus (a fault here, or the sender refused the call): those waiting
        // get it, later queries try again.
        forget(key, own);
        own.outcome().completeExceptionally(failure);
      }
    });
    return own.outcome().thenApply(value -> value);
  }

  private void forget(Key key, Evaluation evaluation) {
    evaluations.computeIfPresent(key, (k, kept) -> {
      if (!kept.contains(evaluation)) {
        return kept;
      }
      size.decrementAndGet();
      List<Evaluation> rest = kept.stream().filter(e -> e != evaluation).toList();
      return rest.isEmpty() ? null : rest;
    });
  }

  /**
   * Drops the expired evaluations of every key; then, if still full, finished ones oldest first until
   * a tenth of the room is free, so a full cache is not read whole on every query.
   */
  private void sweep(Instant now) {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      lastSweep.set(now);
      for (Map.Entry<Key, List<Evaluation>> entry : evaluations.entrySet()) {
        if (entry.getValue().stream().anyMatch(e -> e.isExpiredAt(now))) {
          evaluations.computeIfPresent(entry.getKey(), (k, kept) -> withoutExpired(kept, now));
        }
      }
      if (size.get() < maxEntries) {
        return;
      }
      int target = maxEntries - Math.max(1, maxEntries / 10);
      List<Map.Entry<Key, Evaluation>> finished = new ArrayList<>();
      evaluations.forEach((key, kept) -> kept.stream().filter(e -> e.outcome().isDone())
          .forEach(e -> finished.add(Map.entry(key, e))));
      finished.sort(Comparator.comparing((Map.Entry<Key, Evaluation> e) -> e.getValue().at())
          .thenComparingLong(e -> e.getValue().sequence()));
      for (Map.Entry<Key, Evaluation> oldest : finished) {
        if (size.get() <= target) {
          break;
        }
        forget(oldest.getKey(), oldest.getValue());
      }
    } finally {
      sweeping.set(false);
    }
  }
}
