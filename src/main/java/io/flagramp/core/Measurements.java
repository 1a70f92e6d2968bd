package io.flagramp.core;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The answers to a {@link MeasurementRequest}.
 *
 * @param alongside the answers to the request's {@code alongside}, when it had one
 * @param refused why nothing was asked: the operator may not send these queries (an auth Secret
 *     without its opt-in label, a service-account token); the change is held until that changes
 * @param at when they were taken (the evaluation time, unless the request named another)
 */
public record Measurements(MeasurementRequest.Kind kind, Map<String, Measurement> byMetric,
    Optional<Measurement> samples, Optional<Measurements> alongside, Optional<String> refused, Instant at) {

  public Measurements(MeasurementRequest.Kind kind, Map<String, Measurement> byMetric, Optional<Measurement> samples,
      Optional<Measurements> alongside, Instant at) {
    this(kind, byMetric, samples, alongside, Optional.empty(), at);
  }

  public static Measurements refused(MeasurementRequest.Kind kind, String why, Instant at) {
    return new Measurements(kind, Map.of(), Optional.empty(), Optional.empty(), Optional.of(why), at);
  }
}
