package io.flagramp.testbed;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/**
 * The app behind a flag, as the playbook and the OpenTelemetry conventions describe it: it serves real
 * HTTP on loopback ({@code GET /checkout?user=<id>}), reads the flag's percentage from the real
 * ConfigMap (an informer on it, as an app watching its mounted config would), and puts a user in the
 * flag-on cohort when a stable hash of the user id, mod 100, is below the percentage.
 *
 * <p>It counts every request in {@code app_requests_total{feature_flag_key, feature_flag_result_variant,
 * outcome="ok"|"error"}} and its latency in the {@code app_request_duration_seconds} histogram, labelled
 * the same way, on the registry the test bed's real Prometheus scrapes. The latency is simulated, not
 * slept: a lognormal draw around {@value #MEDIAN_SECONDS}s, times the slow-downs the test sets, so the
 * app costs little CPU at hundreds of requests a second.
 *
 * <p>What a test can break: the flag-on path fails a share of its requests ({@link #failOnPath}) or is
 * slower by a factor ({@link #slowerOnPath}); an incident multiplies both cohorts' error rates
 * ({@link #incident}) or slows both ({@link #slowerForEveryone}).
 */
public final class FlagApp implements AutoCloseable {

  public static final String REQUESTS = "app_requests_total";
  public static final String DURATION = "app_request_duration_seconds";
  public static final String KEY = "feature_flag_key";
  public static final String VARIANT = "feature_flag_result_variant";
  static final double MEDIAN_SECONDS = 0.05;
  /** The spread of the simulated latency: a lognormal's sigma, about ±25% around the median. */
  private static final double SPREAD = 0.25;

  private static final Map<PrometheusRegistry, Metrics> METRICS = new ConcurrentHashMap<>();

  private record Metrics(Counter requests, Histogram duration) {}

  private final String flagKey;
  private final String percentageKey;
  private final Metrics metrics;
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newFixedThreadPool(2, daemon("flag-app"));
  private final SharedIndexInformer<ConfigMap> flag;
  private volatile int percentage;
  private volatile double errorRate = 0.002;
  private volatile double onPathFailing;
  private volatile double incident = 1;
  private volatile double onPathSlower = 1;
  private volatile double everyoneSlower = 1;

  /**
   * Starts serving the flag {@code flagKey} whose percentage is {@code percentageKey} of ConfigMap
   * {@code configMap} in {@code namespace}; metrics go to {@code registry}.
   */
  public FlagApp(KubernetesClient client, String namespace, String configMap, String percentageKey, String flagKey,
      PrometheusRegistry registry) {
    this.flagKey = flagKey;
    this.percentageKey = percentageKey;
    this.metrics = METRICS.computeIfAbsent(registry, r -> new Metrics(
        Counter.builder().name(REQUESTS).help("requests served, by the flag's variant")
            .labelNames(KEY, VARIANT, "outcome").register(r),
        Histogram.builder().name(DURATION).help("request latency, by the flag's variant").labelNames(KEY, VARIANT)
            .classicOnly().classicExponentialUpperBounds(0.01, 1.1, 45).register(r)));
    // Every series exists from the start: an increase over the step counts from 0, not from the first error.
    for (String variant : new String[] {"on", "off"}) {
      metrics.requests().labelValues(flagKey, variant, "ok").inc(0);
      metrics.requests().labelValues(flagKey, variant, "error").inc(0);
    }
    this.flag = client.configMaps().inNamespace(namespace).withName(configMap).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        read(cm);
      }

      @Override
      public void onUpdate(ConfigMap old, ConfigMap cm) {
        read(cm);
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknownFinalState) {
        percentage = 0;
      }
    });
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      flag.close();
      throw new UncheckedIOException(e);
    }
    server.setExecutor(handlers);
    server.createContext("/checkout", this::serve);
    server.start();
  }

  /** The percentage as the app reads it: a whole number 0..100, 0 when absent or not a number. */
  private void read(ConfigMap cm) {
    String value = cm.getData() == null ? null : cm.getData().get(percentageKey);
    int read;
    try {
      read = value == null ? 0 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      read = 0;
    }
    percentage = Math.max(0, Math.min(100, read));
  }

  /** The playbook's rule: a stable hash of the user id, mod 100. */
  public static int bucket(String userId) {
    CRC32 crc = new CRC32();
    crc.update(userId.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % 100);
  }

  private void serve(HttpExchange exchange) throws IOException {
    String user = user(exchange.getRequestURI());
    boolean on = bucket(user) < percentage;
    String variant = on ? "on" : "off";
    ThreadLocalRandom random = ThreadLocalRandom.current();
    double failing = Math.min(1, (errorRate + (on ? onPathFailing : 0)) * incident);
    boolean error = random.nextDouble() < failing;
    double seconds = MEDIAN_SECONDS * Math.exp(SPREAD * random.nextGaussian()) * (on ? onPathSlower : 1)
        * everyoneSlower;
    metrics.requests().labelValues(flagKey, variant, error ? "error" : "ok").inc();
    metrics.duration().labelValues(flagKey, variant).observe(seconds);
    // The variant in a header, and no body: headers and a body go out as two writes, and Nagle's
    // algorithm against the client's delayed ACK then holds every answer for 40 ms.
    exchange.getResponseHeaders().add("X-Variant", variant);
    exchange.sendResponseHeaders(error ? 500 : 200, -1);
    exchange.close();
  }

  private static String user(URI uri) {
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    for (String pair : query.split("&")) {
      if (pair.startsWith("user=")) {
        return pair.substring("user=".length());
      }
    }
    return "";
  }

  /** Where to send requests: {@code http://127.0.0.1:<port>/checkout}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/checkout");
  }

  /** The flag's percentage as the app last read it. */
  public int percentage() {
    return percentage;
  }

  /** Both cohorts' own error rate, before the flag and any incident: 0.2% unless set. */
  public FlagApp errorRate(double share) {
    this.errorRate = share;
    return this;
  }

  /** The flag-on path fails this share of its requests, on top of the app's own error rate. */
  public FlagApp failOnPath(double share) {
    this.onPathFailing = share;
    return this;
  }

  /** The flag-on path takes this many times as long. */
  public FlagApp slowerOnPath(double factor) {
    this.onPathSlower = factor;
    return this;
  }

  /** An incident that multiplies both cohorts' error rates (1 ends it). */
  public FlagApp incident(double factor) {
    this.incident = factor;
    return this;
  }

  /** Every request takes this many times as long, flag-on or not. */
  public FlagApp slowerForEveryone(double factor) {
    this.everyoneSlower = factor;
    return this;
  }

  public String flagKey() {
    return flagKey;
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
    flag.close();
  }
}
