package io.flagramp.metrics;

/**
 * The one narrow door to the metrics backend. Everything above it knows queries, values and typed
 * failures, nothing of HTTP.
 */
public interface MetricsSource {

  /**
   * Evaluates {@code query.promql()} at {@code query.at()} and returns its single value.
   *
   * @throws QueryFailure typed: unreachable, an HTTP error, bad PromQL, not one value, NaN/±Inf, empty
   */
  double query(Query query) throws QueryFailure;
}
