package io.flagramp.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.flagramp.FlagrampOperator;
import io.flagramp.api.v1alpha1.Condition;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.Step;
import io.flagramp.core.OptIn;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.metrics.QueryFailure;
import io.flagramp.operator.Clients;
import io.flagramp.operator.ConfigMapFlagStore;
import io.flagramp.operator.FlagStore;
import io.flagramp.operator.OperatorMetrics;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeTestCluster;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The operator under test, running in this JVM against the real kube-apiserver: the CRD from
 * {@code crds/} (the checked-in file, so the test also proves it installs), short intervals, and a
 * client that records every request it sends.
 */
final class OperatorHarness implements AutoCloseable {

  static final Path CRD = Path.of("crds", "scalingchanges.flagramp.io-v1.yml");
  /**
   * Nothing is allowed by default: the tests' Prometheus servers and stubs listen on 127.0.0.1, which
   * is named here (a loopback address is allowed only where it is named), and prometheus.invalid stands
   * for a Prometheus whose answers the test's own MetricsSource gives.
   */
  static final String TEST_PROMETHEUS = "127.0.0.1,prometheus.invalid";
  static final OperatorSettings FAST = OperatorSettings.from(Map.of(
      "FLAGRAMP_RESYNC_INTERVAL", "2s", "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
      "FLAGRAMP_PROMETHEUS_ALLOWLIST", TEST_PROMETHEUS));

  /** For tests without spec.analysis: any query is a failure that says so. */
  static final MetricsSource NO_METRICS = q -> {
    throw new QueryFailure.Unreachable("this test has no Prometheus", null);
  };

  final KubeTestCluster cluster;
  final KubernetesClient client;
  final ApiRequests requests = new ApiRequests();
  private final KubernetesClient operatorClient;
  private final OperatorSettings settings;
  private final MetricsSource metrics;
  /** The operator's own metrics (/metrics), in a registry of their own for each start. */
  volatile OperatorMetrics operatorMetrics;
  private Operator operator;

  private OperatorHarness(KubeTestCluster cluster, OperatorSettings settings, MetricsSource metrics) {
    this.cluster = cluster;
    this.client = cluster.client();
    this.settings = settings;
    this.metrics = metrics;
    this.operatorClient = new KubernetesClientBuilder().withKubernetesSerialization(Clients.serialization())
        .withConfig(Config.fromKubeconfig(read(cluster.kubeconfig())))
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count-requests", requests))
        .build();
  }

  static OperatorHarness start(KubeTestCluster cluster) {
    return start(cluster, UnaryOperator.identity());
  }

  /** Starts the operator; {@code decorate} may wrap its ConfigMap access to inject a race. */
  static OperatorHarness start(KubeTestCluster cluster, UnaryOperator<FlagStore> decorate) {
    return start(cluster, FAST, NO_METRICS, decorate);
  }

  static OperatorHarness start(KubeTestCluster cluster, OperatorSettings settings, MetricsSource metrics,
      UnaryOperator<FlagStore> decorate) {
    installCrd(cluster.client());
    OperatorHarness harness = new OperatorHarness(cluster, settings, metrics);
    harness.startOperator(decorate);
    return harness;
  }

  static void installCrd(KubernetesClient client) {
    try (InputStream in = Files.newInputStream(CRD)) {
      CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        CustomResourceDefinition live = client.apiextensions().v1().customResourceDefinitions()
            .withName(crd.getMetadata().getName()).get();
        // A CRD just created may have a status without conditions yet.
        return live.getStatus() != null && live.getStatus().getConditions() != null
            && live.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
      });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void startOperator(UnaryOperator<FlagStore> decorate) {
    operatorMetrics = new OperatorMetrics(new PrometheusRegistry());
    operator = FlagrampOperator.create(operatorClient, settings, Clock.systemUTC(),
        decorate.apply(new ConfigMapFlagStore(operatorClient)), metrics, operatorMetrics);
    operator.start();
  }

  void stopOperator() {
    operator.stop();
  }

  /** Reconciles made since the operator started, as its own /metrics count them. */
  long reconciles() {
    return operatorMetrics.registry().scrape().stream()
        .filter(m -> m.getMetadata().getName().equals("flagramp_reconcile_duration_seconds"))
        .map(m -> (io.prometheus.metrics.model.snapshots.HistogramSnapshot) m)
        .mapToLong(h -> h.getDataPoints().stream().mapToLong(p -> p.getCount()).sum()).sum();
  }

  MixedOperation<ScalingChange, KubernetesResourceList<ScalingChange>, Resource<ScalingChange>> changes() {
    return client.resources(ScalingChange.class);
  }

  /** A ConfigMap whose owner opted in to flagramp writing it (the label flagramp.io/flags=true). */
  ConfigMap createConfigMap(String namespace, String name, Map<String, String> data) {
    return client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata()
        .withName(name).withNamespace(namespace).addToLabels(OptIn.FLAGS, OptIn.VALUE).endMetadata().withData(data)
        .build()).create();
  }

  Map<String, String> configMapData(String namespace, String name) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
    return cm == null || cm.getData() == null ? Map.of() : cm.getData();
  }

  ScalingChange get(String namespace, String name) {
    return changes().inNamespace(namespace).withName(name).get();
  }

  /**
   * RolledBack, and the restore made: RolledBack is recorded first, with the restore as its intent,
   * and the intent is cleared once the ConfigMap holds the original values again.
   */
  boolean rolledBackAndRestored(String namespace, String name) {
    ScalingChange sc = get(namespace, name);
    return sc != null && sc.getStatus() != null && sc.getStatus().getPhase() == Phase.RolledBack
        && sc.getStatus().getIntent() == null;
  }

  /** The phase, or null before the operator wrote a status (or once the object is gone). */
  Phase phase(String namespace, String name) {
    ScalingChange sc = get(namespace, name);
    return sc == null || sc.getStatus() == null ? null : sc.getStatus().getPhase();
  }

  Optional<Condition> condition(String namespace, String name, String type) {
    ScalingChange sc = get(namespace, name);
    return sc == null || sc.getStatus() == null ? Optional.empty() : sc.getStatus().condition(type);
  }

  List<Event> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  /** A ScalingChange on app-features / USE_REDIS_PERCENTAGE (+ USE_REDIS) with these steps. */
  static ScalingChange change(String namespace, String name, Step... steps) {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName(name);
    sc.getMetadata().setNamespace(namespace);
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", "USE_REDIS_PERCENTAGE", "USE_REDIS"));
    spec.setSteps(new ArrayList<>(List.of(steps)));
    sc.setSpec(spec);
    return sc;
  }

  static Step step(int weight, String pause) {
    return new Step(weight, pause);
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.stop();
    }
    operatorClient.close();
  }

  private static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
