package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import java.util.List;
import java.util.Optional;

/**
 * An attempt that has not written yet: its ConfigMap must exist, its keys must be free (no live claim
 * of another change on them), its gates must pass, and with analysis its baseline is taken; then the
 * first step is entered, recording the original values in the same status write.
 */
final class Start {

  private final List<Gate> gates;

  Start(List<Gate> gates) {
    this.gates = gates;
  }

  Plan plan(Draft d) {
    if (d.o.flag().isEmpty()) {
      return d.decide(Reason.ConfigMapNotFound, "waiting for ConfigMap " + d.flag().getConfigMapName()
              + " to exist in namespace " + d.change().getMetadata().getNamespace(), Notice.Kind.Warning)
          .keep(Optional.of(d.settings.pendingRetryInterval()));
    }
    ObservedFlag flag = d.o.flag().get();
    Optional<FlagClaim> holder = Claims.foreign(d, flag);
    if (holder.isPresent()) {
      List<String> shared = d.flag().keys().stream().filter(holder.get()::holds).toList();
      return d.decide(Phase.Pending, Reason.Conflict, "waiting for ScalingChange " + holder.get().name() + ", which holds "
              + String.join(", ", shared) + " in ConfigMap " + d.flag().getConfigMapName(), Notice.Kind.Normal)
          .keep(Optional.of(d.settings.pendingRetryInterval()));
    }
    Move.EnterStep first = new Move.EnterStep(0);
    for (Gate gate : gates) {
      Gate.Verdict verdict = gate.check(d, first);
      if (verdict instanceof Gate.Verdict.Hold h) {
        if (!d.is(h.phase(), h.reason()) || !h.line().equals(d.next.getLastDecision())) {
          d.decide(h.phase(), h.reason(), h.line(), h.kind());
        }
        return d.keep(h.recheck() ? Optional.of(d.settings.pendingRetryInterval()) : Optional.empty());
      }
      if (verdict instanceof Gate.Verdict.Wait w) {
        d.next.setNextStepAt(w.moveDue() ? Timestamps.format(w.until()) : null);
        w.reason().filter(r -> !d.is(Phase.Pending, r) || !w.line().equals(d.next.getLastDecision()))
            .ifPresent(r -> d.decide(r.allows(Phase.Pending) ? Phase.Pending : r.phase(), r, w.line(),
                Notice.Kind.Normal));
        return d.keep(Optional.of(Durations.min(java.time.Duration.between(d.now, w.until()),
            d.settings.resyncInterval())));
      }
    }
    Optional<Analyzer> analyzer = Analyzer.of(d.spec().getAnalysis());
    if (analyzer.isPresent() && analyzer.get().needsBaseline(d.next)) {
      return MetricsRound.baseline(d, analyzer.get(), prefix -> StepEntry.enter(d, 0, null, prefix));
    }
    if (analyzer.isPresent()) {
      Optional<Plan> refused = MetricsRound.credentialsRefused(d);
      if (refused.isPresent()) {
        return refused.get();
      }
    }
    return StepEntry.enter(d, 0, null, "");
  }
}
