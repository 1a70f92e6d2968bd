package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;

/**
 * A step writes the ConfigMap, so its owner must have agreed ({@link OptIn#FLAGS}, unless the operator
 * is told not to ask) and it must be writable at all (not {@code immutable}), and hold a flag that can be
 * ramped (a flagd document flagd accepts, with the flag and a split flagramp can set). Checked before anything
 * else is asked or sent; a restore is never held by it.
 */
final class WritableGate implements Gate {

  @Override
  public Verdict check(Draft d, Move move) {
    if (!(move instanceof Move.EnterStep) || d.o.flag().isEmpty()) {
      return new Verdict.Pass("no write");
    }
    return refusal(d, d.o.flag().get()).<Verdict>map(h -> h).orElse(new Verdict.Pass("writable"));
  }

  /** Why this ConfigMap may not be written, if it may not. */
  static java.util.Optional<Verdict.Hold> refusal(Draft d, ObservedFlag flag) {
    Phase phase = d.started() ? Phase.Held : Phase.Invalid;
    String cm = d.flag().getConfigMapName();
    String where = d.weight() == null ? "" : "; holding at weight " + d.weight();
    if (flag.immutable()) {
      return java.util.Optional.of(new Verdict.Hold(phase, Reason.ConfigMapImmutable, "ConfigMap " + cm
          + " is immutable: the flag cannot be written" + where + "; replace it with a mutable one, or abort",
          Notice.Kind.Warning, true));
    }
    if (d.settings.requireConfigMapOptIn() && !flag.optedIn()) {
      return java.util.Optional.of(new Verdict.Hold(phase, Reason.ConfigMapNotOptedIn, "ConfigMap " + cm
          + " does not carry the label " + OptIn.FLAGS + "=" + OptIn.VALUE + ": flagramp writes only ConfigMaps whose"
          + " owners opted in" + where + "; label it (kubectl label configmap " + cm + " " + OptIn.FLAGS + "="
          + OptIn.VALUE + ")", Notice.Kind.Warning, true));
    }
    if (flag.stepProblem().isPresent()) {
      return java.util.Optional.of(new Verdict.Hold(phase, Reason.FlagUnrampable, "ConfigMap " + cm + ", "
          + flag.stepProblem().get() + ": nothing is written" + where + "; fix the document, or abort",
          Notice.Kind.Warning, true));
    }
    return java.util.Optional.empty();
  }
}
