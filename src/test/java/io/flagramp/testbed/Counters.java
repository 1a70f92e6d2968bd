package io.flagramp.testbed;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;

/** Reads the operator's own counters, as /metrics would show them. */
public final class Counters {

  private Counters() {}

  /**
   * The sum of counter {@code name} (without {@code _total}) over the series whose {@code label} is
   * {@code value}; 0 when none was counted.
   */
  public static double value(PrometheusRegistry registry, String name, String label, String value) {
    return registry.scrape().stream().filter(m -> m.getMetadata().getPrometheusName().equals(name))
        .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
        .filter(d -> value.equals(d.getLabels().get(label)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }
}
