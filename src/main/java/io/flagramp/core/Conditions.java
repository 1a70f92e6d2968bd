package io.flagramp.core;

import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kstatus conditions, derived from the phase, so that {@code kubectl wait --for=condition=Ready},
 * Flux health checks (kstatus) and Argo CD health need no special cases. In every phase exactly one of
 * the three is True:
 *
 * <table>
 *   <caption>Conditions by phase</caption>
 *   <tr><th>phase</th><th>True</th><th>kstatus</th></tr>
 *   <tr><td>Pending, Progressing, AwaitingApproval, Baking, Paused</td><td>Reconciling</td>
 *       <td>InProgress</td></tr>
 *   <tr><td>Held, RolledBack, Invalid</td><td>Stalled</td><td>Failed</td></tr>
 *   <tr><td>Succeeded</td><td>Ready</td><td>Current</td></tr>
 * </table>
 *
 * <p>Why Reconciling in AwaitingApproval, Baking and Paused: the operator still measures there (a breach
 * still reverts) and the flag has not reached its end, so nothing may take the change for done. With
 * Reconciling False there, kstatus called them InProgress only through its fallback on a False Ready
 * condition, which it documents as a heuristic; Reconciling True says it by the convention itself.
 * kstatus has no "suspended": a paused change is InProgress, since it is not finished (Argo CD's
 * health.lua calls it Suspended). So {@code kubectl wait --for=condition=Ready} waits for Succeeded, and
 * {@code kubectl wait --for=condition=Reconciling=False} for "finished, either way": Succeeded, or
 * stopped where a person must act (Held, RolledBack, Invalid).
 *
 * <p>A condition's lastTransitionTime moves only when its status flips. A transient fault
 * ({@link #setFault}) sets Reconciling True on top of the phase's conditions until the next decision.
 */
public final class Conditions {

  private Conditions() {}

  /** Sets the three conditions on {@code status} for its phase, with this reason and message. */
  public static void set(ScalingChangeStatus status, String reason, String message, long generation,
      Instant now) {
    String whichIsTrue = trueIn(status.getPhase());
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    List<Condition> next = new ArrayList<>(3);
    for (String type : List.of(Condition.READY, Condition.RECONCILING, Condition.STALLED)) {
      next.add(condition(previous, type, type.equals(whichIsTrue), reason, message, generation, now));
    }
    status.setConditions(next);
  }

  /** The one condition that is True in {@code phase}; the other two are False. */
  static String trueIn(Phase phase) {
    return switch (phase) {
      case Pending, Progressing, AwaitingApproval, Baking, Paused -> Condition.RECONCILING;
      case Held, RolledBack, Invalid -> Condition.STALLED;
      case Succeeded -> Condition.READY;
    };
  }

  /**
   * Marks a transient fault (an API error, say) on Reconciling without touching the phase: the
   * operator is still working on it and will retry.
   */
  public static void setFault(ScalingChangeStatus status, String reason, String message, long generation,
      Instant now) {
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    List<Condition> next = new ArrayList<>();
    for (Condition c : previous) {
      if (!Condition.RECONCILING.equals(c.getType())) {
        next.add(c);
      }
    }
    next.add(condition(previous, Condition.RECONCILING, true, reason, message, generation, now));
    next.sort((a, b) -> Integer.compare(order(a.getType()), order(b.getType())));
    status.setConditions(next);
  }

  private static int order(String type) {
    return switch (type) {
      case Condition.READY -> 0;
      case Condition.RECONCILING -> 1;
      default -> 2;
    };
  }

  private static Condition condition(List<Condition> previous, String type, boolean value, String reason,
      String message, long generation, Instant now) {
    Optional<Condition> before = previous.stream().filter(c -> type.equals(c.getType())).findFirst();
    String since = before.filter(c -> c.isTrue() == value).map(Condition::getLastTransitionTime)
        .orElse(Timestamps.format(now));
    return new Condition(type, value, generation, since, reason, message);
  }
}
