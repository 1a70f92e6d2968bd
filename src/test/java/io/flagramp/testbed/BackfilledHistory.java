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
 *       so its rate is exactly 2 per second.
 * </ul>
 */
public final class BackfilledHistory {

  public static final Duration STEP = Duration.ofSeconds(15);
  public static final int SAMPLES = 241;

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
    out.append("# EOF\n");
    return out.toString();
  }
}
