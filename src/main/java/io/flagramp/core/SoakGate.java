package io.flagramp.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Time at a weight: a step soaks for its pause from when it was entered (or resumed), and the bake
 * lasts spec.bake from when the last step passed its gates. Both are in status, so a restart neither
 * shortens nor repeats them.
 */
final class SoakGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    if (d.weight() == null) {
      return new Verdict.Pass("first step");
    }
    Instant due = due(d, move);
    if (d.now.isBefore(due)) {
      return new Verdict.Wait(due, Optional.empty(), "soaking until " + Timestamps.human(due));
    }
    Duration soaked = move instanceof Move.Succeed ? bake(d) : d.schedule.pauseAt(d.weight());
    return new Verdict.Pass("soaked " + Durations.format(soaked));
  }

  /** When the current stage's time is up. */
  static Instant due(Draft d, Move move) {
    if (move instanceof Move.Succeed) {
      return Timestamps.parse(d.next.getBakeStartedAt()).plus(bake(d));
    }
    return Timestamps.parse(d.next.getStepStartedAt()).plus(d.schedule.pauseAt(d.weight()));
  }

  static Duration bake(Draft d) {
    return d.spec().getBake() == null ? Duration.ZERO : Durations.parse(d.spec().getBake());
  }
}
