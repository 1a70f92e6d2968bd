package io.flagramp.core;

import java.time.Duration;
import java.util.Optional;

/**
 * The planner's tunables.
 *
 * @param resyncInterval the longest a running change goes without a look at its ConfigMap, so that
 *     someone else changing the flag is noticed even when nothing else is due
 * @param pendingRetryInterval how often a Pending change looks again for its ConfigMap or its turn,
 *     and a change refused for a missing opt-in label looks again
 * @param historyLimit how many history rows status keeps
 * @param defaultPrometheus the operator's Prometheus address for changes that name none
 * @param allowlist the Prometheus addresses a change may name
 * @param requireConfigMapOptIn a ConfigMap is written only if it carries the {@link OptIn#FLAGS} label
 * @param approvers whom an approval is taken from
 */
public record PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit,
    Optional<String> defaultPrometheus, AddressAllowlist allowlist, boolean requireConfigMapOptIn,
    Approvers approvers) {

  public PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit,
      Optional<String> defaultPrometheus, AddressAllowlist allowlist, boolean requireConfigMapOptIn) {
    this(resyncInterval, pendingRetryInterval, historyLimit, defaultPrometheus, allowlist, requireConfigMapOptIn,
        Approvers.FIELD_MANAGER);
  }

  public PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit) {
    this(resyncInterval, pendingRetryInterval, historyLimit, false);
  }

  /** For tests: with or without a default Prometheus, any address, the opt-in label required. */
  public PlannerSettings(Duration resyncInterval, Duration pendingRetryInterval, int historyLimit,
      boolean defaultPrometheus) {
    this(resyncInterval, pendingRetryInterval, historyLimit,
        defaultPrometheus ? Optional.of("http://prometheus:9090") : Optional.empty(), AddressAllowlist.any(), true);
  }

  /** The same, taking approvals from {@code approvers}. */
  public PlannerSettings with(Approvers approvers) {
    return new PlannerSettings(resyncInterval, pendingRetryInterval, historyLimit, defaultPrometheus, allowlist,
        requireConfigMapOptIn, approvers);
  }
}
