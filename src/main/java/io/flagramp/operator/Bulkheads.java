package io.flagramp.operator;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * One bounded pool of threads per endpoint: an endpoint that is slow or stalled (or an address that
 * never answers) fills its own pool and queue, and nobody else's. Work that finds its endpoint's queue
 * full is answered at once with a failure saying so, instead of waiting. By default sized for
 * Prometheus queries; {@link #Bulkheads(Limits)} sizes it for other work (webhooks: one thread per
 * receiver, so its messages go out in order).
 */
public final class Bulkheads {

  /** Queries in flight per endpoint. */
  public static final int THREADS_PER_ENDPOINT = 4;
  /** Queries waiting per endpoint before new ones are turned away. */
  public static final int QUEUE_PER_ENDPOINT = 256;
  /** Endpoints with a pool at once; idle pools end their threads, and a further endpoint is turned away. */
  public static final int MAX_ENDPOINTS = 64;

  /**
   * How big each pool is, and the words of the answer when one is full.
   *
   * @param threads work in flight per endpoint
   * @param queue work waiting per endpoint before more is turned away
   * @param endpoints endpoints with a pool at once
   * @param threadName prefix of the threads' names
   * @param tooManyEndpoints the answer when there are {@code endpoints} pools already
   * @param queueFull the answer when the endpoint's queue is full
   */
  public record Limits(int threads, int queue, int endpoints, String threadName, String tooManyEndpoints,
      String queueFull) {

    static final Limits PROMETHEUS = new Limits(THREADS_PER_ENDPOINT, QUEUE_PER_ENDPOINT, MAX_ENDPOINTS,
        "flagramp-query-", "not asked: the operator already queries " + MAX_ENDPOINTS + " Prometheus endpoints",
        "not asked: " + QUEUE_PER_ENDPOINT + " queries are already waiting for this Prometheus");
  }

  /** Why work was turned away. */
  public enum Full {
    /** There are as many pools as allowed, all busy. */
    ENDPOINTS,
    /** This endpoint's queue is full. */
    QUEUE
  }

  private final Limits limits;
  private final Map<String, ThreadPoolExecutor> pools = new ConcurrentHashMap<>();
  private final AtomicInteger names = new AtomicInteger();

  public Bulkheads() {
    this(Limits.PROMETHEUS);
  }

  public Bulkheads(Limits limits) {
    this.limits = limits;
  }

  /** Work turned away: its endpoint's queue is full, or there are too many endpoints. */
  public static final class Refused extends RuntimeException {
    private final Full full;

    Refused(Full full, String why) {
      super(why, null, false, false);
      this.full = full;
    }

    public Full full() {
      return full;
    }
  }

  /**
   * Runs {@code work} on the endpoint's pool; when the pool is full, fails at once with {@link Refused},
   * whose message says why.
   */
  public <T> CompletableFuture<T> submit(String endpoint, Supplier<T> work) {
    try {
      return start(endpoint, work);
    } catch (Refused refused) {
      return CompletableFuture.failedFuture(refused);
    }
  }

  /**
   * Runs {@code work} on the endpoint's pool; when the pool is full, completes at once with
   * {@code busy}'s answer, told which bound was met and a message saying why.
   */
  public <T> CompletableFuture<T> submit(String endpoint, Supplier<T> work, BiFunction<Full, String, T> busy) {
    try {
      return start(endpoint, work);
    } catch (Refused refused) {
      return CompletableFuture.completedFuture(busy.apply(refused.full(), refused.getMessage()));
    }
  }

  private <T> CompletableFuture<T> start(String endpoint, Supplier<T> work) {
    ThreadPoolExecutor pool = pools.get(endpoint);
    if (pool == null) {
      if (pools.size() >= limits.endpoints()) {
        // Pools of endpoints nobody asks any more go first.
        pools.entrySet().removeIf(p -> p.getValue().getActiveCount() == 0 && p.getValue().getQueue().isEmpty()
            && p.getValue().shutdownNow().isEmpty());
      }
      if (pools.size() >= limits.endpoints()) {
        throw new Refused(Full.ENDPOINTS, limits.tooManyEndpoints());
      }
      pool = pools.computeIfAbsent(endpoint, e -> pool());
    }
    try {
      return CompletableFuture.supplyAsync(work, pool);
    } catch (RejectedExecutionException e) {
      throw new Refused(Full.QUEUE, limits.queueFull());
    }
  }

  /** Threads running or waiting for one endpoint, for tests. */
  int busy(String endpoint) {
    ThreadPoolExecutor pool = pools.get(endpoint);
    return pool == null ? 0 : pool.getActiveCount() + pool.getQueue().size();
  }

  private ThreadPoolExecutor pool() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(limits.threads(), limits.threads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(limits.queue()), r -> {
          Thread t = new Thread(r, limits.threadName() + names.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
