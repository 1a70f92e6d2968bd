package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;

/** spec.suspend: no step is entered or left while it is true. Measuring, and reverting, go on. */
final class SuspendGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    if (!d.spec().suspended()) {
      return new Verdict.Pass("not suspended");
    }
    String where = d.weight() == null ? "before the first step"
        : "at weight " + d.weight() + ", step " + d.progress();
    return new Verdict.Hold(Phase.Paused, Reason.Suspended, "suspended (spec.suspend) " + where, Notice.Kind.Normal);
  }
}
