package io.flagramp.operator;

import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.Query;
import io.flagramp.metrics.QueryFailure;
import java.time.Duration;
import java.util.Locale;

/** Counts and times every query that goes to Prometheus, by result and, when it failed, by cause. */
public final class MeteredSource implements MetricsSource {

  private final MetricsSource backend;
  private final OperatorMetrics metrics;

  public MeteredSource(MetricsSource backend, OperatorMetrics metrics) {
    this.backend = backend;
    this.metrics = metrics;
  }

  @Override
  public double query(Query query) throws QueryFailure {
    long started = System.nanoTime();
    try {
      double value = backend.query(query);
      metrics.queried("value", null, Duration.ofNanos(System.nanoTime() - started));
      return value;
    } catch (QueryFailure f) {
      metrics.queried(f.isNoData() ? "no_data" : "error", f.isNoData() ? null : cause(f),
          Duration.ofNanos(System.nanoTime() - started));
      throw f;
    }
  }

  /** {@code HttpError} → {@code http_error}. */
  static String cause(QueryFailure f) {
    return f.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
