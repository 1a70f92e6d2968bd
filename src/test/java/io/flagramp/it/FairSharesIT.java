package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.NotifyFormat;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.WebhookReceiver;
import io.flagramp.api.v1alpha1.WebhookSecretReference;
import io.flagramp.core.OptIn;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.notify.Notifier;
import io.flagramp.operator.FairShares;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import io.flagramp.testbed.WebhookStub;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tenant at its limit leaves another's measurements and messages unaffected, against the real
 * API server and the real Prometheus. Tenant A runs the load: 27 changes with 10 queries each
 * that hang (a proxy in front of the Prometheus holds every query with "slow_" in it until the
 * operator gives up), on the same Prometheus address as tenant B; and 7 changes with 10 webhook
 * receivers each that never answer. Tenant B's measurement (from the evaluation time to its query
 * reaching Prometheus, and to the value in status) and B's notification (from the transition to the
 * receiver) are measured without A's load and with it; with it they may be later by less than one
 * analysis interval.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class FairSharesIT {

  private static final Logger log = LoggerFactory.getLogger(FairSharesIT.class);
  /** Tenant B's analysis interval, and the bound on how much later A's load may make it. */
  private static final Duration INTERVAL = Duration.ofSeconds(2);
  /** Changes of tenant B measured, one after the other, with and without A's load. */
  private static final int CHANGES = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OperatorHarness harness;
  private static TestPrometheus prometheus;
  private static SlowProxy proxy;
  private static WebhookStub stub;

  @BeforeAll
  static void start(KubeTestCluster cluster, TestPrometheus shared) throws IOException {
    prometheus = shared;
    proxy = new SlowProxy(prometheus.baseUrl());
    stub = new WebhookStub();
    // Nothing is allowed by default: the proxy, the Prometheus and the stub are on 127.0.0.1, named here.
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", "127.0.0.1", "FLAGRAMP_WEBHOOK_ALLOWLIST", "127.0.0.1"));
    harness = OperatorHarness.start(cluster, settings, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    if (stub != null) {
      stub.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void aTenantSaturatingItsShareDelaysAnothersMeasurementByLessThanOneInterval() {
    Figures calm = measureB("calm");

    String a = harness.cluster.createNamespace("fair-a");
    harness.createConfigMap(a, "app-features", Map.of());
    for (int c = 0; c < 27; c++) {
      harness.changes().resource(slowChange(a, "slow-" + c, proxy.url())).create();
    }
    // A's share is busy with queries that hang, and more of A's than fit wait behind them.
    await().atMost(Duration.ofSeconds(60)).until(() -> proxy.slowArrivals() >= FairShares.Limits.CALLS_PER_NAMESPACE);
    await().atMost(Duration.ofSeconds(60)).until(() -> refusedToA(a) > 0);
    Figures loaded = measureB("loaded");

    log.info("fair shares, measurement: tenant B's query reaches Prometheus {} ms after its evaluation time (median;"
        + " max {}) alone, {} ms (max {}) while tenant A keeps its share busy with 27 changes x 10 hanging queries on"
        + " the same Prometheus; answered {} ms (max {}) alone, {} ms (max {}) loaded (ratio of medians {}); first"
        + " value in status {} ms after the step began (median; max {}; due after one interval, {} ms) alone, {} ms"
        + " (max {}) loaded (ratio {}); A's hanging queries sent within any 4.5s: at most {}; A's metrics refused to"
        + " A alone: {}; samples {} / {}", calm.sent().median(), calm.sent().max(), loaded.sent().median(),
        loaded.sent().max(), calm.answered().median(), calm.answered().max(), loaded.answered().median(),
        loaded.answered().max(), ratio(loaded.answered().median(), calm.answered().median()),
        calm.firstValue().median(), calm.firstValue().max(), INTERVAL.toMillis(), loaded.firstValue().median(),
        loaded.firstValue().max(), ratio(loaded.firstValue().median(), calm.firstValue().median()),
        proxy.slowWithin(Duration.ofMillis(4500)), refusedToA(a), calm, loaded);
    assertThat(loaded.answered().count()).as("B measured every round while A saturates")
        .isGreaterThanOrEqualTo(CHANGES * 3);
    assertThat(loaded.answered().median() - calm.answered().median()).isLessThan(INTERVAL.toMillis());
    assertThat(loaded.answered().max()).isLessThan(calm.answered().max() + INTERVAL.toMillis());
    assertThat(loaded.firstValue().max()).isLessThan(calm.firstValue().max() + INTERVAL.toMillis());
    // Each of A's queries holds its place for its 5s timeout: within less, A's share sends no more than its size.
    assertThat(proxy.slowWithin(Duration.ofMillis(4500))).as("A never held more than its share of the Prometheus")
        .isLessThanOrEqualTo(FairShares.Limits.CALLS_PER_NAMESPACE);
    harness.changes().inNamespace(a).delete();
  }

  @Test
  void aTenantWhoseReceiversAllHangDelaysAnothersNotificationByLessThanOneInterval() {
    Samples calm = notifyB("calm");

    String a = harness.cluster.createNamespace("fair-hooks-a");
    harness.createConfigMap(a, "app-features", Map.of());
    for (int c = 0; c < 7; c++) {
      List<WebhookReceiver> receivers = new ArrayList<>();
      for (int r = 0; r < 10; r++) {
        String name = "hook-" + c + "-" + r;
        secret(a, name, stub.hanging("/hang/" + a + "/" + name));
        receivers.add(new WebhookReceiver("r" + r, new WebhookSecretReference(name, null)));
      }
      ScalingChange sc = change(a, "noisy-" + c, step(1, "1h"), step(100, null));
      sc.getSpec().getFlag().setPercentageKey("P_" + c);
      sc.getSpec().getFlag().setEnabledKey(null);
      sc.getSpec().setNotify(receivers);
      harness.changes().resource(sc).create();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> lanesAtOnce(a) >= Notifier.LANES_PER_NAMESPACE);
    Samples loaded = notifyB("loaded");

    log.info("fair shares, notifications: tenant B's message at its receiver {} ms after the transition (median;"
        + " max {}) alone, {} ms (max {}) while tenant A's 7 changes x 10 receivers hang (ratio {}); A's receivers"
        + " sent to at once: {}", calm.median(), calm.max(), loaded.median(), loaded.max(),
        ratio(loaded.median(), calm.median()), lanesAtOnce(a));
    assertThat(loaded.count()).as("every transition of B told").isEqualTo(calm.count());
    assertThat(loaded.max()).isLessThan(calm.max() + INTERVAL.toMillis());
    assertThat(lanesAtOnce(a)).as("A's messages in flight: its share, one per receiver").isEqualTo(
        Notifier.LANES_PER_NAMESPACE);
  }

  // ---- tenant B ----

  private record Samples(List<Long> millis) {
    long median() {
      List<Long> sorted = millis.stream().sorted().toList();
      return sorted.isEmpty() ? Long.MAX_VALUE : sorted.get(sorted.size() / 2);
    }

    long max() {
      return millis.stream().max(Comparator.naturalOrder()).orElse(Long.MAX_VALUE);
    }

    int count() {
      return millis.size();
    }

    @Override
    public String toString() {
      return millis.toString();
    }
  }

  /**
   * Tenant B's measurements: from each query's evaluation time to its arrival at Prometheus, and to
   * its answer leaving it; and, per change, from its step's start to the first value in status (one
   * interval, the first measurement's due time, plus the measurement and a status write).
   */
  private record Figures(Samples sent, Samples answered, Samples firstValue) {}

  /** {@link #CHANGES} changes of B's, one after the other, each measured every interval for a few rounds. */
  private static Figures measureB(String label) {
    String ns = harness.cluster.createNamespace("fair-b-" + label);
    harness.createConfigMap(ns, "app-features", Map.of());
    try (TestApp app = new TestApp(prometheus.registry(), ns)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> !prometheus.server().instantQuery(app.errorRateQuery(),
          Instant.now()).isEmpty());
      List<Long> firstValue = new ArrayList<>();
      for (int c = 0; c < CHANGES; c++) {
        String name = "measured-" + c;
        ScalingChange sc = change(ns, name, step(10, "1h"), step(100, null));
        sc.getSpec().getFlag().setPercentageKey("P_" + c);
        sc.getSpec().getFlag().setEnabledKey(null);
        Analysis analysis = AnalysisIT.analysis(proxy.url(), app);
        analysis.setBaseline(null);
        analysis.getMetrics().remove(1);
        analysis.setInterval(INTERVAL.toSeconds() + "s");
        sc.getSpec().setAnalysis(analysis);
        harness.changes().resource(sc).create();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
          ScalingChange now = harness.get(ns, name);
          List<MetricStatus> metrics = now == null || now.getStatus() == null ? null : now.getStatus().getMetrics();
          if (metrics == null || metrics.isEmpty() || metrics.get(0).getValue() == null) {
            return false;
          }
          firstValue.add(Duration.between(Instant.parse(now.getStatus().getStepStartedAt()), Instant.now()).toMillis());
          return true;
        });
        // A few more rounds at the proxy, then make room for the next.
        int asked = proxy.delays(app.errorRateQuery()).size();
        await().atMost(Duration.ofSeconds(60)).until(() -> proxy.delays(app.errorRateQuery()).size() >= asked + 2);
        harness.changes().inNamespace(ns).withName(name).delete();
      }
      return new Figures(new Samples(proxy.delays(app.errorRateQuery())),
          new Samples(proxy.answered(app.errorRateQuery())), new Samples(firstValue));
    }
  }

  /** A rollout of B's of four 1s steps told to one receiver: per transition, from its time to the receiver. */
  private static Samples notifyB(String label) {
    String ns = harness.cluster.createNamespace("fair-hooks-b-" + label);
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    String path = "/b/" + ns;
    secret(ns, "chat-hook", stub.ok(path));
    ScalingChange sc = change(ns, "use-redis", step(1, "1s"), step(10, "1s"), step(50, "1s"), step(100, "1s"));
    WebhookReceiver chat = new WebhookReceiver("chat", new WebhookSecretReference("chat-hook", null));
    chat.setFormat(NotifyFormat.Generic);
    sc.getSpec().setNotify(List.of(chat));
    harness.changes().resource(sc).create();
    // Four steps entered and succeeded: five transitions.
    await().atMost(Duration.ofSeconds(120)).until(() -> stub.to(path).size() == 5);
    List<Long> delays = new ArrayList<>();
    for (WebhookStub.Received r : stub.to(path)) {
      try {
        Instant transition = Instant.parse(JSON.readTree(r.body()).get("time").asText());
        delays.add(Duration.between(transition, r.at()).toMillis());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Samples(delays);
  }

  // ---- tenant A ----

  /** Ten queries every interval that the proxy holds until the operator gives up on them (timeout 5s). */
  private static ScalingChange slowChange(String ns, String name, String address) {
    ScalingChange sc = change(ns, name, step(10, "1h"), step(100, null));
    sc.getSpec().getFlag().setPercentageKey("P_" + name.replace('-', '_').toUpperCase());
    sc.getSpec().getFlag().setEnabledKey(null);
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("5s");
    analysis.setPrometheus(source);
    analysis.setInterval("5s");
    List<MetricCheck> metrics = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      MetricCheck m = new MetricCheck("m" + i, "vector(1) + 0 * absent(slow_" + name.replace('-', '_') + "_" + i + ")");
      m.setMax(10.0);
      metrics.add(m);
    }
    analysis.setMetrics(metrics);
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }

  /** Metrics of A's changes that were refused a place in A's queue: A's overflow, refused to A alone. */
  private static long refusedToA(String ns) {
    return harness.changes().inNamespace(ns).list().getItems().stream()
        .filter(sc -> sc.getStatus() != null && sc.getStatus().getMetrics() != null)
        .flatMap(sc -> sc.getStatus().getMetrics().stream())
        .filter(m -> m.getMessage() != null && m.getMessage().contains("queries of this namespace are already waiting"))
        .count();
  }

  /**
   * A's receivers sent to within 4s of A's first request: as each attempt waits out its 5s timeout at a
   * receiver that hangs, those are the lanes A had at once.
   */
  private static long lanesAtOnce(String ns) {
    List<WebhookStub.Received> mine = stub.all().stream().filter(r -> r.path().startsWith("/hang/" + ns + "/"))
        .toList();
    if (mine.isEmpty()) {
      return 0;
    }
    Instant first = mine.get(0).at();
    return mine.stream().filter(r -> r.at().isBefore(first.plusSeconds(4))).map(WebhookStub.Received::path)
        .distinct().count();
  }

  private static void secret(String ns, String name, String url) {
    harness.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name)
        .withNamespace(ns).addToLabels(OptIn.NOTIFICATIONS, OptIn.VALUE).endMetadata().addToStringData("url", url)
        .build()).create();
  }

  private static String ratio(long a, long b) {
    return String.format("%.2f", (double) a / Math.max(1, b));
  }

  /**
   * A Prometheus that is slow on purpose for some queries: it forwards each GET to the real one, but
   * holds every query with "slow_" in it for 6s, longer than the operator waits, then answers 503. It
   * notes, per query text, how long after its evaluation time ({@code time}) each arrived, and when each
   * slow one arrived.
   */
  static final class SlowProxy implements AutoCloseable {
    private final String target;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "slow-proxy");
      t.setDaemon(true);
      return t;
    });
    private final HttpClient client = HttpClient.newHttpClient();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Instant> slow = new CopyOnWriteArrayList<>();
    private final List<String[]> arrivals = new CopyOnWriteArrayList<>();
    private final List<String[]> answers = new CopyOnWriteArrayList<>();

    SlowProxy(String target) throws IOException {
      this.target = target;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
      server.createContext("/", this::handle);
      server.setExecutor(threads);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int slowArrivals() {
      return slow.size();
    }

    /** The most slow queries that arrived within any {@code window}. */
    int slowWithin(Duration window) {
      List<Instant> at = slow.stream().sorted().toList();
      int most = 0;
      for (int i = 0, j = 0; i < at.size(); i++) {
        while (!at.get(j).plus(window).isAfter(at.get(i))) {
          j++;
        }
        most = Math.max(most, i - j + 1);
      }
      return most;
    }

    /** For each arrival of {@code query}: milliseconds after its evaluation time. */
    List<Long> delays(String query) {
      return arrivals.stream().filter(a -> a[0].equals(query)).map(a -> Long.parseLong(a[1])).toList();
    }

    /** For each answer to {@code query}: milliseconds after its evaluation time that it was sent back. */
    List<Long> answered(String query) {
      return answers.stream().filter(a -> a[0].equals(query)).map(a -> Long.parseLong(a[1])).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
      Instant arrived = Instant.now();
      String raw = exchange.getRequestURI().getRawQuery();
      Map<String, String> params = new LinkedHashMap<>();
      for (String pair : raw == null ? new String[0] : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      String query = params.getOrDefault("query", "");
      long evaluated = params.containsKey("time") ? new BigDecimal(params.get("time")).movePointRight(3).longValue()
          : arrived.toEpochMilli();
      arrivals.add(new String[] {query, Long.toString(arrived.toEpochMilli() - evaluated)});
      if (query.contains("slow_")) {
        slow.add(arrived);
        try {
          closed.await(6, TimeUnit.SECONDS);
          exchange.sendResponseHeaders(503, -1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException gone) {
          // The operator gave up first, as it should.
        } finally {
          exchange.close();
        }
        return;
      }
      try {
        HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(URI.create(target
            + exchange.getRequestURI().getRawPath() + (raw == null ? "" : "?" + raw))).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
        answer.headers().firstValue("Content-Type")
            .ifPresent(t -> exchange.getResponseHeaders().add("Content-Type", t));
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
        answers.add(new String[] {query, Long.toString(Instant.now().toEpochMilli() - evaluated)});
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    }

    @Override
    public void close() {
      closed.countDown();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
