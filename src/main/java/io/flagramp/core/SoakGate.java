package io.flagramp.core;

import io.flagramp.api.v1alpha1.ActionRecord;
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
      return new Verdict.Wait(due, Optional.empty(), "soaking until " + Timestamps.human(due), true);
    }
    Optional<ActionRecord> promoted = promotion(d, move);
    if (promoted.isPresent()) {
      return new Verdict.Pass("soak ended early by " + Annotations.PROMOTE + " (set by " + promoted.get().getBy()
          + ") after " + Durations.format(Duration.between(stageStart(d, move), Timestamps.parse(promoted.get()
          .getAt()))));
    }
    Duration soaked = move instanceof Move.Succeed ? bake(d) : d.schedule.pauseAt(d.weight());
    return new Verdict.Pass("soaked " + Durations.format(soaked));
  }

  /** When the current stage's time is up: its soak (or bake) over, or ended early by a promote. */
  static Instant due(Draft d, Move move) {
    Instant start = stageStart(d, move);
    Instant due = start.plus(move instanceof Move.Succeed ? bake(d) : d.schedule.pauseAt(d.weight()));
    Optional<ActionRecord> promoted = promotion(d, move);
    return promoted.map(p -> Timestamps.parse(p.getAt())).filter(due::isAfter).orElse(due);
  }

  private static Instant stageStart(Draft d, Move move) {
    return Timestamps.parse(move instanceof Move.Succeed ? d.next.getBakeStartedAt() : d.next.getStepStartedAt());
  }

  /** A promote given at this weight since the current stage started. */
  static Optional<ActionRecord> promotion(Draft d, Move move) {
    ActionRecord p = d.next.getPromotion();
    if (p == null || d.weight() == null || !d.weight().equals(p.getWeight())) {
      return Optional.empty();
    }
    return Timestamps.parse(p.getAt()).isBefore(stageStart(d, move)) ? Optional.empty() : Optional.of(p);
  }

  static Duration bake(Draft d) {
    return d.spec().getBake() == null ? Duration.ZERO : Durations.parse(d.spec().getBake());
  }
}
