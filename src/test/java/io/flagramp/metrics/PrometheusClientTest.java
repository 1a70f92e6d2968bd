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
import okhttp3.HttpUrl;
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
  void withoutATenantTheUrlIsTheAddressTheQueryAndTheTimeAsWritten() {
    HttpUrl url = PrometheusClient.url(HttpUrl.get("http://thanos:10902/prefix?dedup=true&namespace=b"),
        tenantQuery(Optional.empty()));

    assertThat(url.encodedPath()).isEqualTo("/prefix/api/v1/query");
    assertThat(url.encodedQuery()).isEqualTo("dedup=true&namespace=b&query=up&time=1772445600.000");
  }

  @Test
  void aTenantAddsItsLabelAsTheOneValueOfThatParameterKeepingTheAddressOthers() {
    HttpUrl url = PrometheusClient.url(HttpUrl.get("http://prom-label-proxy:8080/prefix?dedup=true"),
        tenantQuery(Optional.of(new PrometheusEndpoint.Tenant("namespace", "team-a"))));

    assertThat(url.encodedPath()).isEqualTo("/prefix/api/v1/query");
    assertThat(url.encodedQuery()).isEqualTo("dedup=true&query=up&time=1772445600.000&namespace=team-a");
  }

  @Test
  void aTenantParameterInTheAddressIsDroppedHoweverItIsSpelt() {
    PrometheusEndpoint.Tenant teamA = new PrometheusEndpoint.Tenant("namespace", "team-a");
    // prom-label-proxy scopes a query to every value of the parameter, each decoded as Go's url.ParseQuery does.
    List<String> spellings = List.of("namespace=team-b", "namespace=team-b&namespace=team-c", "namesp%61ce=team-b",
        "%6E%61%6D%65%73%70%61%63%65=team-b", "namespace", "namespace=", "x=1&namespace=team-b#namespace=team-c");

    assertThat(spellings).allSatisfy(spelling -> {
      HttpUrl url = PrometheusClient.url(HttpUrl.get("http://prom-label-proxy:8080/?" + spelling),
          tenantQuery(Optional.of(teamA)));
      assertThat(url.queryParameterValues("namespace")).as(spelling).containsExactly("team-a");
      assertThat(url.encodedQuery()).as(spelling).doesNotContain("team-b").doesNotContain("team-c")
          .doesNotContainIgnoringCase("namesp%");
    });
  }

  @Test
  void aSemicolonOrAmpersandInAnotherParameterOfTheAddressStaysInsideItsValue() {
    HttpUrl url = PrometheusClient.url(HttpUrl.get("http://prom-label-proxy:8080/?x=1;namespace=team-b"),
        tenantQuery(Optional.of(new PrometheusEndpoint.Tenant("namespace", "team-a"))));

    // Go reads ';' as no separator, and refuses the whole form with one; encoded, it is part of x's value.
    assertThat(url.encodedQuery()).isEqualTo("x=1%3Bnamespace%3Dteam-b&query=up&time=1772445600.000"
        + "&namespace=team-a");
  }

  private static Query tenantQuery(Optional<PrometheusEndpoint.Tenant> tenant) {
    return new Query(new PrometheusEndpoint("http://unused", Duration.ofSeconds(1), PrometheusEndpoint.Auth.NONE,
        tenant), "up", Instant.parse("2026-03-02T10:00:00Z"), Duration.ZERO);
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
