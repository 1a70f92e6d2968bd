package io.flagramp.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flagramp.testbed.PrometheusExtension;
import io.flagramp.testbed.TestPrometheus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Sharing, counted by the real Prometheus itself in the requests it served. */
@ExtendWith(PrometheusExtension.class)
class SharedQueriesIT {

  private static final Pattern QUERY_REQUESTS = Pattern.compile(
      "(?m)^prometheus_http_requests_total\\{[^}]*handler=\"/api/v1/query\"[^}]*} (\\S+)$");

  @Test
  void scalingChangesAskingTheSameQueryWithinTheIntervalCostPrometheusOneRequest(TestPrometheus prometheus)
      throws Exception {
    SharedQueries shared = new SharedQueries(new PrometheusClient());
    PrometheusEndpoint endpoint = new PrometheusEndpoint(prometheus.baseUrl(), Duration.ofSeconds(5),
        PrometheusEndpoint.Auth.NONE);
    Instant at = prometheus.history().at(100);
    double before = queryRequests(prometheus);

    ExecutorService changes = Executors.newFixedThreadPool(5);
    try {
      List<Future<Double>> answers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        answers.add(changes.submit(() -> shared.query(
            new Query(endpoint, "testbed_history_value", at, Duration.ofMinutes(1)))));
      }
      for (Future<Double> answer : answers) {
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(100);
      }
    } finally {
      changes.shutdownNow();
    }
    assertThat(shared.query(new Query(endpoint, "testbed_history_value", at.plusSeconds(59), Duration.ofMinutes(1))))
        .as("a minute has not passed: the shared value from sample 100").isEqualTo(100);
    // Prometheus counts a request after answering it, so watch the count settle rather than read it once.
    await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300))
        .until(() -> queryRequests(prometheus) == before + 1);

    assertThat(shared.query(new Query(endpoint, "testbed_history_value", at.plusSeconds(60), Duration.ofMinutes(1))))
        .as("a minute later: asked again, sample 104").isEqualTo(104);
    await().atMost(Duration.ofSeconds(10)).during(Duration.ofMillis(300))
        .until(() -> queryRequests(prometheus) == before + 2);
  }

  private static double queryRequests(TestPrometheus prometheus) {
    Matcher matcher = QUERY_REQUESTS.matcher(prometheus.server().get("/metrics"));
    double total = 0;
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return total;
  }
}
