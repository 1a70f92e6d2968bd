package io.flagramp.core;

import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which status changes a reader has to see at once, and which can wait for the next heartbeat. A
 * measurement round that changes nothing but the values it measured (each metric's value, when and the
 * line saying so, and its pass count past the first) is news to nobody: those are served live on
 * /metrics and written with the next status write, or at the latest after {@link #HEARTBEAT}.
 * Everything else is written at once: a transition, a verdict, the first pass of a step (the gate
 * reads it), the consecutive failure and error counts (a restart must not forget how close a change is
 * to failing), an intent, a restart.
 */
public final class StatusDiff {

  /** Longest a status goes unwritten while only measured values change: at most 6 writes an hour. */
  public static final Duration HEARTBEAT = Duration.ofMinutes(10);

  private StatusDiff() {}

  /** {@code next} differs from {@code stored} only in measured values. */
  public static boolean onlyMeasuredValues(ScalingChangeStatus stored, ScalingChangeStatus next) {
    if (stored == null || next == null) {
      return false;
    }
    ScalingChangeStatus a = stored.copy();
    ScalingChangeStatus b = next.copy();
    if (a.getMetrics() == null || b.getMetrics() == null || a.getMetrics().size() != b.getMetrics().size()) {
      return false;
    }
    for (int i = 0; i < a.getMetrics().size(); i++) {
      MetricStatus x = a.getMetrics().get(i);
      MetricStatus y = b.getMetrics().get(i);
      if (!Objects.equals(x.getName(), y.getName()) || x.getResult() != y.getResult()
          || !Objects.equals(x.getConsecutiveFailures(), y.getConsecutiveFailures())
          || !Objects.equals(x.getConsecutiveErrors(), y.getConsecutiveErrors())
          || Math.min(n(x.getPasses()), 1) != Math.min(n(y.getPasses()), 1)) {
        return false;
      }
      y.setValue(x.getValue());
      y.setMeasuredAt(x.getMeasuredAt());
      y.setMessage(x.getMessage());
      y.setPasses(x.getPasses());
    }
    return a.equals(b);
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }

  /** The stored status's measured values are older than the heartbeat allows. */
  public static boolean heartbeatDue(ScalingChangeStatus stored, Instant now) {
    return lastMeasured(stored).map(t -> !now.isBefore(t.plus(HEARTBEAT))).orElse(true);
  }

  private static Optional<Instant> lastMeasured(ScalingChangeStatus status) {
    if (status == null || status.getMetrics() == null) {
      return Optional.empty();
    }
    return status.getMetrics().stream().map(MetricStatus::getMeasuredAt).filter(Objects::nonNull)
        .map(Timestamps::parse).max(Instant::compareTo);
  }
}
