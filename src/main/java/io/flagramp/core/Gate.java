package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import java.time.Instant;
import java.util.Optional;

/**
 * One condition the rollout must meet before it makes its next {@link Move}: enter the next step,
 * start baking, or succeed. The planner asks each gate in turn; the first that does not pass
 * decides what the change does meanwhile. Reverting is never gated; a gate may decide one, when the
 * spec says that a move that cannot be made is a failure.
 */
interface Gate {

  Verdict check(Draft d, Move move);

  /** A gate's answer. */
  sealed interface Verdict {

    /** Met; {@code line} says how, for the step's history. */
    record Pass(String line) implements Verdict {}

    /**
     * Not yet, and it will be by itself: look again at {@code until}. With a reason, that is the state
     * meanwhile; without one, the state stays as it is. With {@code moveDue}, {@code until} is when the
     * move itself is due (status.nextStepAt), not only when to look again.
     */
    record Wait(Instant until, Optional<Reason> reason, String line, boolean moveDue) implements Verdict {

      Wait(Instant until, Optional<Reason> reason, String line) {
        this(until, reason, line, false);
      }
    }

    /**
     * Not until something changes (the spec, a person, data): the state meanwhile. With
     * {@code recheck}, what has to change is outside the spec (a label), so it is looked at again
     * regularly.
     */
    /**
     * The move will not be made at this weight, and the spec says to revert rather than hold: a cohort
     * metric still undecided past its extension with spec.analysis.cohorts.undecided.action Revert.
     */
    record Revert(Reason reason, String line) implements Verdict {}

    record Hold(Phase phase, Reason reason, String line, Notice.Kind kind, boolean recheck) implements Verdict {

      Hold(Phase phase, Reason reason, String line, Notice.Kind kind) {
        this(phase, reason, line, kind, false);
      }
    }
  }
}
