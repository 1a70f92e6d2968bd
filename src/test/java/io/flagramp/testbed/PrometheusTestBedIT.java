package io.flagramp.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.core.metrics.Gauge;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real Prometheus answers PromQL over both live-scraped and backfilled data. */
@ExtendWith(PrometheusExtension.class)
class PrometheusTestBedIT {

  @Test
  void answersPromqlOverSeriesScrapedLiveFromThisJvm(TestPrometheus prometheus) {
    Gauge gauge = Gauge.builder().name("testbed_live_value").help("set by the test")
        .labelNames("case").register(prometheus.registry());
    gauge.labelValues("live").set(42.5);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(prometheus.server().instantQuery("testbed_live_value{case=\"live\"}", Instant.now()))
            .containsExactly(42.5));

    gauge.labelValues("live").set(7);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(prometheus.server().instantQuery("testbed_live_value{case=\"live\"} * 2", Instant.now()))
            .containsExactly(14.0));
  }

  @Test
  void answersPromqlOverBackfilledHistoryAtAnExplicitEvaluationTime(TestPrometheus prometheus) {
    BackfilledHistory history = prometheus.history();
    PrometheusServer server = prometheus.server();

    assertThat(server.instantQuery("testbed_history_value", history.at(10))).containsExactly(10.0);
    assertThat(server.instantQuery("testbed_history_value", history.at(200))).containsExactly(200.0);
    assertThat(server.instantQuery("max_over_time(testbed_history_value[5m])", history.at(100)))
        .containsExactly(100.0);
    assertThat(server.instantQuery("sum(rate(testbed_history_requests_total[1m]))", history.at(60)))
        .singleElement().satisfies(v -> assertThat(v).isCloseTo(2.0, within(1e-9)));
    assertThat(server.instantQuery("testbed_history_value", history.anchor().minus(Duration.ofHours(1))))
        .as("nothing was written before the anchor").isEmpty();
  }
}
