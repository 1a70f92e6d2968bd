package io.flagramp.it;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The app behind the flag, as Prometheus sees it: {@code http_requests_total{app,code}} and the
 * {@code http_request_duration_seconds} histogram, exported through the Prometheus Java client and
 * scraped by the real Prometheus. Its traffic is synthetic (a stand-in for pods, which cannot run
 * here): 200 requests a second, with an error rate and a latency the test can raise.
 */
final class TestApp implements AutoCloseable {

  private static final Map<PrometheusRegistry, Metrics> METRICS = new ConcurrentHashMap<>();

  private record Metrics(Counter requests, Histogram duration) {}

  private final String app;
  private final Metrics metrics;
  private final ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-app-traffic");
    t.setDaemon(true);
    return t;
  });
  private volatile double errorRate;
  private volatile double latencySeconds = 0.04;
  private volatile int requestsPerTick = 10;

  /** Starts traffic for {@code app} on the registry Prometheus scrapes. */
  TestApp(PrometheusRegistry registry, String app) {
    this.app = app;
    this.metrics = METRICS.computeIfAbsent(registry, r -> new Metrics(
        Counter.builder().name("http_requests_total").help("requests served").labelNames("app", "code").register(r),
        Histogram.builder().name("http_request_duration_seconds").help("request latency").labelNames("app")
            .classicOnly().classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5).register(r)));
    // Both series exist from the start, so an error ratio is 0, not an empty result.
    metrics.requests().labelValues(app, "200").inc(0);
    metrics.requests().labelValues(app, "500").inc(0);
    traffic.scheduleAtFixedRate(this::serve, 0, 50, TimeUnit.MILLISECONDS);
  }

  /** 10 requests per tick (unless told otherwise), 20 ticks a second. */
  private void serve() {
    int requests = requestsPerTick;
    int errors = (int) Math.round(requests * errorRate);
    metrics.requests().labelValues(app, "500").inc(errors);
    metrics.requests().labelValues(app, "200").inc(requests - errors);
    for (int i = 0; i < requests; i++) {
      metrics.duration().labelValues(app).observe(latencySeconds);
    }
  }

  void errorRate(double fraction) {
    this.errorRate = fraction;
  }

  /** Requests per 50 ms tick; 0 is an app nobody uses. */
  void traffic(int perTick) {
    this.requestsPerTick = perTick;
  }

  /** 5xx responses per second over the last 5 seconds: 0, not empty, when there is no traffic. */
  String errorsPerSecondQuery() {
    return "sum(rate(http_requests_total{app=\"" + app + "\",code=~\"5..\"}[5s]))";
  }

  void latency(double seconds) {
    this.latencySeconds = seconds;
  }

  /** The share of 5xx over the last 5 seconds. */
  String errorRateQuery() {
    return errorRateQuery("5s");
  }

  /** The share of 5xx over {@code window}: a longer one rides out a late scrape on a busy machine. */
  String errorRateQuery(String window) {
    return "sum(rate(http_requests_total{app=\"" + app + "\",code=~\"5..\"}[" + window + "]))"
        + " / sum(rate(http_requests_total{app=\"" + app + "\"}[" + window + "]))";
  }

  String p99Query() {
    return p99Query("5s");
  }

  String p99Query(String window) {
    return "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app=\"" + app
        + "\"}[" + window + "])))";
  }

  String samplesQuery() {
    return "sum(increase(http_requests_total{app=\"" + app + "\"}[5s]))";
  }

  @Override
  public void close() {
    traffic.shutdownNow();
  }
}
