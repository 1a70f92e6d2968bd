package io.flagramp.core;

import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.RestartStatus;
import io.flagramp.api.v1alpha1.RestartTarget;
import io.flagramp.api.v1alpha1.StepOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * spec.restartTargets, for apps that read the flag at start-up. Every ConfigMap write (a step's or a
 * restore's) records, in the same status write as its intent, a restart: the value each target's pod
 * template annotation kubectl.kubernetes.io/restartedAt gets. The targets are restarted after the write;
 * a reconcile that finds the write made and a target without the value restarts it first, so a crash
 * between the writes loses no restart. A step's soak starts only once every target has rolled out (its
 * controller caught up, every replica updated, ready and available); one that takes longer than
 * spec.restartTimeout fails the step, and onFailure applies. Nothing waits for the rollout after a
 * restore: the revert is done when the values are back and the targets restarted.
 */
final class Restarts {

  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  /** How often a rollout is looked at while the change waits for it. */
  static final Duration POLL = Duration.ofSeconds(2);

  private Restarts() {}

  /**
   * Records the restart that goes with a write ({@code weight} null for a restore) and returns the
   * restarts to make after it: every target that exists and may be restarted.
   */
  static List<Restart> record(Draft d, Integer weight, String writeId) {
    if (d.spec().targets().isEmpty()) {
      return List.of();
    }
    String value = Timestamps.format(d.now) + "/" + writeId;
    d.next.setRestart(new RestartStatus(value, weight, Timestamps.format(d.now)));
    return restartable(d, value);
  }

  /** Targets that exist, may be restarted, and do not carry {@code value} yet. */
  private static List<Restart> restartable(Draft d, String value) {
    return d.spec().targets().stream().map(d.o::target)
        .filter(t -> t.exists() && (t.optedIn() || !d.settings.requireConfigMapOptIn()))
        .filter(t -> !t.restartedAt().filter(value::equals).isPresent())
        .map(t -> new Restart(t.target(), value))
        .toList();
  }

  /**
   * Right after {@link Intents}: a restart recorded with a write that is made, but not made itself.
   * The missing restarts are made now (nothing else); once every target carries the value, the
   * restart counts as made and no target is restarted again for that write.
   */
  static Optional<Plan> finish(Draft d) {
    RestartStatus r = d.next.getRestart();
    if (r == null || r.made() || d.intentPending()) {
      return Optional.empty();
    }
    List<Restart> missing = restartable(d, r.getValue());
    if (missing.isEmpty()) {
      r.setMade(true);
      return Optional.empty();
    }
    return Optional.of(d.restarting(missing).acknowledge("RestartFinished", "restarting " + names(missing)
        + " (the restart that goes with the last ConfigMap write)", Notice.Kind.Normal)
        .plan(Optional.empty(), Optional.of(Duration.ZERO)));
  }

  /**
   * A running step whose targets are rolling out: the soak starts when every one has; past the
   * timeout the step fails. Empty when there is nothing to wait for.
   */
  static Optional<Plan> rollingOut(Draft d, Optional<Analyzer> analyzer) {
    RestartStatus r = d.next.getRestart();
    if (r == null || r.getWeight() == null || !r.getWeight().equals(d.weight()) || r.getReadyAt() != null) {
      return Optional.empty();
    }
    List<ObservedTarget> ours = d.spec().targets().stream().map(d.o::target)
        .filter(t -> t.exists() && t.restartedAt().filter(r.getValue()::equals).isPresent())
        .toList();
    r.setTargets(ours.stream().map(t -> new RestartStatus.TargetProgress(t.target().getKind(), t.target().getName(),
        t.rolledOut(r.getValue()) ? "rolled out" : t.progress())).toList());
    Instant requested = Timestamps.parse(r.getRequestedAt());
    List<ObservedTarget> waiting = ours.stream().filter(t -> !t.rolledOut(r.getValue())).toList();
    if (waiting.isEmpty()) {
      return Optional.of(rolledOut(d, analyzer, r, ours, requested));
    }
    Instant deadline = requested.plus(timeout(d));
    String progress = waiting.stream().map(t -> t.target().describe() + " " + t.progress())
        .collect(Collectors.joining("; "));
    if (!d.now.isBefore(deadline)) {
      return Optional.of(Reverts.fail(d, progress + ": not rolled out " + Durations.format(timeout(d))
          + " (restartTimeout) after the write at weight " + d.weight(), Reason.RestartTimedOut));
    }
    if (!d.is(Phase.Progressing, Reason.RollingOut)) {
      d.decide(Phase.Progressing, Reason.RollingOut, "weight " + d.weight() + " written; waiting for "
          + names(waiting.stream().map(t -> new Restart(t.target(), r.getValue())).toList()) + " to roll out ("
          + progress + "); the soak starts once they have, and the step fails at " + Timestamps.human(deadline),
          Notice.Kind.Normal);
    }
    Duration requeue = Durations.min(POLL, Duration.between(d.now, deadline));
    Optional<Instant> measure = MetricsRound.due(d, analyzer);
    if (measure.isPresent()) {
      requeue = Durations.min(requeue, Duration.between(d.now, measure.get()));
    }
    return Optional.of(d.keep(Optional.of(requeue)));
  }

  private static Plan rolledOut(Draft d, Optional<Analyzer> analyzer, RestartStatus r, List<ObservedTarget> ours,
      Instant requested) {
    r.setReadyAt(Timestamps.format(d.now));
    Duration pause = d.schedule.pauseAt(d.weight());
    d.next.setStepStartedAt(Timestamps.format(d.now));
    d.next.setNextStepAt(Timestamps.format(d.now.plus(pause)));
    if (d.next.getHistory() != null) {
      d.next.getHistory().stream().filter(h -> h.getOutcome() == StepOutcome.Running)
          .forEach(h -> h.setRolledOutAt(Timestamps.format(d.now)));
    }
    // What was measured while old and new pods both ran does not count for this step.
    analyzer.ifPresent(a -> a.startOver(d.next));
    String who = ours.isEmpty() ? "no restart target exists" : names(ours.stream()
        .map(t -> new Restart(t.target(), r.getValue())).toList()) + " rolled out "
        + Durations.format(Duration.between(requested, d.now)) + " after the write";
    d.decide(Phase.Progressing, Reason.RolledOut, "step " + d.progress() + " at weight " + d.weight() + ": " + who
        + "; soaking " + Durations.format(pause) + " until " + Timestamps.human(d.now.plus(pause)), Notice.Kind.Normal);
    Duration requeue = Durations.min(pause, d.settings.resyncInterval());
    if (analyzer.isPresent()) {
      requeue = Durations.min(requeue, analyzer.get().interval());
    }
    return d.keep(Optional.of(requeue));
  }

  static Duration timeout(Draft d) {
    return d.spec().getRestartTimeout() == null ? DEFAULT_TIMEOUT : Durations.parse(d.spec().getRestartTimeout());
  }

  /** "Deployment api, StatefulSet db". */
  static String names(List<Restart> restarts) {
    return restarts.stream().map(Restart::target).map(RestartTarget::describe).collect(Collectors.joining(", "));
  }
}
