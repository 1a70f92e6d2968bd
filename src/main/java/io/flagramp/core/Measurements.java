package io.flagramp.core;

import java.util.Map;
import java.util.Optional;

/**
 * The answers to a {@link MeasurementRequest}, taken at the observation's time (or the request's own).
 *
 * @param alongside the answers to the request's {@code alongside}, when it had one
 */
public record Measurements(MeasurementRequest.Kind kind, Map<String, Measurement> byMetric,
    Optional<Measurement> samples, Optional<Measurements> alongside) {

  public Measurements(MeasurementRequest.Kind kind, Map<String, Measurement> byMetric, Optional<Measurement> samples) {
    this(kind, byMetric, samples, Optional.empty());
  }
}
