package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;

/**
 * A new generation of the spec, seen for the first time: an Event that says what changed in the
 * schedule and where that leaves the flag, so a STEP column that moves from 2/4 to 3/5 is explained.
 * Whatever the edit leads to is decided by the rules as usual; this only says it happened.
 */
final class SpecEdits {

  private SpecEdits() {}

  static void note(Draft d) {
    if (d.before == null || d.before.getObservedGeneration() == null || !d.generationChanged()) {
      return;
    }
    String was = d.before.getSchedule();
    String now = d.schedule.describe();
    String what = was == null ? "steps now " + now
        : was.equals(now) ? "the schedule is unchanged (" + now + ")" : "steps " + was + " → " + now;
    String where;
    Phase phase = d.phase();
    if (phase == Phase.Succeeded) {
      where = "; the change has succeeded: nothing is written";
    } else if (phase == Phase.RolledBack) {
      where = "; the change was rolled back: flagramp.io/retry starts a new attempt with this spec";
    } else if (d.weight() != null) {
      where = "; the flag stays at weight " + d.weight() + ", now step " + d.progress();
    } else {
      where = "";
    }
    d.note(Notice.normal("SpecEdited", "spec edited (generation " + d.before.getObservedGeneration() + " → "
        + d.generation + "): " + what + where));
  }
}
