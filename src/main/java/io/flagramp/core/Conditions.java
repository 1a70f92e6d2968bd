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
 * Flux health checks and Argo CD health need no special cases.
 *
 * <table>
 *   <tr><th>phase</th><th>Ready</th><th>Reconciling</th><th>Stalled</th></tr>
 *   <tr><td>Pending, Progressing</td><td>False</td><td>True</td><td>False</td></tr>
 *   <tr><td>Paused</td><td>False</td><td>False</td><td>False</td></tr>
 *   <tr><td>Held, RolledBack, Invalid</td><td>False</td><td>False</td><td>True</td></tr>
 *   <tr><td>Succeeded</td><td>True</td><td>False</td><td>False</td></tr>
 * </table>
 *
 * A condition's lastTransitionTime moves only when its status flips.
 */
public final class Conditions {

  private Conditions() {}

  /** Sets the three conditions on {@code status} for its phase, with this reason and message. */
  public static void set(ScalingChangeStatus status, String reason, String message, long generation,
      Instant now) {
    Phase phase = status.getPhase();
    boolean ready = phase == Phase.Succeeded;
    boolean reconciling = phase == Phase.Pending || phase == Phase.Progressing;
    boolean stalled = phase == Phase.Held || phase == Phase.RolledBack || phase == Phase.Invalid;
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    List<Condition> next = new ArrayList<>(3);
    next.add(condition(previous, Condition.READY, ready, reason, message, generation, now));
    next.add(condition(previous, Condition.RECONCILING, reconciling, reason, message, generation, now));
    next.add(condition(previous, Condition.STALLED, stalled, reason, message, generation, now));
    status.setConditions(next);
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
