package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.flagramp.testbed.BackfilledHistory;
import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import io.prometheus.metrics.core.metrics.Gauge;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client against the real Prometheus of the test bed: values, and every failure it can produce. */
@ExtendWith(PrometheusExtension.class)
class PrometheusClientIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final PrometheusClient client = new PrometheusClient();

  @Test
  void readsAValueScrapedLiveFromThisJvm(TestPrometheus prometheus) {
    Gauge gauge = Gauge.builder().name("flagramp_client_it_value").help("set by the test")
        .register(prometheus.registry());
    gauge.set(42.5);

    await().atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(QueryFailure.EmptyResult.class)
        .untilAsserted(() -> assertThat(client.query(now(prometheus, "flagramp_client_it_value"))).isEqualTo(42.5));

    gauge.set(-3);
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(client.query(now(prometheus, "flagramp_client_it_value * 2"))).isEqualTo(-6));
  }

  @Test
  void readsBackfilledHistoryAtTheExplicitEvaluationTime(TestPrometheus prometheus) throws QueryFailure {
    BackfilledHistory history = prometheus.history();

    assertThat(client.query(at(prometheus, "testbed_history_value", history.at(10)))).isEqualTo(10);
    assertThat(client.query(at(prometheus, "testbed_history_value", history.at(200)))).isEqualTo(200);
    assertThat(client.query(at(prometheus, "testbed_history_value", history.at(200).minusMillis(1))))
        .as("a millisecond before sample 200 the previous sample is current").isEqualTo(199);
    assertThat(client.query(at(prometheus, "sum(rate(testbed_history_requests_total[1m]))", history.at(60))))
        .isCloseTo(2.0, within(1e-9));
  }

  @Test
  void readsAScalarAndSendsTheEvaluationTimeToTheMillisecond(TestPrometheus prometheus) throws QueryFailure {
    Instant at = prometheus.history().at(10).plusMillis(123);

    // time() is a scalar: the evaluation time as Prometheus received it.
    assertThat(client.query(at(prometheus, "time()", at))).isEqualTo(at.toEpochMilli() / 1000.0);
  }

  @Test
  void badPromqlIsABadQueryWithPrometheusOwnText(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(at(prometheus, "sum(rate(testbed_history_value[5m])",
            prometheus.history().at(100))))
        .isInstanceOf(QueryFailure.BadQuery.class)
        .hasMessageStartingWith("bad PromQL: ")
        .hasMessageContaining("parse error");
  }

  @Test
  void severalSeriesAreNotASingleValueCarryingTheCount(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(at(prometheus, "testbed_history_replica_value",
            prometheus.history().at(100))))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
            f -> assertThat(f.series()).isEqualTo(BackfilledHistory.REPLICAS))
        .hasMessage("query returned 3 series, expected one");
  }

  /** An allowed query over 60,000 series, just under 8 MiB: judged at the 1,001st series, not read further. */
  @Test
  void aQueryOverTensOfThousandsOfSeriesIsNotASingleValueNamingTheLimit(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(now(prometheus, BackfilledHistory.everyOne(BackfilledHistory.WIDE, 24))))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
            f -> assertThat(f.series()).isEqualTo(PrometheusAnswer.MAX_SERIES + 1))
        .hasMessage("query returned over 1000 series, expected one (an answer is not read past 1000)");
  }

  /** As many series as are counted, and just under 8 MiB: read to its end and counted exactly. */
  @Test
  void aQueryOverAsManySeriesAsAreCountedIsReadToItsEndAndCounted(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(now(prometheus, BackfilledHistory.everyOne(BackfilledHistory.HEAVY, 24))))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class,
            f -> assertThat(f.series()).isEqualTo(BackfilledHistory.HEAVY_SERIES))
        .hasMessage("query returned 1000 series, expected one");
  }

  @Test
  void aRangeSelectorIsNotASingleValueNamingTheMatrix(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(at(prometheus, "testbed_history_value[1m]", prometheus.history().at(100))))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class, f -> assertThat(f.series()).isZero())
        .hasMessageContaining("matrix");
  }

  @Test
  void aStringIsNotASingleValueNamingTheString(TestPrometheus prometheus) {
    assertThatThrownBy(() -> client.query(at(prometheus, "\"flagramp\"", prometheus.history().at(100))))
        .isInstanceOfSatisfying(QueryFailure.NotASingleValue.class, f -> assertThat(f.series()).isZero())
        .hasMessageContaining("string");
  }

  @Test
  void anErrorRateWithoutRequestsIsZeroOverZeroAndNotANumber(TestPrometheus prometheus) {
    String idle = "sum(rate(testbed_history_idle_requests_total[1m]))";

    assertThatThrownBy(() -> client.query(at(prometheus, idle + " / " + idle, prometheus.history().at(100))))
        .isInstanceOfSatisfying(QueryFailure.NotANumber.class, f -> assertThat(f.isNoData()).isTrue())
        .hasMessage("query returned NaN");
  }

  @Test
  void dividingByZeroIsInfinityAndNotANumber(TestPrometheus prometheus) {
    String requests = "sum(rate(testbed_history_requests_total[1m]))";
    String idle = "sum(rate(testbed_history_idle_requests_total[1m]))";
    Instant at = prometheus.history().at(100);

    assertThatThrownBy(() -> client.query(at(prometheus, requests + " / " + idle, at)))
        .isInstanceOf(QueryFailure.NotANumber.class)
        .hasMessage("query returned +Inf");
    assertThatThrownBy(() -> client.query(at(prometheus, "-" + requests + " / " + idle, at)))
        .isInstanceOf(QueryFailure.NotANumber.class)
        .hasMessage("query returned -Inf");
  }

  @Test
  void noMatchingSeriesIsAnEmptyResult(TestPrometheus prometheus) {
    Instant beforeHistory = prometheus.history().anchor().minus(Duration.ofHours(1));

    assertThatThrownBy(() -> client.query(at(prometheus, "testbed_history_value", beforeHistory)))
        .isInstanceOfSatisfying(QueryFailure.EmptyResult.class, f -> assertThat(f.isNoData()).isTrue())
        .hasMessage("query returned no series");
  }

  @Test
  void aQueryPrometheusCannotExecuteIsAnHttpErrorNamingTheErrorTypeOnly(TestPrometheus prometheus) {
    // Three series on each side matched on no labels: Prometheus refuses with HTTP 422. Only bad_data
    // text is quoted from a body, so "found duplicate series for the match group" is not.
    String manyToMany = "testbed_history_replica_value + on() testbed_history_replica_value";

    assertThatThrownBy(() -> client.query(at(prometheus, manyToMany, prometheus.history().at(100))))
        .isInstanceOfSatisfying(QueryFailure.HttpError.class, f -> assertThat(f.status()).isEqualTo(422))
        .hasMessage("HTTP 422 from Prometheus at " + prometheus.baseUrl()
            + ": Prometheus could not execute the query (errorType execution)");
  }

  @Test
  void aClosedPortIsUnreachableAtOnce() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    Query query = new Query(new PrometheusEndpoint("http://127.0.0.1:" + closed, TIMEOUT,
        PrometheusEndpoint.Auth.NONE), "up", Instant.now(), Duration.ZERO);

    long started = System.nanoTime();
    assertThatThrownBy(() -> client.query(query))
        .isInstanceOf(QueryFailure.Unreachable.class)
        .hasMessageStartingWith("Prometheus at http://127.0.0.1:" + closed + " unreachable: cannot connect");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
  }

  private static Query at(TestPrometheus prometheus, String promql, Instant at) {
    return new Query(new PrometheusEndpoint(prometheus.baseUrl(), TIMEOUT, PrometheusEndpoint.Auth.NONE), promql, at,
        Duration.ZERO);
  }

  private static Query now(TestPrometheus prometheus, String promql) {
    return at(prometheus, promql, Instant.now());
  }
}
