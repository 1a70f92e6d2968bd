package io.flagramp.operator;

import io.flagramp.api.v1alpha1.ScalingChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Bounds the step writes in flight, so a burst of steps falling due together queues instead of loading
 * the API server all at once, and an abort or a revert (never paced) finds it answering.
 *
 * <p>A step that finds no room writes nothing and joins a first-come queue. Each step that finishes
 * hands its room to the head of the queue, reserved for it, and wakes that change; so a waiting change
 * is reconciled once when its turn comes, instead of polling (1,000 changes polling every 20 ms kept a
 * core busy doing nothing). A woken change that no longer steps passes its room on. A reservation not
 * taken up within {@link #AGAIN} (the change was deleted) lapses, and every waiting change is looked at
 * again after {@link #AGAIN} anyway, so a lost wake-up delays a step, never stops it. The planner is
 * pure, so a woken change decides the same step again.
 */
public final class StepPacer {

  /** How soon a waiting step is looked at again without being woken; also how long a reservation lasts. */
  static final Duration AGAIN = Duration.ofSeconds(5);

  private final int limit;
  private final LongSupplier nanos;
  private Consumer<ScalingChange> wake = change -> { };
  private int inFlight;
  /** Changes waiting for room, by uid, first come first. */
  private final Map<String, ScalingChange> waiting = new LinkedHashMap<>();
  /** Woken changes, by uid, each holding a room until {@code nanos} passes the value. */
  private final Map<String, Long> reserved = new LinkedHashMap<>();

  public StepPacer(int maxConcurrentSteps) {
    this(maxConcurrentSteps, System::nanoTime);
  }

  StepPacer(int maxConcurrentSteps, LongSupplier nanos) {
    this.limit = maxConcurrentSteps;
    this.nanos = nanos;
  }

  /** Unbounded: every step goes at once. */
  public static StepPacer unbounded() {
    return new StepPacer(Integer.MAX_VALUE);
  }

  /** How a waiting change is brought back when its turn comes. */
  public StepPacer wakingThrough(Consumer<ScalingChange> wake) {
    this.wake = wake;
    return this;
  }

  /** Room for {@code change}'s step: its reservation, or a free room no one waits for; else it queues. */
  boolean tryEnter(ScalingChange change) {
    String uid = uid(change);
    List<ScalingChange> woken;
    synchronized (this) {
      lapse();
      if (reserved.remove(uid) != null || inFlight + reserved.size() < limit && (waiting.isEmpty()
          || waiting.keySet().iterator().next().equals(uid))) {
        waiting.remove(uid);
        inFlight++;
        return true;
      }
      waiting.putIfAbsent(uid, change);
      // Rooms freed by lapsed reservations go to those ahead of it.
      woken = handOut();
    }
    woken.forEach(wake);
    return false;
  }

  /** A step entered with {@link #tryEnter} is done: its room goes to the next in the queue. */
  void leave() {
    List<ScalingChange> woken;
    synchronized (this) {
      inFlight--;
      woken = handOut();
    }
    woken.forEach(wake);
  }

  /** {@code change} was reconciled and has no step to write now: it neither waits nor holds a room. */
  void passedOver(ScalingChange change) {
    String uid = uid(change);
    List<ScalingChange> woken;
    synchronized (this) {
      boolean held = reserved.remove(uid) != null;
      if (waiting.remove(uid) == null && !held) {
        return;
      }
      woken = handOut();
    }
    woken.forEach(wake);
  }

  /** Changes waiting for room now. */
  synchronized int waiting() {
    return waiting.size();
  }

  /** Reserves every free room for the head of the queue; returns whom to wake, to be woken unlocked. */
  private List<ScalingChange> handOut() {
    lapse();
    List<ScalingChange> woken = new ArrayList<>();
    Iterator<Map.Entry<String, ScalingChange>> queue = waiting.entrySet().iterator();
    while (inFlight + reserved.size() < limit && queue.hasNext()) {
      Map.Entry<String, ScalingChange> next = queue.next();
      queue.remove();
      reserved.put(next.getKey(), nanos.getAsLong() + AGAIN.toNanos());
      woken.add(next.getValue());
    }
    return woken;
  }

  private void lapse() {
    long now = nanos.getAsLong();
    reserved.values().removeIf(until -> now - until > 0);
  }

  private static String uid(ScalingChange change) {
    String uid = change.getMetadata().getUid();
    return uid != null ? uid : change.getMetadata().getNamespace() + "/" + change.getMetadata().getName();
  }
}
