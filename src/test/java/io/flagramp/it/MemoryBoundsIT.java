package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.Durations;
import io.flagramp.core.OptIn;
import io.flagramp.operator.FairShares.Limits;
import io.flagramp.testbed.BackfilledHistory;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's heap under the worst load a tenant is allowed to put on it: the packaged jar in its
 * own JVM with the chart's heap ({@code -Xmx384m}, and the image's {@code -XX:+ExitOnOutOfMemoryError}),
 * against the real kube-apiserver and the real Prometheus, with
 *
 * <ul>
 *   <li>{@value #CONFIGMAPS} labelled ConfigMaps of 1 MiB each, all in the informer's view, some of
 *       them written by the changes;
 *   <li>as many answers in flight as the operator reads at once ({@link Limits#CALLS}): a change in
 *       each of 16 namespaces, each with as many queries in flight as its namespace's share
 *       ({@link Limits#CALLS_PER_NAMESPACE}), two changes on each of 8 Prometheus endpoints, each asked as
 *       much as one endpoint is at once ({@link Limits#CALLS_PER_ENDPOINT}); every answer the biggest an
 *       allowed query gets: 1,000 series just under 8 MiB, read to their end, and for some changes
 *       60,000 series just under 8 MiB.
 * </ul>
 *
 * <p>The answers are the real Prometheus' own ({@link BackfilledHistory} holds the series), each asked
 * of it once and played back by a {@link PrometheusRelay} per endpoint: 64 answers of 8 MiB at once
 * are more than the real Prometheus can give within a query's timeout on a test machine. The relays
 * hold every answer after its first MiB until all 64 are held, so that they are in flight at one
 * moment; then the test forces a full collection and reads, in the operator's GC log, what is live.
 * It lets the answers go on to their end and measures again once every query has been judged, and
 * once every change was deleted. Throughout, the GC log shows the most the heap held.
 *
 * <p>Passes when the operator never runs out of heap, and what is live at that moment, once every
 * query was judged, and once every change was deleted (its ConfigMap restored) is under half the
 * limit. Before answers were read as a stream and the ConfigMap cache kept only what a read takes,
 * the operator ran out of heap 6 s after it started, listing the ConfigMaps; without them, in the
 * first round of answers. {@code -Dflagramp.heap.changes}, {@code .endpoints}, {@code .configMaps} and
 * {@code .xmx} vary the load and the heap, to measure (the figures are logged, and written to {@code target/heap/}).
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class MemoryBoundsIT {

  private static final Logger log = LoggerFactory.getLogger(MemoryBoundsIT.class);

  static final int CONFIGMAPS = Integer.getInteger("flagramp.heap.configMaps", 500);
  /** A change per namespace: each namespace fills its share, and together they fill all of it. */
  static final int CHANGES = Integer.getInteger("flagramp.heap.changes", Limits.CALLS / Limits.CALLS_PER_NAMESPACE);
  static final int ENDPOINTS = Integer.getInteger("flagramp.heap.endpoints",
      Limits.CALLS / Limits.CALLS_PER_ENDPOINT);
  /** Answers in flight at once: as many as the shares let run. */
  static final int IN_FLIGHT = Math.min(Limits.CALLS, Math.min(CHANGES * Limits.CALLS_PER_NAMESPACE,
      ENDPOINTS * Limits.CALLS_PER_ENDPOINT));
  static final String HEAP = System.getProperty("flagramp.heap.xmx", "384m");
  /** A ConfigMap's data is at most 1 MiB (1,048,576 bytes); this, with the flag's keys, is just under. */
  static final int CONFIGMAP_CHARS = 1_048_000;
  /** Every 8th change also gets the 60,000-series answer: Prometheus takes half a second of CPU for each. */
  static final int WIDE_EVERY = 8;
  static final Duration INTERVAL = Duration.ofSeconds(30);
  /** How long an answer is held for the others, from its request: within the query's timeout, {@link #INTERVAL}. */
  static final Duration PATIENCE = Duration.ofSeconds(25);
  static final String PCT = "PCT";
  static final String ON = "ON";

  @Test
  void theHeapStaysUnderItsLimitWithTheWorstAnswersInFlightOnEveryEndpointAndAllConfigMapsAtOneMebibyte(
      KubeTestCluster cluster, TestPrometheus prometheus) throws IOException, InterruptedException {
    KubernetesClient client = cluster.client();
    OperatorHarness.installCrd(client);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    assertTheAnswersAreTheWorstAllowed(http, prometheus);

    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < CHANGES; i++) {
      namespaces.add(cluster.createNamespace("heap"));
    }
    createConfigMaps(client, namespaces);
    Path logs = Files.createDirectories(Path.of("target", "heap", "run-" + System.currentTimeMillis()));
    Path gcLog = logs.resolve("gc.log");
    ExecutorService handlers = Executors.newCachedThreadPool();
    PrometheusRelay.Recordings answers = new PrometheusRelay.Recordings(prometheus.baseUrl());
    PrometheusRelay.Moment moment = new PrometheusRelay.Moment(IN_FLIGHT, PATIENCE);
    List<PrometheusRelay> relays = new ArrayList<>();
    for (int i = 0; i < ENDPOINTS; i++) {
      relays.add(new PrometheusRelay(answers, moment, handlers));
    }
    // Created before the operator starts, so that it decides all their first steps at once, and their
    // rounds of measurement, on the grid of the step's start, come due together.
    List<String[]> changes = createChanges(client, namespaces, relays);
    int port = OperatorMetricsIT.freePort();
    Map<String, String> settings = Map.of("FLAGRAMP_NAMESPACES", String.join(",", namespaces), "FLAGRAMP_HTTP_PORT", Integer.toString(port),
        "FLAGRAMP_INSTANCE", "heap", "FLAGRAMP_PROMETHEUS_ALLOWLIST", "127.0.0.1",
        "FLAGRAMP_MAX_CONCURRENT_STEPS", Integer.toString(CHANGES));
    List<String> jvm = List.of("-Xmx" + HEAP, "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog);
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings, logs, jvm)) {
      operator.start();
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
          .failFast("the operator exited", () -> stillRunning(operator))
          .alias("the operator has listed the ConfigMaps and is ready")
          .until(() -> status(http, port, "/readyz") == 200);
      log.info("operator ready with {} ConfigMaps of 1 MiB; {} changes in as many namespaces, {} endpoints",
          CONFIGMAPS, CHANGES, ENDPOINTS);

      await().atMost(INTERVAL.multipliedBy(8)).pollInterval(Duration.ofMillis(100))
          .failFast("the operator exited", () -> stillRunning(operator))
          .alias("all " + IN_FLIGHT + " answers in flight at once")
          .until(moment::reached);
      long liveAtTheMoment = live(operator, gcLog);
      assertThat(moment.release()).as("every answer was still in flight while the heap was measured").isTrue();
      assertThat(relays).allSatisfy(r -> assertThat(r.mostInFlight()).isLessThanOrEqualTo(Limits.CALLS_PER_ENDPOINT));
      assertThat(relays.stream().mapToInt(PrometheusRelay::mostInFlight).sum()).isEqualTo(IN_FLIGHT);

      await().atMost(INTERVAL.multipliedBy(3)).pollInterval(Duration.ofSeconds(1))
          .failFast("the operator exited", () -> stillRunning(operator))
          .alias("every query judged invalid, naming the series it returned")
          .untilAsserted(() -> assertThat(changes).allSatisfy(c -> assertThat(metricMessages(client, c[0], c[1]))
              .isNotEmpty()
              .allSatisfy(m -> assertThat(m).containsAnyOf("query returned 1000 series, expected one",
                  "query returned over 1000 series, expected one (an answer is not read past 1000)"))));
      long liveJudged = live(operator, gcLog);
      // Deleted, each change puts the original values back: one more write of its 1 MiB ConfigMap.
      namespaces.forEach(ns -> client.resources(ScalingChange.class).inNamespace(ns).delete());
      await().atMost(Duration.ofMinutes(2)).failFast("the operator exited", () -> stillRunning(operator))
          .until(() -> namespaces.stream().allMatch(ns -> client.resources(ScalingChange.class).inNamespace(ns)
              .list().getItems().isEmpty()));
      long liveRestored = live(operator, gcLog);

      GcLog gc = GcLog.read(gcLog);
      String figures = String.format("-Xmx%s, %d ConfigMaps of 1 MiB, %d changes in as many namespaces on %d"
              + " endpoints with %d answers of 8 MiB in flight at once (%d answers relayed, %d asked of Prometheus): live %d MiB at that moment, %d MiB once every"
              + " query was judged, %d MiB once every change was deleted and restored; over the run, at most %d MiB"
              + " in use before a collection and %d MiB after one (%d collections)", HEAP, CONFIGMAPS, CHANGES,
          ENDPOINTS, IN_FLIGHT, relays.stream().mapToInt(PrometheusRelay::relayed).sum(), answers.asked(),
          liveAtTheMoment >> 20, liveJudged >> 20, liveRestored >> 20, gc.mostBefore() >> 20, gc.mostAfter() >> 20,
          gc.collections());
      log.info("memory bounds: {}", figures);
      Files.writeString(logs.resolve("figures.txt"), figures + "\n");

      stillRunning(operator);
      assertThat(operator.logLines()).as("the operator's log").noneMatch(l -> l.contains("OutOfMemoryError"));
      assertThat(List.of(liveAtTheMoment, liveJudged, liveRestored))
          .as("bytes live with every answer in flight, once judged, once restored; against the limit of %s", HEAP)
          .allSatisfy(live -> assertThat(live).isLessThan(bytes(HEAP) / 2));
    } finally {
      moment.release();
      relays.forEach(PrometheusRelay::close);
      handlers.shutdownNow();
      namespaces.forEach(ns -> client.configMaps().inNamespace(ns).delete());
    }
  }

  /** The answers the relays pass on are what the test claims: just under 8 MiB, 1,000 and 60,000 series. */
  private static void assertTheAnswersAreTheWorstAllowed(HttpClient http, TestPrometheus prometheus)
      throws IOException, InterruptedException {
    for (String metric : List.of(BackfilledHistory.HEAVY, BackfilledHistory.WIDE)) {
      String query = BackfilledHistory.everyOne(metric, 24);
      byte[] answer = http.send(HttpRequest.newBuilder(URI.create(prometheus.baseUrl() + "/api/v1/query?query="
          + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + Instant.now().getEpochSecond() + ".123"))
          .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
      assertThat(answer.length).as(query + ": bytes").isBetween(7 << 20, 8 << 20);
      log.info("{}: {} bytes", query, answer.length);
    }
  }

  /**
   * {@value #CONFIGMAPS} labelled ConfigMaps of 1 MiB, the first of them the changes' flags, one in
   * each change's namespace, the rest in the first; with fewer than one per change (to measure with
   * fewer), the rest of the changes' are small.
   */
  private static void createConfigMaps(KubernetesClient client, List<String> namespaces) {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 0; i < Math.max(CONFIGMAPS, namespaces.size()); i++) {
        String name = configMap(i);
        String ns = namespaces.get(i < namespaces.size() ? i : 0);
        Map<String, String> data = new HashMap<>(Map.of(ON, "false"));
        if (i < CONFIGMAPS) {
          data.put("settings.json", Character.toString('a' + i % 26).repeat(CONFIGMAP_CHARS));
        }
        created.add(pool.submit(() -> client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder()
            .withNewMetadata().withName(name).addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata()
            .withData(data).build()).create()));
      }
      for (Future<?> f : created) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("creating the ConfigMaps failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static String configMap(int i) {
    return String.format("big-%03d", i);
  }

  /**
   * In each namespace a change whose first metrics, as many as its namespace's share, each get the
   * 1,000-series answer, which fill that share at once; the changes take the endpoints in turn, so
   * that together they fill each endpoint's share too. Every {@value #WIDE_EVERY}th has two more that
   * get the 60,000-series answer after them. Each change ramps a flag in a 1 MiB ConfigMap of its own.
   * The changes on one endpoint ask different PromQL, so no answer is shared.
   *
   * @return the namespace and name of each change
   */
  private static List<String[]> createChanges(KubernetesClient client, List<String> namespaces,
      List<PrometheusRelay> relays) {
    List<String[]> names = new ArrayList<>();
    for (int i = 0; i < namespaces.size(); i++) {
      List<MetricCheck> checks = new ArrayList<>();
      for (int m = 0; m < Limits.CALLS_PER_NAMESPACE; m++) {
        // The changes that share an endpoint ask it different PromQL: a query two of them ask of one
        // endpoint is one call, shared.
        checks.add(new MetricCheck("heavy-" + m, BackfilledHistory.everyOne(BackfilledHistory.HEAVY,
            24 + m + Limits.CALLS_PER_NAMESPACE * (i / relays.size()))));
      }
      for (int m = 0; i % WIDE_EVERY == 0 && m < 2; m++) {
        checks.add(new MetricCheck("wide-" + m, BackfilledHistory.everyOne(BackfilledHistory.WIDE,
            24 + m + 2 * (i / relays.size()))));
      }
      checks.forEach(c -> c.setMax(1.0));
      Analysis analysis = new Analysis();
      PrometheusSource source = new PrometheusSource();
      source.setAddress(relays.get(i % relays.size()).address());
      source.setTimeout(Durations.format(INTERVAL));
      analysis.setPrometheus(source);
      analysis.setInterval(Durations.format(INTERVAL));
      analysis.setMetrics(checks);
      ScalingChangeSpec spec = new ScalingChangeSpec();
      spec.setFlag(new FlagTarget(configMap(i), PCT, ON));
      spec.setSteps(new ArrayList<>(List.of(new Step(10, "1h"), new Step(100, null))));
      spec.setAnalysis(analysis);
      ScalingChange sc = new ScalingChange();
      sc.getMetadata().setName("change-" + i);
      sc.getMetadata().setNamespace(namespaces.get(i));
      sc.setSpec(spec);
      client.resources(ScalingChange.class).resource(sc).create();
      names.add(new String[] {namespaces.get(i), sc.getMetadata().getName()});
    }
    return names;
  }

  private static List<String> metricMessages(KubernetesClient client, String ns, String name) {
    ScalingChange sc = client.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
    return Optional.ofNullable(sc.getStatus()).map(s -> s.getMetrics()).orElse(List.of()).stream()
        .map(MetricStatus::getMessage).toList();
  }

  private static int status(HttpClient http, int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * Fails, quoting the end of its log, once the operator has exited: out of heap, it ends with
   * {@code Terminating due to java.lang.OutOfMemoryError}, as the image's JVM does.
   */
  private static void stillRunning(OperatorProcess operator) {
    if (!operator.alive()) {
      List<String> lines = operator.logLines();
      throw new AssertionError("the operator exited; its log ends:\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
    }
  }

  /** What is live in the operator's heap now: a full collection forced, its outcome read in the GC log. */
  private static long live(OperatorProcess operator, Path gcLog) throws IOException, InterruptedException {
    int before = GcLog.read(gcLog).fullGcs().size();
    fullGc(operator.pid());
    await().atMost(Duration.ofSeconds(30)).until(() -> GcLog.read(gcLog).fullGcs().size() > before);
    return GcLog.read(gcLog).fullGcs().get(before);
  }

  private static void fullGc(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + output);
    }
  }

  /**
   * The heap as {@code -Xlog:gc} tells it, in bytes: each collection's line ends in
   * {@code <before>-><after>(<committed>)}, such as {@code GC(12) Pause Young (Normal) (G1 Evacuation
   * Pause) 151M->36M(384M) 4.1ms}. After a young collection, the old generation's garbage is still
   * counted; after a full one, only what is live.
   */
  record GcLog(int collections, long mostBefore, long mostAfter, List<Long> fullGcs) {

    private static final Pattern PAUSE =
        Pattern.compile("GC\\(\\d+\\) (Pause \\S+).* (\\d+)([KMG])->(\\d+)([KMG])\\(\\d+[KMG]\\)");

    static GcLog read(Path file) throws IOException {
      int collections = 0;
      long mostBefore = 0;
      long mostAfter = 0;
      List<Long> fullGcs = new ArrayList<>();
      for (String line : Files.exists(file) ? Files.readAllLines(file) : List.<String>of()) {
        Matcher m = PAUSE.matcher(line);
        if (!m.find()) {
          continue;
        }
        collections++;
        long after = bytes(m.group(4), m.group(5));
        mostBefore = Math.max(mostBefore, bytes(m.group(2), m.group(3)));
        mostAfter = Math.max(mostAfter, after);
        if (m.group(1).equals("Pause Full")) {
          fullGcs.add(after);
        }
      }
      return new GcLog(collections, mostBefore, mostAfter, fullGcs);
    }
  }

  /** {@code 384m}, {@code 151M}: a size as the JVM writes it, in bytes. */
  static long bytes(String size) {
    return bytes(size.substring(0, size.length() - 1), size.substring(size.length() - 1));
  }

  private static long bytes(String number, String unit) {
    return Long.parseLong(number) << switch (unit.toUpperCase(Locale.ROOT)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      default -> throw new IllegalArgumentException("not a size: " + number + unit);
    };
  }
}
