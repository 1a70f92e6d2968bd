package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flagramp.testbed.TestCertificates;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class EndpointClientsTest {

  private static final TestCertificates.Issued CA = TestCertificates.authority("flagramp test CA");
  private static final TestCertificates.Issued OTHER_CA = TestCertificates.authority("another CA");

  private final OkHttpClient base = new OkHttpClient();
  private final EndpointClients clients = new EndpointClients(base);

  @Test
  void theSameTimeoutAndCaGetTheSameClientSharingTheBaseConnectionPool() throws GeneralSecurityException {
    OkHttpClient first = clients.clientFor(Duration.ofSeconds(2), Optional.of(CA.certificatePem()));
    OkHttpClient again = clients.clientFor(Duration.ofSeconds(2), Optional.of(new String(CA.certificatePem())));

    assertThat(again).isSameAs(first);
    assertThat(first.connectionPool()).isSameAs(base.connectionPool());
    assertThat(first.dispatcher()).isSameAs(base.dispatcher());
  }

  @Test
  void everyPhaseAndTheWholeCallAreBoundedByTheTimeout() throws GeneralSecurityException {
    OkHttpClient client = clients.clientFor(Duration.ofMillis(1500), Optional.empty());

    assertThat(client.callTimeoutMillis()).isEqualTo(1500);
    assertThat(client.connectTimeoutMillis()).isEqualTo(1500);
    assertThat(client.readTimeoutMillis()).isEqualTo(1500);
    assertThat(client.writeTimeoutMillis()).isEqualTo(1500);
  }

  @Test
  void noClientFollowsRedirectsEvenWhenTheBaseDoes() throws GeneralSecurityException {
    EndpointClients following = new EndpointClients(
        new OkHttpClient.Builder().followRedirects(true).followSslRedirects(true).build());

    for (OkHttpClient client : List.of(following.clientFor(Duration.ofSeconds(2), Optional.empty()),
        following.clientFor(Duration.ofSeconds(2), Optional.of(CA.certificatePem())))) {
      assertThat(client.followRedirects()).isFalse();
      assertThat(client.followSslRedirects()).isFalse();
    }
  }

  @Test
  void anotherTimeoutOrCaGetsAnotherClient() throws GeneralSecurityException {
    OkHttpClient plain = clients.clientFor(Duration.ofSeconds(2), Optional.empty());

    assertThat(clients.clientFor(Duration.ofSeconds(3), Optional.empty())).isNotSameAs(plain);
    assertThat(clients.clientFor(Duration.ofSeconds(2), Optional.of(CA.certificatePem()))).isNotSameAs(plain)
        .isNotSameAs(clients.clientFor(Duration.ofSeconds(2), Optional.of(OTHER_CA.certificatePem())));
    assertThat(clients.size()).isEqualTo(4);
  }

  @Test
  void aCustomCaIsTheOnlyTrustAndEveryCertificateOfThePemCounts() throws GeneralSecurityException {
    String bundle = "# two CAs, as a Secret's ca.crt may hold them\n" + CA.certificatePem() + "\n"
        + OTHER_CA.certificatePem();

    OkHttpClient client = clients.clientFor(Duration.ofSeconds(2), Optional.of(bundle));

    assertThat(client.x509TrustManager().getAcceptedIssuers())
        .extracting(X509Certificate::getSubjectX500Principal)
        .containsExactlyInAnyOrder(CA.certificate().getSubjectX500Principal(),
            OTHER_CA.certificate().getSubjectX500Principal());
  }

  @Test
  void aPemWithoutACertificateIsRefusedAndNotKept() {
    assertThatThrownBy(() -> clients.clientFor(Duration.ofSeconds(2), Optional.of("not a certificate")))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> clients.clientFor(Duration.ofSeconds(2),
            Optional.of("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")))
        .isInstanceOf(GeneralSecurityException.class);
    assertThat(clients.size()).isZero();
  }

  @Test
  void aZeroTimeoutIsRefusedSinceOkHttpWouldReadItAsNone() {
    assertThatThrownBy(() -> clients.clientFor(Duration.ZERO, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keepsAtMostABoundedNumberOfClients() throws GeneralSecurityException {
    for (int i = 1; i <= EndpointClients.MAX_CLIENTS + 10; i++) {
      clients.clientFor(Duration.ofMillis(i), Optional.empty());
    }

    assertThat(clients.size()).isEqualTo(EndpointClients.MAX_CLIENTS);
  }
}
