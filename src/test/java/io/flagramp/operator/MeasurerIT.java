package io.flagramp.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.FlagTarget;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeSpec;
import io.flagramp.api.v1alpha1.SecretReference;
import io.flagramp.core.Measurement;
import io.flagramp.core.MeasurementRequest;
import io.flagramp.core.AddressAllowlist;
import io.flagramp.core.OptIn;
import io.flagramp.core.Measurements;
import io.flagramp.metrics.PrometheusClient;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.PrometheusServer;
import io.flagramp.testbed.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials from a real Secret in the ScalingChange's namespace, against a real Prometheus that
 * wants both: https with a private CA, and basic auth.
 */
@ExtendWith(KubeApiServerExtension.class)
class MeasurerIT {

  private static final String USER = "flagramp";
  private static final String PASSWORD = "s3cret pass";
  private static final TestCertificates.Issued CA = TestCertificates.authority("flagramp test CA");

  @TempDir
  static Path dir;

  private static PrometheusServer prometheus;
  private KubernetesClient client;
  private Measurer measurer;
  private String ns;

  @BeforeAll
  static void prometheusBehindTlsAndBasicAuth() throws Exception {
    TestCertificates.Issued server = TestCertificates.loopbackServer(CA);
    Path cert = Files.writeString(dir.resolve("server.crt"), server.certificatePem());
    Path key = Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    String webConfig = """
        tls_server_config:
          cert_file: %s
          key_file: %s
        basic_auth_users:
          %s: '%s'
        """.formatted(cert, key, USER, OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 4));
    String authorization = "Basic " + Base64.getEncoder()
        .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    prometheus = PrometheusServer.prepare(List.of(), "", PrometheusServer.Web.PLAIN.withWebConfig(webConfig,
        Optional.of(TestCertificates.trusting(CA)), Optional.of(authorization))).start();
  }

  @AfterAll
  static void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @BeforeEach
  void namespace(KubeTestCluster cluster) {
    client = cluster.client();
    ns = cluster.createNamespace("measurer");
    // The test's Prometheus listens on loopback, which is allowed only where it is named.
    measurer = new Measurer(client, new PrometheusClient(), Optional.empty(), AddressAllowlist.parse("127.0.0.1"),
        new FairShares());
  }

  /** A Secret whose owner opted in to its credentials being sent to Prometheus. */
  private void secret(Map<String, String> data) {
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prometheus-auth")
        .addToLabels(OptIn.PROMETHEUS_CREDENTIALS, OptIn.VALUE).endMetadata().withStringData(data).build()).create();
  }

  private ScalingChange change() {
    ScalingChange sc = new ScalingChange();
    sc.getMetadata().setName("use-redis");
    sc.getMetadata().setNamespace(ns);
    ScalingChangeSpec spec = new ScalingChangeSpec();
    spec.setFlag(new FlagTarget("app-features", "PCT", null));
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress(prometheus.baseUrl());
    source.setTimeout("3s");
    source.setAuthSecretRef(new SecretReference("prometheus-auth"));
    analysis.setPrometheus(source);
    analysis.setMetrics(List.of(new MetricCheck("answer", "vector(42)")));
    spec.setAnalysis(analysis);
    sc.setSpec(spec);
    return sc;
  }

  private Measurement measureOnce() {
    MeasurementRequest request = new MeasurementRequest(MeasurementRequest.Kind.STEP, Map.of("answer", "vector(42)"),
        Optional.empty(), Duration.ZERO);
    Measurements answers = measurer.measure(change(), request, Instant.now());
    return answers.byMetric().get("answer");
  }

  @Test
  void credentialsAndTheCaFromTheSecretReachAPrometheusThatWantsBoth() {
    secret(Map.of("username", USER, "password", PASSWORD, "ca.crt", CA.certificatePem()));

    assertThat(measureOnce()).isEqualTo(new Measurement.Value(42));
  }

  @Test
  void aWrongPasswordIsAProviderFailureNamingTheStatusAndNoSecret() {
    secret(Map.of("username", USER, "password", "wrong", "ca.crt", CA.certificatePem()));

    Measurement m = measureOnce();

    assertThat(m).isInstanceOf(Measurement.Failed.class);
    assertThat(((Measurement.Failed) m).why()).contains("HTTP 401").doesNotContain("wrong");
  }

  @Test
  void withoutTheCaTheTlsHandshakeFails() {
    secret(Map.of("username", USER, "password", PASSWORD));

    Measurement m = measureOnce();

    assertThat(m).isInstanceOf(Measurement.Failed.class);
    assertThat(((Measurement.Failed) m).why()).contains("unreachable").contains("TLS");
  }

  @Test
  void aMissingSecretFailsTheRoundNamingIt() {
    assertThat(measureOnce()).isEqualTo(
        new Measurement.Failed("auth Secret prometheus-auth not found in namespace " + ns));
  }

  @Test
  void aUsernameWithoutAPasswordFailsTheRoundSayingSo() {
    secret(Map.of("username", USER));

    assertThat(measureOnce()).isEqualTo(
        new Measurement.Failed("auth Secret prometheus-auth has username without password"));
  }

  @Test
  void aSecretWithoutTheOptInLabelRefusesTheRoundBeforeAnythingIsSent() {
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prometheus-auth")
        .endMetadata().withStringData(Map.of("username", USER, "password", PASSWORD)).build()).create();

    Measurements answers = measurer.measure(change(), new MeasurementRequest(MeasurementRequest.Kind.STEP,
        Map.of("answer", "vector(42)"), Optional.empty(), Duration.ZERO), Instant.now());

    assertThat(answers.byMetric()).isEmpty();
    assertThat(answers.refused()).hasValueSatisfying(why -> assertThat(why)
        .contains("does not carry the label flagramp.io/prometheus-credentials=true").doesNotContain(PASSWORD));
  }

  @Test
  void aServiceAccountTokenIsNeverSent() {
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("prometheus-auth")
        .addToLabels(OptIn.PROMETHEUS_CREDENTIALS, OptIn.VALUE)
        .addToAnnotations("kubernetes.io/service-account.name", "default").endMetadata()
        .withType("kubernetes.io/service-account-token").build()).create();

    Measurements answers = measurer.measure(change(), MeasurementRequest.check(), Instant.now());

    assertThat(answers.refused()).hasValueSatisfying(why -> assertThat(why).contains("is a service-account token"));
  }

  @Test
  void aTokenFromTheSecretBecomesTheBearerCredential() {
    secret(Map.of("token", "abc.def\n"));

    assertThat(measurer.endpoint(change()).auth().bearerToken()).contains("abc.def");
    assertThat(measurer.endpoint(change()).timeout()).isEqualTo(Duration.ofSeconds(3));
  }
}
