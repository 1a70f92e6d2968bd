package io.flagramp.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.chart.HelmChart;
import io.flagramp.chart.HelmChart.Rendered;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/ as a platform team meets them: applied with the kubectl line each file's header gives, to
 * an operator started with the settings a default Helm install gives it (the chart's Deployment env,
 * rendered from values.yaml), and linted against that operator's Deployment in the cluster.
 */
@ExtendWith(KubeApiServerExtension.class)
class ExamplesIT {

  private static final Path EXAMPLES = Path.of("examples");
  private static final String RELEASE_NAMESPACE = "flagramp-examples";
  private static final String DEFAULT_PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090";
  /** Where each example's change stands once it is running: its first step written, soaking. */
  private static final Map<String, Expected> EXPECTED = Map.of(
      "use-redis.yaml", new Expected("social", "use-redis", "app-features", "USE_REDIS_PERCENTAGE", "1"),
      "use-redis-cohorts.yaml", new Expected("social", "use-redis-cohorts", "app-features", "USE_REDIS_PERCENTAGE",
          "1"),
      "new-checkout.yaml", new Expected("shop", "new-checkout", "checkout-flags", "flags.flagd.json",
          "(?s).*\"new-checkout\".*\"fractional\".*"));

  /** The change, and the ConfigMap key its first step writes, with a pattern of what it holds then. */
  record Expected(String namespace, String name, String configMap, String key, String written) {}

  private static OperatorHarness harness;
  private static Rendered chart;
  /** Every Prometheus the operator asked, by the address it asked. */
  private static final Set<String> asked = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void startTheOperatorAsADefaultInstallConfiguresIt(KubeTestCluster cluster) {
    KubernetesClient admin = cluster.client();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(RELEASE_NAMESPACE).endMetadata()
        .build()).create();  // where lint finds the operator's Deployment
    chart = HelmChart.render(RELEASE_NAMESPACE, "");
    Map<String, String> env = new LinkedHashMap<>(chart.env(Map.of("metadata.namespace", RELEASE_NAMESPACE,
        "metadata.name", "flagramp-examples-0")));
    assertThat(env).containsEntry("FLAGRAMP_PROMETHEUS_ALLOWLIST", DEFAULT_PROMETHEUS)
        .containsEntry("FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN", "true");
    // Only what cannot be as in a pod: the examples' namespaces alone, so other tests' changes on this
    // shared server are left alone; no port that may be taken on this machine; and no leader election,
    // since JOSDK ends the process when a leader stops leading, here the test JVM.
    env.put("FLAGRAMP_NAMESPACES", "social,shop");
    env.put("FLAGRAMP_HTTP_PORT", "0");
    env.put("FLAGRAMP_LEADER_ELECTION", "false");
    OperatorSettings settings = OperatorSettings.from(env);
    // Stands in for the app's Prometheus: every answer passes (errors 0.2%, latency 0.2 s, enough traffic).
    MetricsSource app = q -> {
      asked.add(q.endpoint().address().toString());
      return q.promql().contains("bucket") ? 0.2 : q.promql().contains("5..") ? 0.002 : 100_000;
    };
    harness = OperatorHarness.start(cluster, settings, app, UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void eachExampleRunsOnADefaultInstallAndAsksOnlyTheChartsPrometheus(KubeTestCluster cluster) throws IOException {
    assertThat(changeFiles()).as("every example ScalingChange has an expected phase here")
        .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    Map<String, String> reached = new TreeMap<>();

    for (String file : changeFiles()) {
      Expected e = EXPECTED.get(file);
      KubectlResult applied = cluster.kubectl(applyLine(file));
      assertThat(applied.exitCode()).as(applied.output()).isZero();

      await().atMost(Duration.ofSeconds(60)).until(() -> harness.phase(e.namespace(), e.name()) == Phase.Progressing
          && harness.get(e.namespace(), e.name()).getStatus().getCurrentWeight() != null);
      ScalingChange sc = harness.get(e.namespace(), e.name());
      reached.put(file, sc.getStatus().getPhase() + " at weight " + sc.getStatus().getCurrentWeight());
      assertThat(harness.configMapData(e.namespace(), e.configMap()).get(e.key())).as(file).matches(e.written());

      // One example at a time: two of them ramp the same flag, and the second would wait for the first.
      harness.changes().inNamespace(e.namespace()).withName(e.name()).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.get(e.namespace(), e.name()) == null);
    }

    assertThat(reached).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "new-checkout.yaml", "Progressing at weight 1",
        "use-redis-cohorts.yaml", "Progressing at weight 1",
        "use-redis.yaml", "Progressing at weight 1")));
    assertThat(asked).containsExactly(DEFAULT_PROMETHEUS);
  }

  @Test
  void lintReadsTheOperatorsDeploymentAndFlagsAnAddressItsAllowlistRefuses(KubeTestCluster cluster,
      @TempDir Path bin) throws IOException {
    KubectlPlugin plugin = KubectlPlugin.installIn(bin);
    Deployment deployment = chart.deployment();
    cluster.client().resource(deployment).create();
    try {
      String operator = "operator Deployment " + RELEASE_NAMESPACE + "/" + deployment.getMetadata().getName()
          + ": Prometheus allowlist " + DEFAULT_PROMETHEUS + " (default " + DEFAULT_PROMETHEUS + "); ConfigMaps opt"
          + " in with flagramp.io/flags=true";
      cluster.kubectl("apply", "-f", EXAMPLES.resolve("app-features.yaml").toString());

      KubectlResult asShipped = plugin.run(cluster, "lint", EXAMPLES.resolve("use-redis.yaml").toString());
      Path elsewhere = Files.writeString(bin.resolve("use-redis.yaml"),
          Files.readString(EXAMPLES.resolve("use-redis.yaml")).replace(DEFAULT_PROMETHEUS,
              "http://prometheus.monitoring.svc:9090"));
      KubectlResult otherAddress = plugin.run(cluster, "lint", elsewhere.toString());

      assertThat(asShipped.exitCode()).as(asShipped.output()).isZero();
      assertThat(oneLine(asShipped.output())).contains(operator).contains("planner no problem found");
      assertThat(otherAddress.exitCode()).as(otherAddress.output()).isEqualTo(7);
      assertThat(oneLine(otherAddress.output())).contains(operator).contains("planner rejected:"
          + " spec.analysis.prometheus.address: \"http://prometheus.monitoring.svc:9090\" is not among the addresses"
          + " the operator may query (FLAGRAMP_PROMETHEUS_ALLOWLIST: " + DEFAULT_PROMETHEUS + ")");
    } finally {
      cluster.client().resource(deployment).delete();
    }
  }

  @Test
  void lintFlagsAConfigMapWithoutTheOptInTheOperatorRequires(KubeTestCluster cluster, @TempDir Path bin)
      throws IOException {
    KubectlPlugin plugin = KubectlPlugin.installIn(bin);
    Deployment deployment = chart.deployment();
    cluster.client().resource(deployment).create();
    try {
      String ns = cluster.createNamespace("examples-no-opt-in");
      cluster.client().configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
          .withNewMetadata().withName("app-features").endMetadata().addToData("USE_REDIS", "false").build()).create();
      Path change = Files.writeString(bin.resolve("use-redis.yaml"),
          Files.readString(EXAMPLES.resolve("use-redis.yaml")).replace("namespace: social", "namespace: " + ns));

      KubectlResult lint = plugin.run(cluster, "lint", change.toString());

      assertThat(lint.exitCode()).as(lint.output()).isEqualTo(7);
      assertThat(oneLine(lint.output())).contains("flag rejected: ConfigMap app-features does not carry the label"
          + " flagramp.io/flags=true, which this operator requires before it writes a ConfigMap");
    } finally {
      cluster.client().resource(deployment).delete();
    }
  }

  /** The example files that hold a ScalingChange, by name. */
  private static List<String> changeFiles() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      List<String> names = new ArrayList<>();
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        if (Files.readString(f).contains("kind: ScalingChange")) {
          names.add(f.getFileName().toString());
        }
      }
      return names;
    }
  }

  /** The arguments of the {@code kubectl apply} line in the example's header comment. */
  private static String[] applyLine(String file) throws IOException {
    Matcher m = Pattern.compile("(?m)^#\\s+kubectl (apply( -f \\S+)+)\\s*$")
        .matcher(Files.readString(EXAMPLES.resolve(file)));
    assertThat(m.find()).as(file + " says how to apply it").isTrue();
    return m.group(1).split(" ");
  }

  private static String oneLine(String output) {
    return output.replaceAll("\\s+", " ");
  }
}
