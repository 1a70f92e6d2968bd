package io.flagramp.operator;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One bounded pool of query threads per Prometheus endpoint: a Prometheus that is slow or stalled (or
 * an address that never answers) fills its own pool and queue, and nobody else's. A query that finds
 * its endpoint's queue full is answered at once with a failure saying so, instead of waiting.
 */
public final class Bulkheads {

  /** Queries in flight per endpoint. */
  public static final int THREADS_PER_ENDPOINT = 4;
  /** Queries waiting per endpoint before new ones are turned away. */
  public static final int QUEUE_PER_ENDPOINT = 256;
  /** Endpoints with a pool at once; idle pools end their threads, and a further endpoint is turned away. */
  public static final int MAX_ENDPOINTS = 64;

  private final Map<String, ThreadPoolExecutor> pools = new ConcurrentHashMap<>();
  private final AtomicInteger names = new AtomicInteger();

  /**
   * Runs {@code work} on the endpoint's pool; when the pool is full, completes at once with
   * {@code busy}'s answer for a message saying why.
   */
  public <T> CompletableFuture<T> submit(String endpoint, Supplier<T> work, Function<String, T> busy) {
    ThreadPoolExecutor pool = pools.get(endpoint);
    if (pool == null) {
      if (pools.size() >= MAX_ENDPOINTS) {
        // Pools of endpoints nobody asks any more go first.
        pools.entrySet().removeIf(p -> p.getValue().getActiveCount() == 0 && p.getValue().getQueue().isEmpty()
            && p.getValue().shutdownNow().isEmpty());
      }
      if (pools.size() >= MAX_ENDPOINTS) {
        return CompletableFuture.completedFuture(busy.apply("not asked: the operator already queries "
            + MAX_ENDPOINTS + " Prometheus endpoints"));
      }
      pool = pools.computeIfAbsent(endpoint, e -> pool());
    }
    try {
      return CompletableFuture.supplyAsync(work, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(busy.apply("not asked: " + QUEUE_PER_ENDPOINT
          + " queries are already waiting for this Prometheus"));
    }
  }

  /** Threads running or waiting for one endpoint, for tests. */
  int busy(String endpoint) {
    ThreadPoolExecutor pool = pools.get(endpoint);
    return pool == null ? 0 : pool.getActiveCount() + pool.getQueue().size();
  }

  private ThreadPoolExecutor pool() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS_PER_ENDPOINT, THREADS_PER_ENDPOINT, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE_PER_ENDPOINT), r -> {
          Thread t = new Thread(r, "flagramp-query-" + names.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
