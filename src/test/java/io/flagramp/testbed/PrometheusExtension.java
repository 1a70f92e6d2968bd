package io.flagramp.testbed;

import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one real Prometheus per test JVM on a free loopback port, with a temporary config and data
 * directory, a live scrape of an endpoint in this JVM and deterministic backfilled history; injects
 * it as {@link TestPrometheus}. Tests that must stop Prometheus use their own
 * {@link PrometheusServer} instead of this shared one.
 */
public final class PrometheusExtension implements BeforeAllCallback, ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(PrometheusExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(PrometheusExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    prometheus(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestPrometheus.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return prometheus(context);
  }

  private static TestPrometheus prometheus(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(TestPrometheus.class, key -> start(), TestPrometheus.class);
  }

  private static TestPrometheus start() {
    long started = System.nanoTime();
    BackfilledHistory history = new BackfilledHistory(Clock.systemUTC().instant());
    ScrapeTarget target = new ScrapeTarget();
    PrometheusServer server;
    try {
      server = PrometheusServer.prepare(List.of(target.address()), history.openMetrics()).start();
    } catch (RuntimeException | Error e) {
      target.close();
      throw e;
    }
    log.info("real Prometheus ready at {} in {} ms, scraping {}", server.baseUrl(),
        (System.nanoTime() - started) / 1_000_000, target.address());
    TestPrometheus prometheus = new TestPrometheus(server, target, history);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "prometheus-stop"));
    return prometheus;
  }
}
