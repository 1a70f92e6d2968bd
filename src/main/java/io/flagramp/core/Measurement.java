package io.flagramp.core;

/** What one query of one metric gave. */
public sealed interface Measurement {

  /** A usable number. */
  record Value(double value) implements Measurement {}

  /** No usable data: an empty result, NaN or ±Inf. Never a pass. */
  record NoData(String why) implements Measurement {}

  /** The provider failed: unreachable, an HTTP error, bad PromQL, several series. Counts toward the breaker. */
  record Failed(String why) implements Measurement {}
}
