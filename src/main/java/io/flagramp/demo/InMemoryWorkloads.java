package io.flagramp.demo;

import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.core.ObservedTarget;
import io.flagramp.core.Restart;
import io.flagramp.operator.Workloads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Workloads for the simulation: a restart sets the annotation, and its controller reports the rollout
 * done {@code rollout} later on the simulated clock (never, for a workload whose pods never get ready).
 */
public final class InMemoryWorkloads implements Workloads {

  /** One workload: its opt-in label, its template annotation, and how its rollouts go. */
  public static final class Workload {
    public boolean optedIn = true;
    /** How long a rollout takes; null: its new pods never become ready. */
    public Duration rollout = Duration.ofSeconds(5);
    public Optional<String> restartedAt = Optional.empty();
    public Instant restartedWhen;
    /** Restarts refused before one succeeds (a lost patch, or a crash before it). */
    public int failNextRestarts;
    /** Every value it was restarted with, in order. */
    public final List<String> restarts = new ArrayList<>();
  }

  private final Map<RestartTarget, Workload> workloads;
  private final Supplier<Instant> clock;

  InMemoryWorkloads(Map<RestartTarget, Workload> shared, Supplier<Instant> clock) {
    this.workloads = shared;
    this.clock = clock;
  }

  static Map<RestartTarget, Workload> store() {
    return new LinkedHashMap<>();
  }

  @Override
  public synchronized ObservedTarget read(String namespace, RestartTarget target) {
    Workload w = workloads.get(target);
    if (w == null) {
      return ObservedTarget.missing(target);
    }
    boolean done = w.restartedWhen == null
        || (w.rollout != null && !clock.get().isBefore(w.restartedWhen.plus(w.rollout)));
    return new ObservedTarget(target, true, w.optedIn, w.restartedAt, done, done ? "rolled out"
        : "0/2 updated, 0/2 ready, 2/2 available");
  }

  @Override
  public synchronized void restart(String namespace, Restart restart) {
    Workload w = workloads.get(restart.target());
    if (w == null || w.failNextRestarts > 0) {
      if (w != null) {
        w.failNextRestarts--;
      }
      throw new io.flagramp.operator.RestartFailed(restart.target().describe(),
          new IllegalStateException(w == null ? "not found" : "injected fault"));
    }
    if (!w.restartedAt.equals(Optional.of(restart.value()))) {
      w.restartedAt = Optional.of(restart.value());
      w.restartedWhen = clock.get();
      w.restarts.add(restart.value());
    }
  }
}
