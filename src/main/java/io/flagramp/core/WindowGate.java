package io.flagramp.core;

import io.flagramp.api.v1alpha1.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * spec.windows: a step is entered only inside an allowed range and outside every blocked one. Outside,
 * the change waits (OutsideWindow) until the next opening, which is also its nextStepAt. Only entering a
 * step is gated: a revert, an abort, a hold, starting the bake and succeeding are not.
 */
final class WindowGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    Optional<WindowCalendar> calendar = WindowCalendar.of(d.spec().getWindows());
    if (!(move instanceof Move.EnterStep e) || calendar.isEmpty()) {
      return new Verdict.Pass("no window to wait for");
    }
    WindowCalendar c = calendar.get();
    if (c.open(d.now)) {
      return new Verdict.Pass("inside the deploy window");
    }
    String why = c.blockedAt(d.now).map(WindowCalendar.Blocked::describe)
        .orElse("outside the deploy windows " + c.describe());
    String step = (d.weight() == null ? "the first step" : "step " + (e.index() + 1) + "/" + d.schedule.size())
        + " (weight " + d.schedule.weight(e.index()) + ")";
    String holding = d.weight() == null ? "" : "; holding at weight " + d.weight();
    Optional<Instant> opening = c.nextOpening(d.now);
    if (opening.isEmpty()) {
      return new Verdict.Wait(d.now.plus(Duration.ofDays(1)), Optional.of(Reason.OutsideWindow), step + " is due, "
          + why + ", and no window opens within " + WindowCalendar.HORIZON_DAYS + " days" + holding
          + ": fix spec.windows", false);
    }
    return new Verdict.Wait(opening.get(), Optional.of(Reason.OutsideWindow), step + " is due, " + why + holding
        + "; waiting until " + c.human(opening.get()), true);
  }
}
