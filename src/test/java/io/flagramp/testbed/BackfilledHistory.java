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
 *       ratio of its rates is 0/0 (NaN), as an error rate is when no requests arrive;
 *   <li>{@code testbed_history_wide{namespace, pod}}: {@value #WIDE_SERIES} series, one sample each at
 *       the anchor, so that {@code last_over_time(testbed_history_wide[1d])} ({@link #everyOne}) answers
 *       with an instant vector just under the 8 MiB an answer may have, as a query over every series
 *       of a big Prometheus does;
 *   <li>{@code testbed_history_heavy{series, blob}}: {@value #HEAVY_SERIES} series with a label of
 *       {@value #HEAVY_LABEL_CHARS} characters, one sample each at the anchor, so that
 *       {@code last_over_time(testbed_history_heavy[1d])} answers with as many series as flagramp
 *       counts (PrometheusAnswer.MAX_SERIES), just under 8 MiB: an answer that is read to its end.
 * </ul>
 */
public final class BackfilledHistory {

  public static final Duration STEP = Duration.ofSeconds(15);
  public static final int SAMPLES = 241;
  public static final int REPLICAS = 3;
  public static final int WIDE_SERIES = 60_000;
  public static final int HEAVY_SERIES = 1_000;
  public static final int HEAVY_LABEL_CHARS = 8_000;
  public static final String WIDE = "testbed_history_wide";
  public static final String HEAVY = "testbed_history_heavy";

  private final Instant anchor;

  public BackfilledHistory(Instant now) {
    this.anchor = now.minus(Duration.ofHours(6)).truncatedTo(ChronoUnit.MINUTES);
  }

  public Instant anchor() {
    return anchor;
  }

  /**
   * Every series of {@code metric} ({@link #WIDE}, {@link #HEAVY}) with its one sample, evaluated at any
   * time up to {@code hours} (at least 7) after the anchor; other {@code hours} give other PromQL for
   * the same answer, which no cache of queries shares.
   */
  public static String everyOne(String metric, int hours) {
    return "last_over_time(" + metric + "[" + hours + "h])";
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
    out.append("# HELP " + WIDE + " Many series with a pod's labels, for answers near the size limit.\n");
    out.append("# TYPE " + WIDE + " gauge\n");
    for (int i = 0; i < WIDE_SERIES; i++) {
      out.append(String.format("testbed_history_wide{namespace=\"tenant-%02d\",pod=\"checkout-7f9c8d6b5-%05d\"} 1 %d\n",
          i % 50, i, anchor.getEpochSecond()));
    }
    out.append("# HELP " + HEAVY + " Series with a long label, for answers near both limits.\n");
    out.append("# TYPE " + HEAVY + " gauge\n");
    String blob = "x".repeat(HEAVY_LABEL_CHARS);
    for (int i = 0; i < HEAVY_SERIES; i++) {
      out.append(String.format("testbed_history_heavy{series=\"%03d\",blob=\"%s\"} 1 %d\n", i, blob,
          anchor.getEpochSecond()));
    }
    out.append("# EOF\n");
    return out.toString();
  }
}
