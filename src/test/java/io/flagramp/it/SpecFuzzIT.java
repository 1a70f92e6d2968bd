package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.core.Annotations;
import io.flagramp.core.OptIn;
import io.flagramp.operator.Clients;
import io.flagramp.testbed.BackfilledHistory;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.ControlText;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A spec fuzzer: 1,050 ScalingChanges generated from a fixed seed, valid and invalid field by field
 * (odd numbers, strings, durations, PromQL, keys, addresses in odd spellings), sent as raw JSON to the
 * real API server while the packaged operator runs as its own process. Each is either rejected by the schema, or
 * accepted and given a defined phase at its first reconcile; the operator never stops and never logs
 * a stack trace for a spec problem. Some ask the real Prometheus for answers near the size limit
 * (60,000 series, or 1,000 with long labels, just under 8 MiB; the last 50 all do), and those that
 * ramp are measured and judged. One object the schema of the day cannot stop (stored under an older
 * CRD without the bound on failureLimit) is isolated as Invalid, naming the field. Strings hold
 * control characters at times (ESC, BEL, CR, LF, NUL, C1, bidi overrides: {@link ControlText#HOSTILE}), in
 * the spec and in an abort's reason: the operator's text log shows them escaped, one line per event.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
@SuppressWarnings("unchecked")
class SpecFuzzIT {

  private static final Logger log = LoggerFactory.getLogger(SpecFuzzIT.class);
  private static final long SEED = 20261126L;
  private static final int SPECS = 1000;
  /** More, after those: generated the same way, then given a Prometheus and a query whose answer is huge. */
  private static final int HUGE_SPECS = 50;
  private static final int NAMESPACES = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyGeneratedSpecIsRejectedByTheSchemaOrGivenADefinedPhaseAndTheOperatorNeverStops(KubeTestCluster cluster,
      TestPrometheus prometheus) throws IOException {
    OperatorHarness.installCrd(cluster.client());
    // Reading the isolated object needs what the operator reads with: a strict reader fails on it.
    KubernetesClient reader = new KubernetesClientBuilder().withConfig(cluster.client().getConfiguration())
        .withKubernetesSerialization(Clients.serialization()).build();
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < NAMESPACES; i++) {
      String ns = cluster.createNamespace("fuzz");
      namespaces.add(ns);
      cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
          .withName("app-features").withNamespace(ns).addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata()
          .addToData("OTHER", "x").addToData("flags.json", FLAGD_DOCUMENTS.get(i % FLAGD_DOCUMENTS.size()))
          .build()).create();
    }
    String stored = storedUnderAnOlderCrd(cluster, namespaces.get(0));

    Random rnd = new Random(SEED);
    Map<String, Integer> rejected = new TreeMap<>();
    List<String[]> accepted = new ArrayList<>();
    List<String[]> huge = new ArrayList<>();
    for (int i = 0; i < SPECS + HUGE_SPECS; i++) {
      String ns = namespaces.get(i % NAMESPACES);
      Map<String, Object> object = i == 0 ? failureLimitBeyondAnInt(ns)
          : i < SPECS ? generate(rnd, ns, "fuzz-" + i, i, prometheus.baseUrl())
          : askingForAHugeAnswer(rnd, generate(rnd, ns, "fuzz-" + i, i, prometheus.baseUrl()), prometheus.baseUrl());
      try {
        cluster.client().resource(JSON.writeValueAsString(object)).create();
        accepted.add(new String[] {ns, name(object)});
        if (asksForAHugeAnswer(object)) {
          huge.add(new String[] {ns, name(object)});
        }
      } catch (KubernetesClientException e) {
        rejected.merge("HTTP " + e.getCode(), 1, Integer::sum);
      }
    }

    Path logs = Files.createDirectories(Path.of("target", "fuzz"));
    Map<String, String> settings = Map.of("FLAGRAMP_NAMESPACES", String.join(",", namespaces),
        "FLAGRAMP_RESYNC_INTERVAL", "5s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "5s", "FLAGRAMP_INSTANCE", "fuzz",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", prometheus.baseUrl());
    Map<String, Integer> phases = new TreeMap<>();
    try (OperatorProcess operator = new OperatorProcess(cluster.kubeconfig(), settings, logs)) {
      operator.start();
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        assertThat(operator.alive()).as("the operator is running").isTrue();
        return accepted.stream().allMatch(a -> observed(reader, a[0], a[1]));
      });
      ScalingChange isolated = reader.resources(ScalingChange.class).inNamespace(namespaces.get(0))
          .withName(stored).get();
      accepted.forEach(a -> phases.merge(String.valueOf(reader.resources(ScalingChange.class)
          .inNamespace(a[0]).withName(a[1]).get().getStatus().getPhase()), 1, Integer::sum));
      // Those that ramp with a query whose answer is near the size limit are measured, and judged.
      List<String[]> measuring = huge.stream().filter(h -> reader.resources(ScalingChange.class).inNamespace(h[0])
          .withName(h[1]).get().getStatus().getPhase() == Phase.Progressing).toList();
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        assertThat(operator.alive()).as("the operator is running").isTrue();
        return measuring.stream().allMatch(h -> !metricMessages(reader, h[0], h[1]).isEmpty());
      });
      List<String> judged = measuring.stream().flatMap(h -> metricMessages(reader, h[0], h[1]).stream()).toList();
      log.info("spec fuzzer: {} accepted changes ask for an answer near the size limit, {} of them measured: {}",
          huge.size(), measuring.size(), judged);
      assertThat(judged).as("huge answers judged").anyMatch(m -> m.contains("series, expected one"));
      List<String> lines = operator.logLines();
      String written = Files.readString(operator.logFile(), StandardCharsets.UTF_8);
      // A stack trace is part of its event's line, its line breaks escaped.
      long stackTraces = lines.stream().filter(l -> l.startsWith("\tat ") || l.contains("\\n\\tat ")).count();
      long escaped = lines.stream().filter(l -> l.contains("\\e[2J")).count();
      long stops = lines.stream().filter(l -> l.contains("Stopping the operator") || l.contains("Fatal error")).count();
      int total = rejected.values().stream().mapToInt(Integer::intValue).sum();
      log.info("spec fuzzer (seed {}): {} specs, {} rejected by the schema {}, {} accepted and given a defined phase"
          + " at their first reconcile {}, operator stops: {}, stack traces in its log: {}; log lines quoting control"
          + " characters: {}, control characters in the log: {}", SEED, SPECS + HUGE_SPECS, total, rejected,
          accepted.size(), phases, stops, stackTraces, escaped, ControlText.describe(written));

      assertThat(operator.alive()).isTrue();
      assertThat(stops).isZero();
      assertThat(stackTraces).as("stack traces for spec problems").isZero();
      assertThat(escaped).as("log lines that quote control characters, escaped").isPositive();
      assertThat(ControlText.count(written)).as("control characters in the log").isZero();
      assertThat(lines).as("lines begun by a newline in a quoted string").noneMatch(l -> l.startsWith("FAKE"));
      assertThat(total + accepted.size()).isEqualTo(SPECS + HUGE_SPECS);
      assertThat(total).as("the schema rejects many").isGreaterThan(SPECS / 4);
      assertThat(accepted.size()).as("many are accepted").isGreaterThan(SPECS / 10);
      assertThat(isolated.getStatus().getPhase()).isEqualTo(Phase.Invalid);
      assertThat(isolated.getStatus().getLastDecision()).isEqualTo("invalid spec:"
          + " spec.analysis.metrics[0].failureLimit: cannot be read: 2147483648 is out of range (an integer)");
      // Clean up while the operator runs, so its finalizers go and nothing is left to the next tests.
      for (String ns : namespaces) {
        reader.resources(ScalingChange.class).inNamespace(ns).delete();
      }
      await().atMost(Duration.ofSeconds(120)).until(() -> namespaces.stream()
          .allMatch(ns -> reader.resources(ScalingChange.class).inNamespace(ns).list().getItems().isEmpty()));
    }
  }

  /**
   * {@code object} with the Prometheus at {@code address} (unless one was generated) and its first
   * metric asking for one of the answers near the size limit the test bed's Prometheus holds.
   */
  private static Map<String, Object> askingForAHugeAnswer(Random rnd, Map<String, Object> object, String address) {
    Map<String, Object> spec = (Map<String, Object>) object.get("spec");
    Map<String, Object> analysis = (Map<String, Object>) spec.computeIfAbsent("analysis", k -> new LinkedHashMap<>(
        Map.of("interval", "10s", "metrics", new ArrayList<>(List.of(new LinkedHashMap<>(Map.of("name", "error-rate",
            "max", 0.1)))))));
    analysis.putIfAbsent("prometheus", new LinkedHashMap<>(Map.of("address", address, "timeout", "5s")));
    // Measured within the test's wait, whatever interval the generator drew (an hour is among them).
    analysis.put("interval", "10s");
    if (analysis.get("metrics") instanceof List<?> metrics && !metrics.isEmpty()
        && metrics.get(0) instanceof Map<?, ?> first) {
      Map<String, Object> metric = new LinkedHashMap<>((Map<String, Object>) first);
      metric.put("query", BackfilledHistory.everyOne(rnd.nextBoolean() ? BackfilledHistory.WIDE
          : BackfilledHistory.HEAVY, 24));
      ((List<Object>) metrics).set(0, metric);
    }
    return object;
  }

  /** Its metric asks for one of the answers near the size limit the test bed's Prometheus holds. */
  private static boolean asksForAHugeAnswer(Map<String, Object> object) {
    Object analysis = ((Map<String, Object>) object.get("spec")).get("analysis");
    Object metrics = analysis instanceof Map<?, ?> a ? a.get("metrics") : null;
    return metrics instanceof List<?> list && list.stream().anyMatch(m -> m instanceof Map<?, ?> metric
        && metric.get("query") instanceof String q && q.contains("testbed_history_"));
  }

  private static List<String> metricMessages(KubernetesClient reader, String ns, String name) {
    ScalingChange sc = reader.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
    return sc.getStatus() == null || sc.getStatus().getMetrics() == null ? List.of()
        : sc.getStatus().getMetrics().stream().map(m -> m.getMessage()).filter(m -> m != null).toList();
  }

  /** Has a phase for the generation it was created with: decided at its first reconcile. */
  private static boolean observed(KubernetesClient reader, String ns, String name) {
    ScalingChange sc = reader.resources(ScalingChange.class).inNamespace(ns).withName(name).get();
    return sc != null && sc.getStatus() != null && sc.getStatus().getPhase() != null
        && sc.getStatus().getObservedGeneration() != null;
  }

  /**
   * An object stored when the CRD had no bound on failureLimit: it cannot be rejected any more, only
   * read. The CRD is put back before the operator starts.
   */
  private static String storedUnderAnOlderCrd(KubeTestCluster cluster, String ns) throws IOException {
    String crd = Files.readString(OperatorHarness.CRD);
    String older = crd.replaceFirst("(failureLimit:\\s*\\n(?:\\s+\\S.*\\n)*?)\\s+maximum: 1000\\.0\\n", "$1");
    assertThat(older).as("the bound was found and removed").isNotEqualTo(crd);
    apply(cluster, older);
    Map<String, Object> object = failureLimitBeyondAnInt(ns);
    ((Map<String, Object>) object.get("metadata")).put("name", "stored-before-the-bound");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> cluster.client().resource(JSON.writeValueAsString(object)).create() != null);
    apply(cluster, crd);
    String probe = JSON.writeValueAsString(failureLimitBeyondAnInt(ns));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try {
        cluster.client().resource(probe).dryRun().create();
        return false;
      } catch (KubernetesClientException e) {
        return e.getCode() == 422;
      }
    });
    return "stored-before-the-bound";
  }

  private static void apply(KubeTestCluster cluster, String yaml) throws IOException {
    try (InputStream in = new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
      CustomResourceDefinition crd = cluster.client().apiextensions().v1().customResourceDefinitions().load(in).item();
      cluster.client().apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
    }
  }

  private static Map<String, Object> failureLimitBeyondAnInt(String ns) {
    Map<String, Object> metric = new LinkedHashMap<>(Map.of("name", "error-rate", "query", "vector(0)", "max", 1));
    metric.put("failureLimit", 2147483648L);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("flag", Map.of("configMapName", "app-features", "percentageKey", "HUGE"));
    spec.put("steps", List.of(Map.of("weight", 10)));
    spec.put("analysis", Map.of("interval", "10s", "metrics", List.of(metric)));
    return object(ns, "failure-limit-beyond-an-int", spec);
  }

  // ---- the generator ----

  private static final Object[] WEIGHTS = {-1, 0, 1, 5, 50, 100, 101, 2147483648L, "abc", 1.5};
  private static final Object[] DURATIONS = {"30s", "1h30m", "5ms", "0s", "1d", "", "99999999999999999999h", 42,
      "1s", "24h", "25h", "1ms", "30s\u001b[2J"};
  private static final Object[] NAMES = {"app-features", "App_Features", "", "a".repeat(300), "a.b", "missing-cm",
      "app\nFAKE"};
  private static final Object[] KEYS = {".", "..", "a b", "k".repeat(254), "ü", "OK_KEY", "-._", "K\u0007\u202e"};
  /** Deploy windows' time zones: IANA names, and what is not one. */
  private static final Object[] ZONES = {"UTC", "Europe/Berlin", "Mars/Olympus", "UTC\r\nFAKE", ""};
  private static final Object[] COUNTS = {-5, 0, 1, 3, 1000, 1001, 2147483648L, 9223372036854775807L};
  private static final Object[] NUMBERS = {0, -1, 1e308, -1e308, 0.01, "x", 7};
  /** With the answers near the size limit the real Prometheus holds (BackfilledHistory): 60,000 and 1,000 series. */
  private static final Object[] QUERIES = {"", "vector(1)", "q".repeat(5000), "sum(", "up", "vector(0) / vector(0)",
      "{__name__=~\".+\"}", "vector(0)\n# FAKE", "sum(" + ControlText.HOSTILE,
      BackfilledHistory.everyOne(BackfilledHistory.WIDE, 24), BackfilledHistory.everyOne(BackfilledHistory.HEAVY, 24)};
  /**
   * The flagd document each namespace's ConfigMap holds in flags.json, for the specs that ramp its flag
   * new-checkout: malformed, without the flag, with targeting that cannot be ramped, a key twice, and fine.
   */
  private static final List<String> FLAGD_DOCUMENTS = List.of(
      "{\"flags\": {\"new-checkout\": {\"state\": \"ENABLED\",",
      "{\"flags\": {\"other\": {\"state\": \"ENABLED\", \"variants\": {\"on\": 1}, \"defaultVariant\": \"on\"}}}",
      "{\"flags\": {\"new-checkout\": {\"state\": \"ENABLED\", \"variants\": {\"on\": 1, \"off\": 0},"
          + " \"defaultVariant\": \"off\", \"targeting\": {\"in\": [\"@x\", {\"var\": \"email\"}]}}}}",
      "{\"flags\": {\"new-checkout\": {}, \"new-checkout\": {}}}",
      "{\"flags\": {\"new-checkout\": {\"state\": \"ENABLED\", \"variants\": {\"on\": 1, \"off\": 0},"
          + " \"defaultVariant\": \"off\"}}, \"$evaluators\": {}}");
  private static final Object[] INCREASES = {"50%", "-1", "abc", "0.002", "1e9%"};
  private static final Object[] ENUMS = {"Hold", "Fail", "Revert", "Restore", "Keep", "Maybe", ""};

  /**
   * Odd addresses: spellings of the allowed Prometheus (which are it), tricks that are not it (another
   * port, a path that climbs out, the metadata service and loopback in their many spellings, user info,
   * encoded separators), and what is no address at all.
   */
  private static List<String> oddAddresses(String prometheusUrl) {
    String port = prometheusUrl.substring(prometheusUrl.lastIndexOf(':') + 1);
    return List.of("ftp://x", "http://user:pw@127.0.0.1:1", "http://127.0.0.1:1", "http://" + "h".repeat(3000),
        "http://169.254.169.254/", "https://[::1]:9", "not a url",
        "HTTP://127.0.0.1:" + port + "/", "http://127.0.0.1:0" + port, "http://2130706433:" + port,
        "http://0x7f.1:" + port, "http://127.1:" + port + "/x/../", "http://[::ffff:127.0.0.1]:" + port,
        "http://127.0.0.1:" + port + "/%2e/", "http://127.0.0.1:" + port + "#fragment",
        "http://127.0.0.1:" + port + "/?query=up", "http://127.0.0.1:" + port + "/..;/x",
        "http://127.0.0.1:" + port + "/a%2fb", "http://127.0.0.1:" + port + "\\@evil.example",
        "http://localhost:" + port, "http://169.254.169.254.:80/latest", "http://0251.0376.0251.0376/",
        "http://[fe80::1%25eth0]/", "http://[::]:" + port, "http://0:" + port, "http://127.0.0.1:" + port + "/\u00e9",
        "http://xn--:" + port, "http://a..b:" + port, "http://127.0.0.1:65536", "http://127.0.0.1:" + port + "/%00");
  }

  /** A valid spec with 1 to 3 fields changed to something odd (which may still be valid), or aborted at once. */
  private static Map<String, Object> generate(Random rnd, String ns, String name, int i, String prometheusUrl) {
    Map<String, Object> annotations = new LinkedHashMap<>();
    Map<String, Object> spec = new LinkedHashMap<>();
    Map<String, Object> flag = new LinkedHashMap<>(Map.of("configMapName", "app-features", "percentageKey", "P" + i));
    spec.put("flag", flag);
    List<Object> steps = new ArrayList<>(List.of(new LinkedHashMap<>(Map.of("weight", 10, "pause", "30s")),
        new LinkedHashMap<>(Map.of("weight", 100))));
    spec.put("steps", steps);
    Map<String, Object> metric = new LinkedHashMap<>(Map.of("name", "error-rate", "query", "vector(0)", "max", 0.1));
    Map<String, Object> analysis = new LinkedHashMap<>(Map.of("interval", "10s", "metrics", new ArrayList<>(List.of(metric))));
    Map<String, Object> prometheus = new LinkedHashMap<>(Map.of("address", prometheusUrl, "timeout", "1s"));
    if (rnd.nextBoolean()) {
      analysis.put("prometheus", prometheus);
      spec.put("analysis", analysis);
    }
    List<Consumer<Random>> mutations = List.of(
        r -> {
          if (!steps.isEmpty()) {  // an earlier mutation may have left none
            ((Map<String, Object>) steps.get(0)).put("weight", pick(r, WEIGHTS));
          }
        },
        r -> {
          if (!steps.isEmpty()) {
            ((Map<String, Object>) steps.get(r.nextInt(steps.size()))).put("pause", pick(r, DURATIONS));
          }
        },
        r -> {
          steps.clear();
          int n = r.nextInt(23);
          for (int k = 0; k < n; k++) {
            steps.add(new LinkedHashMap<>(Map.of("weight", r.nextBoolean() ? k + 1 : 100 - k)));
          }
        },
        r -> flag.put("configMapName", pick(r, NAMES)),
        r -> flag.put("percentageKey", pick(r, KEYS)),
        r -> flag.put("enabledKey", r.nextBoolean() ? flag.get("percentageKey") : pick(r, KEYS)),
        r -> {
          // the flagd format, alone or beside the percentage keys, its fields picked like keys
          if (r.nextBoolean()) {
            flag.remove("percentageKey");
            flag.remove("enabledKey");
          }
          Map<String, Object> flagd = new LinkedHashMap<>(Map.of("key", r.nextBoolean() ? "flags.json" : pick(r, KEYS),
              "flag", r.nextBoolean() ? "new-checkout" : pick(r, KEYS)));
          if (r.nextBoolean()) {
            flagd.put("onVariant", pick(r, KEYS));
          }
          if (r.nextBoolean()) {
            flagd.put("offVariant", r.nextBoolean() ? flagd.getOrDefault("onVariant", "on") : pick(r, KEYS));
          }
          flag.put("flagd", flagd);
        },
        r -> {
          spec.put("analysis", analysis);
          analysis.put("interval", pick(r, DURATIONS));
        },
        r -> {
          spec.put("analysis", analysis);
          analysis.put("prometheus", prometheus);
          prometheus.put("timeout", pick(r, DURATIONS));
        },
        r -> {
          spec.put("analysis", analysis);
          analysis.put("prometheus", prometheus);
          prometheus.put("address", pick(r, oddAddresses(prometheusUrl).toArray()));
        },
        r -> {
          spec.put("analysis", analysis);
          metric.put("failureLimit", pick(r, COUNTS));
        },
        r -> {
          spec.put("analysis", analysis);
          analysis.put("onProviderError", Map.of("consecutiveErrorLimit", pick(r, COUNTS), "action", pick(r, ENUMS)));
        },
        r -> {
          spec.put("analysis", analysis);
          metric.put(r.nextBoolean() ? "min" : "max", pick(r, NUMBERS));
        },
        r -> {
          spec.put("analysis", analysis);
          metric.put("query", pick(r, QUERIES));
        },
        r -> {
          spec.put("analysis", analysis);
          metric.put("maxIncrease", pick(r, INCREASES));
          if (r.nextBoolean()) {
            analysis.put("baseline", Map.of("window", pick(r, DURATIONS)));
          }
        },
        r -> {
          spec.put("analysis", analysis);
          metric.put("name", pick(r, new Object[] {"Error", "e".repeat(64), "ok-name", ""}));
        },
        r -> {
          spec.put("analysis", analysis);
          List<Object> metrics = new ArrayList<>();
          int n = r.nextInt(13);
          for (int k = 0; k < n; k++) {
            metrics.add(Map.of("name", r.nextBoolean() ? "m" + k : "same", "query", "vector(0)", "max", 1));
          }
          analysis.put("metrics", metrics);
        },
        r -> spec.put("bake", pick(r, DURATIONS)),
        r -> spec.put("onFailure", pick(r, ENUMS)),
        r -> spec.put("onDelete", pick(r, ENUMS)),
        r -> spec.put("suspend", r.nextBoolean() ? true : "yes"),
        r -> spec.put("colour", "blue"),
        r -> spec.put("windows", Map.of("timeZone", pick(r, ZONES), "blocked", List.of(Map.of("from", "2030-01-01",
            "to", "2030-01-02", "reason", ControlText.HOSTILE)))),
        r -> annotations.put(Annotations.ABORT, ControlText.HOSTILE));
    int changes = 1 + rnd.nextInt(3);
    for (int k = 0; k < changes; k++) {
      mutations.get(rnd.nextInt(mutations.size())).accept(rnd);
    }
    Map<String, Object> object = object(ns, name, spec);
    if (!annotations.isEmpty()) {
      ((Map<String, Object>) object.get("metadata")).put("annotations", annotations);
    }
    return object;
  }

  private static Object pick(Random rnd, Object[] values) {
    return values[rnd.nextInt(values.length)];
  }

  private static Map<String, Object> object(String ns, String name, Map<String, Object> spec) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", "flagramp.io/v1alpha1");
    object.put("kind", "ScalingChange");
    object.put("metadata", new LinkedHashMap<>(Map.of("name", name, "namespace", ns)));
    object.put("spec", spec);
    return object;
  }

  @SuppressWarnings("unchecked")
  private static String name(Map<String, Object> object) {
    return (String) ((Map<String, Object>) object.get("metadata")).get("name");
  }
}
