package io.flagramp.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real Prometheus process on a loopback port, with its own temporary config and data directory.
 *
 * <p>Data arrives both ways a test needs: by scraping HTTP targets (every second) and as history
 * written with {@code promtool tsdb create-blocks-from openmetrics} into the data directory before
 * the first start. {@link #stop()} and {@link #start()} keep the port and the data, so a test can
 * take Prometheus away mid-rollout and bring it back.
 *
 * <p>By default it serves plain http at the root; {@link Web} adds a path prefix, TLS and basic auth
 * for tests of clients that need them.
 */
public final class PrometheusServer implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path prometheus;
  private final Path workDir;
  private final Path dataDir;
  private final Path configFile;
  private final Path logFile;
  private final Path webConfigFile;
  private final int port;
  private final Web web;
  private final HttpClient http;
  private Process process;

  /**
   * How Prometheus serves its web API.
   *
   * @param routePrefix a path prefix for every endpoint, such as {@code /prom}; empty for none
   * @param webConfig the contents of {@code --web.config.file} ({@code tls_server_config},
   *     {@code basic_auth_users}), if any
   * @param trust present exactly when the web config makes Prometheus serve https: what this class'
   *     own requests (readiness, {@link #get}, {@link #instantQuery}) trust
   * @param authorization the {@code Authorization} header this class' own requests send, if any
   */
  public record Web(String routePrefix, Optional<String> webConfig, Optional<SSLContext> trust,
      Optional<String> authorization) {

    public static final Web PLAIN = new Web("", Optional.empty(), Optional.empty(), Optional.empty());

    public Web withRoutePrefix(String prefix) {
      return new Web(prefix, webConfig, trust, authorization);
    }

    /** A web config file; {@code trust} must be given when it holds a {@code tls_server_config}. */
    public Web withWebConfig(String yaml, Optional<SSLContext> trust, Optional<String> authorization) {
      return new Web(routePrefix, Optional.of(yaml), trust, authorization);
    }

    String scheme() {
      return trust.isPresent() ? "https" : "http";
    }
  }

  private PrometheusServer(Path prometheus, Path workDir, int port, Web web) {
    this.prometheus = prometheus;
    this.workDir = workDir;
    this.dataDir = workDir.resolve("data");
    this.configFile = workDir.resolve("prometheus.yml");
    this.webConfigFile = workDir.resolve("web.yml");
    this.logFile = workDir.resolve("prometheus.log");
    this.port = port;
    this.web = web;
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    web.trust().ifPresent(http::sslContext);
    this.http = http.build();
  }

  /**
   * Prepares a Prometheus that scrapes {@code targets} ("host:port") every second and holds
   * {@code openMetricsHistory} (may be empty) as backfilled blocks. Call {@link #start()} next.
   */
  public static PrometheusServer prepare(List<String> targets, String openMetricsHistory) {
    return prepare(targets, openMetricsHistory, Web.PLAIN);
  }

  /** As {@link #prepare(List, String)}, serving its API as {@code web} says. */
  public static PrometheusServer prepare(List<String> targets, String openMetricsHistory, Web web) {
    return prepare(scrapeConfig(targets), openMetricsHistory, web);
  }

  /**
   * A Prometheus with {@code config} as its whole configuration file, for a test that scrapes the way
   * something else would configure it (the Prometheus Operator's rendering of a ServiceMonitor, say).
   */
  public static PrometheusServer prepareWithConfig(String config) {
    return prepare(config, "", Web.PLAIN);
  }

  private static PrometheusServer prepare(String config, String openMetricsHistory, Web web) {
    Path prometheus = TestBed.onPath("prometheus").orElse(null);
    Path promtool = TestBed.onPath("promtool").orElse(null);
    if (prometheus == null || promtool == null) {
      TestBed.missing("prometheus/promtool (Debian package prometheus)");
    }
    try {
      Path workDir = Files.createTempDirectory("flagramp-prometheus");
      PrometheusServer server = new PrometheusServer(prometheus, workDir, TestBed.freeLoopbackPort(), web);
      Files.createDirectories(server.dataDir);
      Files.writeString(server.configFile, config);
      if (web.webConfig().isPresent()) {
        Files.writeString(server.webConfigFile, web.webConfig().get());
      }
      if (!openMetricsHistory.isBlank()) {
        server.backfill(promtool, openMetricsHistory);
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String scrapeConfig(List<String> targets) {
    String list = targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
    return """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: testapp
            static_configs:
              - targets: [%s]
        """.formatted(list);
  }

  private void backfill(Path promtool, String openMetrics) throws IOException {
    Path input = workDir.resolve("history.om");
    Files.writeString(input, openMetrics);
    run(List.of(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics",
        input.toString(), dataDir.toString()), "promtool backfill");
  }

  public synchronized PrometheusServer start() {
    if (process != null && process.isAlive()) {
      return this;
    }
    List<String> command = new ArrayList<>(List.of(prometheus.toString(),
        "--config.file=" + configFile,
        "--storage.tsdb.path=" + dataDir,
        "--storage.tsdb.retention.time=30d",
        "--web.listen-address=127.0.0.1:" + port,
        "--web.enable-lifecycle"));
    if (!web.routePrefix().isEmpty()) {
      command.add("--web.route-prefix=" + web.routePrefix());
    }
    if (web.webConfig().isPresent()) {
      command.add("--web.config.file=" + webConfigFile);
    }
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process started = process;
    try {
      Awaitility.await("Prometheus ready on port " + port)
          .atMost(STARTUP_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !started.isAlive() || ready());
    } catch (ConditionTimeoutException e) {
      // reported below with Prometheus' own log
    }
    if (!started.isAlive() || !ready()) {
      started.destroyForcibly();
      throw new IllegalStateException("Prometheus did not become ready on port " + port
          + "; its log:\n" + readLog());
    }
    return this;
  }

  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Where its API is: {@code http://127.0.0.1:<port>}, with https and the route prefix if {@link Web} set them. */
  public String baseUrl() {
    return web.scheme() + "://127.0.0.1:" + port + web.routePrefix();
  }

  public int port() {
    return port;
  }

  /** GETs a path of Prometheus' HTTP API and returns the body; fails on a non-2xx status. */
  public String get(String pathAndQuery) {
    try {
      HttpResponse<String> response = http.send(
          request(pathAndQuery).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("GET " + pathAndQuery + " -> " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Evaluates {@code promql} at {@code time} through {@code /api/v1/query} and returns each series'
   * value; an empty list for an empty vector.
   */
  public List<Double> instantQuery(String promql, Instant time) {
    String body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
        + "&time=" + time.getEpochSecond() + "." + String.format("%03d", time.getNano() / 1_000_000));
    try {
      JsonNode data = JSON.readTree(body).path("data");
      JsonNode result = data.path("result");
      if ("scalar".equals(data.path("resultType").asText())) {
        return List.of(Double.parseDouble(result.get(1).asText()));
      }
      List<Double> values = new ArrayList<>();
      result.forEach(series -> values.add(Double.parseDouble(series.path("value").get(1).asText())));
      return values;
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable answer to " + promql + ": " + body, e);
    }
  }

  private boolean ready() {
    try {
      return http.send(request("/-/ready").timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery));
    web.authorization().ifPresent(value -> request.header("Authorization", value));
    return request;
  }

  public String readLog() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile) : "(no log)";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory; the OS cleans it up
    }
  }

  private void run(List<String> command, String what) throws IOException {
    Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(what + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
