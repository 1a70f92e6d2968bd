package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What the client decides before it sends anything; the rest is in the *IT classes beside this one. */
class PrometheusClientTest {

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
