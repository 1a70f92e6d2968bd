package io.flagramp.core;

/** What one query of one metric gave. */
public sealed interface Measurement {

  /** A usable number. */
  record Value(double value) implements Measurement {}

  /** No usable data: an empty result, NaN or ±Inf. Never a pass. */
  record NoData(String why) implements Measurement {}

  /**
   * The query failed: Prometheus unreachable or erring, or ({@code queryInvalid}) it answered that the
   * query is wrong: rejected PromQL, or several series where one value is needed. Counts toward the
   * breaker either way; what on-call has to fix differs.
   */
  record Failed(String why, boolean queryInvalid) implements Measurement {

    public Failed(String why) {
      this(why, false);
    }
  }
}
