package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.RestartTarget;
import java.util.Locale;

/**
 * A step restarts spec.restartTargets, so each must exist and its owner must have agreed
 * ({@link OptIn#RESTART}, unless the operator is told not to ask). Checked before the write; a restore
 * is never held by it (it restarts the targets it may).
 */
final class TargetsGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    if (!(move instanceof Move.EnterStep)) {
      return new Verdict.Pass("no write");
    }
    String where = d.weight() == null ? "" : "; holding at weight " + d.weight();
    for (RestartTarget t : d.spec().targets()) {
      ObservedTarget o = d.o.target(t);
      if (!o.exists()) {
        return new Verdict.Hold(d.started() ? Phase.Held : Phase.Pending, Reason.RestartTargetNotFound,
            t.describe() + " (spec.restartTargets) does not exist in namespace " + d.change().getMetadata()
                .getNamespace() + where + "; create it, or remove it from spec.restartTargets", Notice.Kind.Warning,
            true);
      }
      if (d.settings.requireConfigMapOptIn() && !o.optedIn()) {
        return new Verdict.Hold(d.started() ? Phase.Held : Phase.Invalid, Reason.RestartTargetNotOptedIn,
            t.describe() + " does not carry the label " + OptIn.RESTART + "=" + OptIn.VALUE + ": flagramp restarts"
                + " only workloads whose owners opted in" + where + "; label it (kubectl label "
                + t.getKind().name().toLowerCase(Locale.ROOT) + " " + t.getName() + " " + OptIn.RESTART + "="
                + OptIn.VALUE + ")", Notice.Kind.Warning, true);
      }
    }
    return new Verdict.Pass("restart targets exist and opted in");
  }
}
