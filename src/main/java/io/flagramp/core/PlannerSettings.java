package io.flagramp.core;

import java.time.Duration;

/**
 * The planner's tunables.
 *
 * @param resyncInterval the longest a running change goes without a look at its ConfigMap, so that
 *     someone else changing the flag is noticed even when nothing else is due
 * @param pendingRetryInterval how often a Pending change looks again for its ConfigMap or its turn
 * @param historyLimit how many history rows status keeps
 * @param defaultPrometheus whether the operator has a default Prometheus address, so that
 *     spec.analysis.prometheus.address may be left out
 */
public record PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit,
    boolean defaultPrometheus) {

  public PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit) {
    this(resyncInterval, pendingRetryInterval, historyLimit, false);
  }
}
