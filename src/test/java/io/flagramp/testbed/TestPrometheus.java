package io.flagramp.testbed;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The per-JVM real Prometheus: it scrapes {@link #scrapeTarget()} every second and holds
 * {@link #history()} as backfilled blocks.
 */
public record TestPrometheus(PrometheusServer server, ScrapeTarget scrapeTarget, BackfilledHistory history)
    implements AutoCloseable {

  public String baseUrl() {
    return server.baseUrl();
  }

  /** Where a test registers the metrics Prometheus scrapes from this JVM. */
  public PrometheusRegistry registry() {
    return scrapeTarget.registry();
  }

  @Override
  public void close() {
    server.close();
    scrapeTarget.close();
  }
}
