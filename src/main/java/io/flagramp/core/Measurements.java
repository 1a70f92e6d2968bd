package io.flagramp.core;

import java.util.Map;
import java.util.Optional;

/** The answers to a {@link MeasurementRequest}, taken at the observation's time. */
public record Measurements(MeasurementRequest.Kind kind, Map<String, Measurement> byMetric,
    Optional<Measurement> samples) {}
