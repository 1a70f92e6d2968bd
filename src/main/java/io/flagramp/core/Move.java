package io.flagramp.core;

/** Where a running rollout goes next once every gate passes. */
sealed interface Move {

  /** Write the weight of step {@code index} (the first step above the weight written). */
  record EnterStep(int index) implements Move {}

  /** The last step passed: start the bake (or succeed at once without spec.bake). */
  record StartBake() implements Move {}

  /** The bake passed: the attempt has succeeded. */
  record Succeed() implements Move {}

  /** The next move for a change at this weight. */
  static Move after(Draft d) {
    var next = d.schedule.next(d.weight());
    if (next.isPresent()) {
      return new EnterStep(next.getAsInt());
    }
    return d.next.getBakeStartedAt() == null ? new StartBake() : new Succeed();
  }
}
