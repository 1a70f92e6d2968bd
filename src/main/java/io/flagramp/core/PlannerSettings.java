package io.flagramp.core;

import java.time.Duration;

/**
 * The planner's tunables.
 *
 * @param resyncInterval the longest a running change goes without a look at its ConfigMap, so that
 *     someone else changing the flag is noticed even when nothing else is due
 * @param pendingRetryInterval how often a Pending change looks again for its ConfigMap or its turn
 * @param historyLimit how many history rows status keeps
 */
public record PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit) {

  public static PlannerSettings defaults() {
    return new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20);
  }
}
