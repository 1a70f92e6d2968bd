package io.flagramp.core;

import io.flagramp.api.v1alpha1.ActionRecord;
import io.flagramp.api.v1alpha1.FlagIntent;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Entering a step: one status write that records it (the weight, its soak, its history row and the
 * intent, and for the first step the original values and their owners as read just now), then one
 * ConfigMap write that makes it, under the resourceVersion those values were read at. If the
 * ConfigMap changed in between, the API server refuses the write and {@link Intents} sorts it out.
 */
final class StepEntry {

  private StepEntry() {}

  static Plan enter(Draft d, int index, String passed, String why) {
    FlagTarget flag = d.flag();
    ObservedFlag observed = d.o.flag().orElseThrow();
    int weight = d.schedule.weight(index);
    Integer from = d.weight();
    Map<String, String> current = Intents.keys(d, observed);
    String prefix = why;
    if (!d.started()) {
      d.next.setOriginalValues(new LinkedHashMap<>(current));
      d.next.setOriginalManagers(owners(observed, current));
      d.next.setConfigMapUid(observed.uid());
      if (d.next.getBaselineAt() == null) {
        // The moment before the attempt's first write: a baseline added to the spec later is taken here.
        d.next.setBaselineAt(Timestamps.format(d.now));
      }
      prefix += "recorded original values " + flag.keys().stream()
          .map(k -> k + "=" + (current.containsKey(k) ? OnCall.quoteShort(current.get(k)) : "<absent>"))
          .collect(Collectors.joining(", ")) + "; ";
    } else {
      d.closeRunningStep(StepOutcome.Passed, passed);
    }
    Analyzer.of(d.spec().getAnalysis()).ifPresent(a -> a.startOver(d.next));
    Duration pause = d.schedule.pauseAt(weight);
    d.next.setCurrentWeight(weight);
    d.next.setStepStartedAt(Timestamps.format(d.now));
    d.next.setNextStepAt(Timestamps.format(d.now.plus(pause)));
    d.next.setBakeStartedAt(null);
    HistoryEntry row = new HistoryEntry(d.attempt(), index, weight, Timestamps.format(d.now));
    ActionRecord approval = d.next.getApproval();
    String approved = "";
    if (approval != null && approval.getWeight() == weight) {
      // The approval is used up by the step it was given for; the row keeps who gave it.
      row.setApproval(approval);
      d.next.setApproval(null);
      approved = " (approved by " + approval.getBy() + ")";
    }
    d.next.setPromotion(null);
    d.addHistory(row);
    Map<String, String> values = d.valuesFor(weight);
    String id = d.attempt() + "." + weight;
    d.next.setIntent(FlagIntent.step(id, weight, from, values, current, observed.uid(), Timestamps.format(d.now)));
    List<Restart> restarts = Restarts.record(d, weight, id);
    String soak = pause.isZero() ? "no soak" : "soaking " + Durations.format(pause) + " until "
        + Timestamps.human(d.now.plus(pause));
    if (!d.spec().targets().isEmpty()) {
      d.next.setNextStepAt(null);  // the soak starts once the targets have rolled out
      soak = "restarting " + Restarts.names(restarts) + "; the " + (pause.isZero() ? "next step follows" : Durations
          .format(pause) + " soak starts") + " once they have rolled out";
    }
    d.decide(Phase.Progressing, Reason.StepEntered, prefix + "entered step " + d.progress() + " at weight "
        + weight + approved + "; " + soak, Notice.Kind.Normal);
    Duration requeue = Durations.min(pause, d.settings.resyncInterval());
    Optional<Analyzer> analyzer = Analyzer.of(d.spec().getAnalysis());
    if (analyzer.isPresent()) {
      requeue = Durations.min(requeue, analyzer.get().interval());
    }
    if (!restarts.isEmpty()) {
      requeue = Durations.min(requeue, Restarts.POLL);
    }
    return d.restarting(restarts).plan(Optional.of(write(d, values, id, observed)), Optional.of(requeue));
  }

  /** The field manager each of {@code keys} is handed back to, as {@code observed} shows its owners now. */
  static Map<String, String> owners(ObservedFlag observed, Map<String, String> keys) {
    Map<String, String> managers = new LinkedHashMap<>();
    keys.keySet().forEach(k -> observed.owner(k).ifPresent(m -> managers.put(k, m)));
    return managers;
  }

  /** The ConfigMap write of a step: its values, this change's claim with the intent's id, stale claims removed. */
  static FlagWrite.SetValues write(Draft d, Map<String, String> values, String intentId, ObservedFlag observed) {
    List<String> stale = observed.claims().stream()
        .filter(c -> !c.live() && !c.claim().uid().equals(d.uid()) && c.claim().overlaps(d.flag().keys()))
        .map(c -> c.claim().uid())
        .toList();
    return new FlagWrite.SetValues(values, Claims.claim(d, observed, intentId), stale);
  }
}
