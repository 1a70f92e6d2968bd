package io.flagramp.operator;

import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * Bounds the step writes in flight, so a burst of steps falling due together queues for a few
 * milliseconds instead of loading the API server all at once, and an abort or a revert (never paced)
 * finds it answering. A step that finds no room writes nothing and is looked at again shortly: the
 * planner is pure, so it decides the same step again then.
 */
public final class StepPacer {

  /** How soon a step that found no room is looked at again. */
  static final Duration AGAIN = Duration.ofMillis(20);

  private final Semaphore room;

  public StepPacer(int maxConcurrentSteps) {
    this.room = new Semaphore(maxConcurrentSteps);
  }

  /** Unbounded: every step goes at once. */
  public static StepPacer unbounded() {
    return new StepPacer(Integer.MAX_VALUE);
  }

  boolean tryEnter() {
    return room.tryAcquire();
  }

  void leave() {
    room.release();
  }
}
