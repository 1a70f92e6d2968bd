package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.testbed.TestCertificates;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrometheusEndpointTest {

  private static final String TOKEN = "bearer-token-5be1d0";
  private static final String USER = "basic-user-93ac2e";
  private static final String PASSWORD = "basic-password-e4f801";

  @Test
  void noCredentialIsInTheToStringOfTheEndpointOrOfAQuery() {
    String ca = TestCertificates.authority("toString CA").certificatePem();
    PrometheusEndpoint bearer = new PrometheusEndpoint("http://" + USER + ":" + PASSWORD + "@prometheus:9090/prom",
        Duration.ofSeconds(5), new PrometheusEndpoint.Auth(Optional.of(TOKEN), Optional.empty(), Optional.empty(),
            Optional.of(ca)));
    PrometheusEndpoint basic = new PrometheusEndpoint("http://prometheus:9090", Duration.ofSeconds(5),
        new PrometheusEndpoint.Auth(Optional.empty(), Optional.of(USER), Optional.of(PASSWORD), Optional.empty()));

    assertThat(bearer).hasToString(
        "PrometheusEndpoint[address=http://prometheus:9090/prom, timeout=PT5S, auth=Auth[bearer, custom CA]]");
    assertThat(basic).hasToString("PrometheusEndpoint[address=http://prometheus:9090, timeout=PT5S, auth=Auth[basic]]");
    for (PrometheusEndpoint endpoint : new PrometheusEndpoint[] {bearer, basic}) {
      String query = new Query(endpoint, "up", Instant.EPOCH, Duration.ZERO).toString();
      assertThat(query).doesNotContain(TOKEN, USER, PASSWORD, "BEGIN CERTIFICATE", ca.lines().skip(1).findFirst().get());
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://admin:hunter2@prometheus:9090/| http://prometheus:9090",
      "https://admin@prometheus:9090/prom/| https://prometheus:9090/prom",
      "htp://admin:hunter2@prometheus:9090| htp://prometheus:9090",
      "htp://admin:hun/ter@2@prometheus:9090/x| htp://prometheus:9090/x",
      "admin:hunter2@prometheus:9090| prometheus:9090",
      "http:admin:hunter2@prometheus| http://prometheus",
      "htp:admin:hunter2@prometheus| prometheus",
      "not a url at all| not a url at all"})
  void anAddressIsPrintedWithoutItsUserInfo(String address, String printed) {
    assertThat(new PrometheusEndpoint(address, Duration.ofSeconds(1), PrometheusEndpoint.Auth.NONE).printableAddress())
        .isEqualTo(printed);
  }
}
