package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.api.v1alpha1.Text;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The on-call annotations. Each is acted on once per distinct value and acknowledged in
 * status.lastHandled and an Event; setting the same value again does nothing.
 */
final class OnCall {

  private OnCall() {}

  /** A new annotation value to act on, if there is one. */
  static Optional<String> fresh(Draft d, String annotation, String handled) {
    Map<String, String> annotations = d.change().getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(annotation);
    return value == null || Text.handled(value).equals(handled) ? Optional.empty() : Optional.of(value);
  }

  /**
   * flagramp.io/abort: restore now, whatever the phase, whenever the attempt has recorded original
   * values; a Succeeded change too, unless another change has claimed its keys since.
   */
  static Plan abort(Draft d, String value) {
    d.handled().setAbort(value);
    String by = "flagramp.io/abort=" + quote(Text.cap(value, Text.HANDLED));
    Phase phase = d.phase();
    if (phase == Phase.RolledBack) {
      return d.acknowledge(Reason.Aborted.name(), by + " acknowledged: already rolled back, nothing to do",
          Notice.Kind.Normal).keep(Optional.empty());
    }
    if (phase == Phase.Succeeded) {
      Optional<FlagClaim> since = d.o.flag().stream().flatMap(f -> f.claims().stream())
          .map(ObservedFlag.ObservedClaim::claim)
          .filter(c -> !c.uid().equals(d.uid()) && c.overlaps(d.flag().keys()))
          .findFirst();
      if (since.isPresent()) {
        // Restoring would undo the writes of the change that ramped these keys after this one.
        return d.acknowledge("AbortRefused", by + " not carried out: ScalingChange " + since.get().name()
            + " has written " + String.join(", ", since.get().keys()) + " since this change succeeded; abort"
            + " that one instead", Notice.Kind.Warning).keep(Optional.empty());
      }
    }
    if (!d.started()) {
      return d.decide(Phase.RolledBack, Reason.Aborted, "aborted by " + by + " before the first write: nothing"
          + " to restore", Notice.Kind.Warning).keep(Optional.empty());
    }
    String where = (phase == Phase.Succeeded ? "after it succeeded " : "")
        + (d.weight() == null ? "" : "at weight " + d.weight() + " (step " + d.progress() + ")");
    return Reverts.revert(d, Reason.Aborted, "aborted by " + by + " " + where + ": ", "aborted by " + by);
  }

  /** flagramp.io/retry: after RolledBack, a new attempt from the first step. Otherwise acknowledged only. */
  static Plan retry(Draft d, String value) {
    d.handled().setRetry(value);
    String by = "flagramp.io/retry=" + quote(Text.cap(value, Text.HANDLED));
    if (d.phase() == Phase.RolledBack) {
      return newAttempt(d, "retry requested by " + by + " after RolledBack");
    }
    return d.acknowledge("RetryIgnored", by + " ignored: the change is " + d.phase() + "; a retry starts a"
        + " new attempt only after RolledBack", Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
  }

  /** Everything of the attempt that ended is let go; what it did stays in history. */
  private static Plan newAttempt(Draft d, String why) {
    ScalingChangeStatus s = d.next;
    s.setAttempt(d.attempt() + 1);
    s.setCurrentWeight(null);
    s.setStepStartedAt(null);
    s.setNextStepAt(null);
    s.setBakeStartedAt(null);
    s.setOriginalValues(null);
    s.setOriginalManagers(null);
    s.setBaseline(null);
    s.setBaselineAt(null);
    s.setBaselineBasis(null);
    s.setMetrics(null);
    s.setIntent(null);
    return d.decide(Reason.NewAttempt, why + ": starting attempt " + s.getAttempt() + " from the first step",
        Notice.Kind.Normal).keep(Optional.of(Duration.ZERO));
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }
}
