package io.flagramp.operator;

import io.flagramp.core.Quota;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Blocking work (a Prometheus query, a webhook message) run on a bounded set of threads that the
 * namespaces share fairly, so that one tenant at its limit leaves every other tenant's work unaffected.
 *
 * <p>Each piece of work belongs to a namespace and has a key: the endpoint it goes to (a Prometheus,
 * in its canonical form) or the lane it keeps its order in (a webhook receiver). At most
 * {@link Limits#threads} pieces run at once in all, {@link Limits#perNamespace} of one namespace, and
 * {@link Limits#perKey} with one key from all namespaces together (a Prometheus is not asked more than
 * that at once; a lane of 1 sends one message at a time, in order). Work that cannot start waits in
 * its namespace's queue, at most {@link Limits#waitingPerNamespace} of them and
 * {@link Limits#waitingPerKey} with one key; beyond that it is answered at once with a refusal saying
 * so, instead of waiting. When a thread frees up, the namespaces with work that may start take turns,
 * each its oldest: a namespace with a thousand queued queries gets one turn, like a namespace with one.
 *
 * <p>So with {@code perNamespace} below both {@code threads} and {@code perKey}, a namespace that keeps
 * its whole share busy with work that hangs holds only its share: another namespace's work starts at
 * once. Nothing is kept for a namespace or a key with nothing running or waiting; idle threads end.
 */
public final class FairShares {

  /**
   * How much runs and waits, and the words of the answer when it cannot wait.
   *
   * @param threads work running at once, in all
   * @param perNamespace work of one namespace running at once
   * @param perKey work with one key running at once, from all namespaces
   * @param waitingPerNamespace work of one namespace waiting before more is turned away
   * @param waitingPerKey work with one key waiting before more is turned away
   * @param threadName prefix of the threads' names
   * @param namespaceFull the answer when the namespace's queue is full
   * @param keyFull the answer when the key's queue is full
   */
  public record Limits(int threads, int perNamespace, int perKey, int waitingPerNamespace, int waitingPerKey,
      String threadName, String namespaceFull, String keyFull) {

    /** Queries to one Prometheus at once, from all namespaces. */
    public static final int CALLS_PER_ENDPOINT = 8;
    /** Queries of one namespace in flight at once: half of what one Prometheus is asked. */
    public static final int CALLS_PER_NAMESPACE = 4;
    /** Queries in flight at once, in all. */
    public static final int CALLS = 64;
    /** Queries of one namespace waiting before more are turned away. */
    public static final int QUERIES_WAITING_PER_NAMESPACE = 256;

    public static final Limits PROMETHEUS = new Limits(CALLS, CALLS_PER_NAMESPACE, CALLS_PER_ENDPOINT,
        QUERIES_WAITING_PER_NAMESPACE, Integer.MAX_VALUE, "flagramp-query-",
        "not asked: " + QUERIES_WAITING_PER_NAMESPACE + " queries of this namespace are already waiting for"
            + " Prometheus", "not asked: too many queries are already waiting for this Prometheus");

    public Limits {
      if (threads < 1 || perNamespace < 1 || perKey < 1 || waitingPerNamespace < 0 || waitingPerKey < 0) {
        throw new IllegalArgumentException("limits must leave room for work: " + threads + "/" + perNamespace + "/"
            + perKey + "/" + waitingPerNamespace + "/" + waitingPerKey);
      }
    }
  }

  /** Why work was turned away. */
  public enum Full {
    /** The namespace's queue is full. */
    NAMESPACE,
    /** The key's queue is full. */
    KEY
  }

  /** Work turned away: its namespace's or its key's queue is full. */
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

  private final Limits limits;
  private final ThreadPoolExecutor threads;
  private final AtomicInteger names = new AtomicInteger();
  /** Work running, by namespace; guarded by this, like everything below. */
  private final Quota running;
  /** Work waiting, by namespace. */
  private final Quota waiting;
  private final Map<String, Integer> runningByKey = new HashMap<>();
  private final Map<String, Integer> waitingByKey = new HashMap<>();
  /** The namespaces with work waiting, the one served longest ago first. */
  private final LinkedHashMap<String, ArrayDeque<Task<?>>> queues = new LinkedHashMap<>();

  /** Sized for Prometheus queries ({@link Limits#PROMETHEUS}). */
  public FairShares() {
    this(Limits.PROMETHEUS);
  }

  public FairShares(Limits limits) {
    this.limits = limits;
    this.running = new Quota(limits.threads(), limits.perNamespace());
    this.waiting = new Quota(Integer.MAX_VALUE, Math.max(1, limits.waitingPerNamespace()));
    this.threads = new ThreadPoolExecutor(limits.threads(), limits.threads(), 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, limits.threadName() + names.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    threads.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code work} in {@code namespace}'s share, with {@code key}; when it cannot wait, fails at once
   * with {@link Refused}, whose message says why.
   */
  public <T> CompletableFuture<T> submit(String namespace, String key, Supplier<T> work) {
    return submit(namespace, key, work, () -> { }, () -> { });
  }

  /**
   * As {@link #submit(String, String, Supplier)}, telling when the work has to wait for its turn and when
   * it gets it: {@code queued} at most once, then {@code started} once (or neither, when refused; only
   * {@code started}, when it starts at once). Both are called under this' lock: they must be quick and
   * must not submit.
   */
  public <T> CompletableFuture<T> submit(String namespace, String key, Supplier<T> work, Runnable queued,
      Runnable started) {
    Task<T> task = new Task<>(namespace, key, work, started);
    boolean now;
    synchronized (this) {
      // Whenever a thread frees up, all that may start does (next): so nothing waiting could start now,
      // and this one starting ahead of the queue takes no one's turn, nor passes work of its own key.
      now = mayStart(namespace, key);
      if (now) {
        start(task);
      } else {
        if (waitingByKey.getOrDefault(key, 0) >= limits.waitingPerKey()) {
          return CompletableFuture.failedFuture(new Refused(Full.KEY, limits.keyFull()));
        }
        if (limits.waitingPerNamespace() == 0 || !waiting.take(namespace)) {
          return CompletableFuture.failedFuture(new Refused(Full.NAMESPACE, limits.namespaceFull()));
        }
        waitingByKey.merge(key, 1, Integer::sum);
        queues.computeIfAbsent(namespace, n -> new ArrayDeque<>()).add(task);
        queued.run();
      }
    }
    if (now) {
      threads.execute(task);
    }
    return task.result;
  }

  /**
   * Runs {@code work} in {@code namespace}'s share; when it cannot wait, completes at once with
   * {@code busy}'s answer, told which bound was met and a message saying why.
   */
  public <T> CompletableFuture<T> submit(String namespace, String key, Supplier<T> work,
      BiFunction<Full, String, T> busy) {
    return submit(namespace, key, work).exceptionallyCompose(failure -> failure instanceof Refused refused
        ? CompletableFuture.completedFuture(busy.apply(refused.full(), refused.getMessage()))
        : CompletableFuture.failedFuture(failure));
  }

  /** Work with {@code key} running now, from all namespaces; for tests. */
  synchronized int running(String key) {
    return runningByKey.getOrDefault(key, 0);
  }

  /** Work of {@code namespace} waiting now; for tests. */
  synchronized int waiting(String namespace) {
    return waiting.held(namespace);
  }

  /** Work running now, in all; for tests. */
  synchronized int running() {
    return running.held();
  }

  private boolean mayStart(String namespace, String key) {
    return running.hasRoom(namespace) && runningByKey.getOrDefault(key, 0) < limits.perKey();
  }

  private void start(Task<?> task) {
    running.take(task.namespace);
    runningByKey.merge(task.key, 1, Integer::sum);
    task.started.run();
  }

  /** The work that may start now, one per namespace in turn, each namespace's oldest that may; under the lock. */
  private List<Task<?>> next() {
    List<Task<?>> next = new ArrayList<>();
    boolean turnTaken = true;
    while (turnTaken && running.held() < limits.threads()) {
      turnTaken = false;
      for (Map.Entry<String, ArrayDeque<Task<?>>> entry : queues.entrySet()) {
        String namespace = entry.getKey();
        if (!running.hasRoom(namespace)) {
          continue;
        }
        Task<?> task = oldestThatMayStart(entry.getValue());
        if (task == null) {
          continue;
        }
        waiting.give(namespace);
        waitingByKey.computeIfPresent(task.key, (k, n) -> n == 1 ? null : n - 1);
        start(task);
        next.add(task);
        // To the back of the line, with what it has left.
        ArrayDeque<Task<?>> rest = queues.remove(namespace);
        if (!rest.isEmpty()) {
          queues.put(namespace, rest);
        }
        turnTaken = true;
        break;
      }
    }
    return next;
  }

  private Task<?> oldestThatMayStart(ArrayDeque<Task<?>> queue) {
    for (Iterator<Task<?>> it = queue.iterator(); it.hasNext(); ) {
      Task<?> task = it.next();
      if (runningByKey.getOrDefault(task.key, 0) < limits.perKey()) {
        it.remove();
        return task;
      }
    }
    return null;
  }

  private void finished(Task<?> task) {
    List<Task<?>> next;
    synchronized (this) {
      running.give(task.namespace);
      runningByKey.computeIfPresent(task.key, (k, n) -> n == 1 ? null : n - 1);
      next = next();
    }
    next.forEach(threads::execute);
  }

  /** One piece of work and the future it answers. */
  private final class Task<T> implements Runnable {
    final String namespace;
    final String key;
    final Supplier<T> work;
    final Runnable started;
    final CompletableFuture<T> result = new CompletableFuture<>();

    Task(String namespace, String key, Supplier<T> work, Runnable started) {
      this.namespace = namespace;
      this.key = key;
      this.work = work;
      this.started = started;
    }

    @Override
    public void run() {
      T value = null;
      Throwable failure = null;
      try {
        value = work.get();
      } catch (Throwable t) {
        failure = t;
      }
      // Room first: whoever the answer wakes may submit again, and should find it.
      finished(this);
      if (failure == null) {
        result.complete(value);
      } else {
        result.completeExceptionally(failure instanceof CompletionException ? failure
            : new CompletionException(failure));
      }
    }
  }
}
