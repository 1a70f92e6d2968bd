package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the client decides before it sends anything; the rest is in the *IT classes beside this one. */
class PrometheusClientTest {

  private static final String WHERE = "Prometheus at http://prometheus:9090";
  private static final String MARKER = "body-marker-7f3a9c";

  private final PrometheusClient client = new PrometheusClient();

  @Test
  void anAddressThatIsNotAnHttpUrlIsUnreachableAndItsUserInfoIsNotShown() {
    Query query = new Query(new PrometheusEndpoint("htp://admin:hunter2@prometheus:9090", Duration.ofSeconds(1),
        PrometheusEndpoint.Auth.NONE), "up", Instant.EPOCH, Duration.ZERO);

    assertThatThrownBy(() -> client.query(query))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus address htp://prometheus:9090 is not an http(s) URL");
  }

  @Test
  void anUnusableCaIsUnreachableWithoutQuotingThePem() {
    String pem = "-----BEGIN CERTIFICATE-----\nTUFSS0VSLWNhLXBlbS0xMjM0\n-----END CERTIFICATE-----\n";
    Query query = new Query(new PrometheusEndpoint("https://prometheus:9090", Duration.ofSeconds(1),
        new PrometheusEndpoint.Auth(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(pem))), "up",
        Instant.EPOCH, Duration.ZERO);

    assertThatThrownBy(() -> client.query(query))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessage("Prometheus at https://prometheus:9090 unreachable: TLS failure: the CA certificate (ca.crt) "
            + "holds no usable certificate")
        .hasNoCause();
  }

  @Test
  void anExceptionWhoseMessageMayQuoteTheServerIsNamedByItsTypeOnly() {
    // What OkHttp throws on a reply that is not HTTP: the status line, or the hex of a line never ended.
    List<IOException> quoting = List.of(new ProtocolException("Unexpected status line: SSH-2.0-" + MARKER),
        new EOFException("\\n not found: limit=0 content=" + MARKER + "…"),
        new IOException("unexpected end of stream on " + MARKER, new EOFException(MARKER)));

    assertThat(quoting).allSatisfy(e -> assertThat(PrometheusClient.unreachable(WHERE, Duration.ofSeconds(1), e))
        .hasMessage(WHERE + " unreachable: no HTTP answer (" + e.getClass().getSimpleName() + ")")
        .hasNoCause());
  }

  @Test
  void theOperatingSystemsWordsOnAConnectionAreKept() {
    assertThat(PrometheusClient.unreachable(WHERE, Duration.ofSeconds(1), new SocketException("Connection reset")))
        .hasMessage(WHERE + " unreachable: connection failed (Connection reset)")
        .hasCauseInstanceOf(SocketException.class);
    assertThat(PrometheusClient.unreachable(WHERE, Duration.ofSeconds(1),
            new ConnectException("Failed to connect to /10.0.0.1:9090")))
        .hasMessage(WHERE + " unreachable: cannot connect (Failed to connect to /10.0.0.1:9090)");
    assertThat(PrometheusClient.unreachable(WHERE, Duration.ofMillis(2500), new SocketTimeoutException("timeout")))
        .hasMessage(WHERE + " unreachable: timed out after 2s500ms");
  }

  @Test
  void theEvaluationTimeIsUnixSecondsWithMilliseconds() {
    assertThat(PrometheusClient.evaluationTime(at("2026-03-02T10:00:00Z"))).isEqualTo("1772445600.000");
    assertThat(PrometheusClient.evaluationTime(at("2026-03-02T10:00:00.042999Z"))).isEqualTo("1772445600.042");
    assertThat(PrometheusClient.evaluationTime(at("1969-12-31T23:59:59.5Z"))).isEqualTo("-0.500");
  }

  private static Query at(String instant) {
    return new Query(new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(1),
        PrometheusEndpoint.Auth.NONE), "up", Instant.parse(instant), Duration.ZERO);
  }
}
