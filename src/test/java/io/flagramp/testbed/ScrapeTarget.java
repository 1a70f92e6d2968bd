package io.flagramp.testbed;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An HTTP endpoint in the test JVM, served by the Prometheus Java client, that the real Prometheus
 * scrapes. Tests register their metrics in {@link #registry()} and change them while a test runs.
 */
public final class ScrapeTarget implements AutoCloseable {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final HTTPServer server;

  public ScrapeTarget() {
    try {
      server = HTTPServer.builder().hostname("127.0.0.1").port(0).registry(registry).buildAndStart();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** host:port, as a Prometheus static target. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
