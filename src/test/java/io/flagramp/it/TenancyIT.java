package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.SecretReference;
import io.flagramp.core.OptIn;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.metrics.SharedQueries;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a ScalingChange author can make the operator do, against the real API server: write only
 * ConfigMaps whose owners opted in, send only credentials whose owners opted in, and reach only the
 * Prometheus addresses the operator is allowed to. A refused change sends no request (a listening
 * socket at the address sees no connection) and makes no write.
 */
@ExtendWith({KubeApiServerExtension.class, PrometheusExtension.class})
class TenancyIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static OperatorHarness harness;
  private static TestPrometheus prometheus;
  /** Counts every connection made to it, and answers none. */
  private static Listener listener;

  @BeforeAll
  static void startOperator(KubeTestCluster cluster, TestPrometheus shared) throws IOException {
    prometheus = shared;
    listener = new Listener();
    // The allowlist holds the listener, so a change may point there; only the opt-in can stop it.
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", listener.url() + "," + prometheus.baseUrl()));
    harness = OperatorHarness.start(cluster, settings, new SharedQueries(new PrometheusClient()),
        UnaryOperator.identity());
  }

  @AfterAll
  static void stopOperator() throws IOException {
    harness.close();
    listener.close();
  }

  @Test
  void aSecretWithoutTheOptInLabelIsNeverSentAndTheChangeIsInvalidNamingTheLabel() {
    String ns = harness.cluster.createNamespace("secret-optin");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prometheus-auth")
        .endMetadata().withStringData(Map.of("token", "t0ken-nobody-agreed-to-send")).build()).create();
    int before = listener.connections();

    harness.changes().resource(analysed(ns, listener.url())).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Invalid);
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getReason()).isEqualTo(Reason.SecretNotOptedIn);
    assertThat(sc.getStatus().getLastDecision()).contains("flagramp.io/prometheus-credentials=true");
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
    assertThat(listener.connections()).as("no connection to the address").isEqualTo(before);
  }

  @Test
  void aServiceAccountTokenSecretIsNeverSentEvenWithTheLabel() {
    String ns = harness.cluster.createNamespace("sa-token");
    harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
    harness.client.serviceAccounts().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
        .withNewMetadata().withName("default").endMetadata().build()).serverSideApply();
    harness.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prometheus-auth")
        .addToLabels(OptIn.PROMETHEUS_CREDENTIALS, OptIn.VALUE)
        .addToAnnotations("kubernetes.io/service-account.name", "default").endMetadata()
        .withType("kubernetes.io/service-account-token").withStringData(Map.of("token", "sa-token-value")).build())
        .create();
    int before = listener.connections();

    harness.changes().resource(analysed(ns, listener.url())).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Invalid);
    assertThat(harness.get(ns, "use-redis").getStatus().getLastDecision()).contains("is a service-account token");
    assertThat(listener.connections()).isEqualTo(before);
    assertThat(harness.configMapData(ns, "app-features")).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void aConfigMapWithoutTheOptInLabelIsNotWrittenAndTheMessageNamesTheLabelThenLabellingItProceeds() {
    String ns = harness.cluster.createNamespace("cm-optin");
    harness.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("app-features").endMetadata().addToData("USE_REDIS", "false").build()).create();
    String version = harness.client.configMaps().inNamespace(ns).withName("app-features").get().getMetadata()
        .getResourceVersion();

    harness.changes().resource(change(ns, "use-redis", step(10, "1s"), step(100, null))).create();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Invalid);
    ScalingChange sc = harness.get(ns, "use-redis");
    assertThat(sc.getStatus().getReason()).isEqualTo(Reason.ConfigMapNotOptedIn);
    assertThat(sc.getStatus().getLastDecision()).contains("does not carry the label flagramp.io/flags=true");
    assertThat(harness.client.configMaps().inNamespace(ns).withName("app-features").get().getMetadata()
        .getResourceVersion()).as("not written at all").isEqualTo(version);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ConfigMapNotOptedIn")));

    KubeTestCluster.KubectlResult labelled = harness.cluster.kubectl("label", "-n", ns, "configmap/app-features",
        OptIn.FLAGS + "=" + OptIn.VALUE);
    assertThat(labelled.exitCode()).as(labelled.output()).isZero();

    await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
  }

  @Test
  void anAddressOutsideTheAllowlistIsInvalidAndNeverContacted() throws IOException {
    try (Listener outside = new Listener()) {
      String ns = harness.cluster.createNamespace("allowlist");
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));

      harness.changes().resource(analysed(ns, outside.url())).create();

      await().atMost(WAIT).until(() -> harness.phase(ns, "use-redis") == Phase.Invalid);
      assertThat(harness.get(ns, "use-redis").getStatus().getLastDecision()).startsWith("invalid spec:"
          + " spec.analysis.prometheus.address: \"" + outside.url() + "\" is not among the addresses the operator may"
          + " query");
      assertThat(outside.connections()).isZero();
    }
  }

  /** A change with analysis at {@code address}, with credentials from the Secret prometheus-auth. */
  private static ScalingChange analysed(String ns, String address) {
    ScalingChange sc = change(ns, "use-redis", step(10, "1s"), step(100, null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(address);
    source.setTimeout("1s");
    source.setAuthSecretRef(new SecretReference("prometheus-auth"));
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    MetricCheck m = new MetricCheck("error-rate", "vector(0)");
    m.setMax(1.0);
    analysis.setMetrics(new ArrayList<>(List.of(m)));
    sc.getSpec().setAnalysis(analysis);
    return sc;
  }

  /** A socket on loopback that accepts every connection, counts it, and never answers. */
  static final class Listener implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    Listener() throws IOException {
      acceptor = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            held.add(socket.accept());
            connections.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      }, "listener");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
