package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.testbed.PrometheusServer;
import io.flagramp.testbed.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus serving https ({@code tls_server_config} in its web config) with a certificate
 * from a private CA, which the client trusts only when the auth Secret's {@code ca.crt} holds it.
 */
class PrometheusTlsIT {

  private static final TestCertificates.Issued CA = TestCertificates.authority("flagramp test CA");
  private static final TestCertificates.Issued OTHER_CA = TestCertificates.authority("some other CA");

  @TempDir
  static Path certificates;

  private static PrometheusServer prometheus;

  private final PrometheusClient client = new PrometheusClient();

  @BeforeAll
  static void startPrometheusOnHttps() throws IOException {
    TestCertificates.Issued server = TestCertificates.loopbackServer(CA);
    Path cert = Files.writeString(certificates.resolve("server.crt"), server.certificatePem());
    Path key = Files.writeString(certificates.resolve("server.key"), server.privateKeyPem());
    String webConfig = """
        tls_server_config:
          cert_file: %s
          key_file: %s
        """.formatted(cert, key);
    prometheus = PrometheusServer.prepare(List.of(), "", PrometheusServer.Web.PLAIN
        .withWebConfig(webConfig, Optional.of(TestCertificates.trusting(CA)), Optional.empty())).start();
  }

  @AfterAll
  static void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @Test
  void httpsWithTheCaFromTheSecretReadsAValue() throws QueryFailure {
    assertThat(prometheus.baseUrl()).startsWith("https://127.0.0.1:");
    // A ca.crt may hold several certificates; the one that signed the server is the second here.
    String caBundle = OTHER_CA.certificatePem() + CA.certificatePem();

    assertThat(client.query(query(prometheus.baseUrl(), Optional.of(caBundle)))).isEqualTo(7);
  }

  @Test
  void httpsWithoutTheCaIsUnreachableForATlsFailure() {
    assertThatThrownBy(() -> client.query(query(prometheus.baseUrl(), Optional.empty())))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus at " + prometheus.baseUrl()
            + " unreachable: TLS failure: its certificate is not signed by a trusted CA");
  }

  @Test
  void httpsWithAnotherCaIsUnreachableForATlsFailure() {
    assertThatThrownBy(() -> client.query(query(prometheus.baseUrl(), Optional.of(OTHER_CA.certificatePem()))))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessageContaining("unreachable: TLS failure");
  }

  @Test
  void plainHttpToTheHttpsPortIsTheHttpError400PrometheusAnswersWithoutItsText() {
    String plain = prometheus.baseUrl().replaceFirst("^https:", "http:");

    // Go's "Client sent an HTTP request to an HTTPS server." is a body like any other: not quoted.
    assertThatThrownBy(() -> client.query(query(plain, Optional.of(CA.certificatePem()))))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(400))
        .hasMessageStartingWith("HTTP 400 from Prometheus at " + plain + " (")
        .hasMessageEndingWith("): not a Prometheus API answer")
        .message().doesNotContain("HTTPS server");
  }

  @Test
  void anUnreadableCaIsUnreachableForATlsFailure() {
    assertThatThrownBy(() -> client.query(query(prometheus.baseUrl(), Optional.of("not PEM at all"))))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessageStartingWith("Prometheus at " + prometheus.baseUrl() + " unreachable: TLS failure: the CA");
  }

  private static Query query(String address, Optional<String> caPem) {
    PrometheusEndpoint.Auth auth = new PrometheusEndpoint.Auth(Optional.empty(), Optional.empty(), Optional.empty(),
        caPem);
    return new Query(new PrometheusEndpoint(address, Duration.ofSeconds(5), auth), "vector(7)", Instant.now(),
        Duration.ZERO);
  }
}
