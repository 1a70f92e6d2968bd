package io.flagramp.testbed;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Deterministic history written into Prometheus with promtool before it starts. The samples sit at
 * fixed offsets from an anchor six hours in the past (far outside the head block Prometheus is
 * writing, well inside retention), so a query evaluated at {@code anchor + offset} has one exact
 * answer.
 *
 * <ul>
 *   <li>{@code testbed_history_value}: a gauge that reads {@code i} at {@code anchor + 15s * i},
 *       i = 0..240;
 *   <li>{@code testbed_history_requests_total{code="200"}}: a counter that grows by 30 every 15s,
 *       so its rate is exactly 2 per second;
 *   <li>{@code testbed_history_replica_value{replica="0|1|2"}}: three series of one gauge, each
 *       reading its replica number, for a query that matches more than one series;
 *   <li>{@code testbed_history_idle_requests_total{code="200"}}: a counter that never grows, so a
 *       ratio of its rates is 0/0 (NaN), as an error rate is when no requests arrive.
 * </ul>
 */
public final class BackfilledHistory {

  public static final Duration STEP = Duration.ofSeconds(15);
  public static final int SAMPLES = 241;
  public static final int REPLICAS = 3;

  private final Instant anchor;

  public BackfilledHistory(Instant now) {
    this.anchor = now.minus(Duration.ofHours(6)).truncatedTo(ChronoUnit.MINUTES);
  }

  public Instant anchor() {
    return anchor;
  }

  /** The instant of sample {@code i}. */
  public Instant at(int i) {
    return anchor.plus(STEP.multipliedBy(i));
  }

  public String openMetrics() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP testbed_history_value A gauge that reads i at anchor + 15s * i.\n");
    out.append("# TYPE testbed_history_value gauge\n");
    for (int i = 0; i < SAMPLES; i++) {
      out.append("testbed_history_value ").append(i).append(' ').append(at(i).getEpochSecond()).append('\n');
    }
    out.append("# HELP testbed_history_requests Requests, growing by 30 every 15s.\n");
    out.append("# TYPE testbed_history_requests counter\n");
    for (int i = 0; i < SAMPLES; i++) {
      out.append("testbed_history_requests_total{code=\"200\"} ").append(30L * i).append(' ')
          .append(at(i).getEpochSecond()).append('\n');
    }
    out.append("# HELP testbed_history_replica_value Three series, each reading its replica number.\n");
    out.append("# TYPE testbed_history_replica_value gauge\n");
    for (int replica = 0; replica < REPLICAS; replica++) {
      for (int i = 0; i < SAMPLES; i++) {
        out.append("testbed_history_replica_value{replica=\"").append(replica).append("\"} ").append(replica)
            .append(' ').append(at(i).getEpochSecond()).append('\n');
      }
    }
    out.append("# HELP testbed_history_idle_requests Requests that never come.\n");
    out.append("# TYPE testbed_history_idle_requests counter\n");
    for (int i = 0; i < SAMPLES; i++) {
      out.append("testbed_history_idle_requests_total{code=\"200\"} 0 ").append(at(i).getEpochSecond()).append('\n');
    }
    out.append("# EOF\n");
    return out.toString();
  }
}
