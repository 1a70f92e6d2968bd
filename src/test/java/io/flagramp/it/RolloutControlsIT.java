package io.flagramp.it;

import static io.flagramp.it.OperatorHarness.change;
import static io.flagramp.it.OperatorHarness.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.flagramp.api.v1alpha1.AllowedWindow;
import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.Approval;
import io.flagramp.api.v1alpha1.DeployWindows;
import io.flagramp.api.v1alpha1.HistoryEntry;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.metrics.MetricsSource;
import io.flagramp.operator.OperatorSettings;
import io.flagramp.testbed.KubeApiServerExtension;
import io.flagramp.testbed.KubeTestCluster;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Approval, promote and deploy windows against the real API server, acted on with kubectl. */
@ExtendWith(KubeApiServerExtension.class)
class RolloutControlsIT {

  private static final Logger log = LoggerFactory.getLogger(RolloutControlsIT.class);
  private static final String PCT = "USE_REDIS_PERCENTAGE";

  @Test
  void aManualStepWaitsForKubectlAnnotateWhichEntersExactlyOneStepAndRecordsTheApprover(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("approval");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1s"), step(50, "1s"), step(100, "1s"));
      sc.getSpec().getSteps().get(1).setApproval(Approval.Manual);
      sc.getSpec().getSteps().get(2).setApproval(Approval.Manual);
      harness.changes().resource(sc).create();

      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.AwaitingApproval);
      assertThat(harness.configMapData(ns, "app-features")).containsEntry(PCT, "10");
      assertThat(harness.condition(ns, "use-redis", "Ready")).hasValueSatisfying(c ->
          assertThat(c.getReason()).isEqualTo("AwaitingApproval"));
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "use-redis")).anyMatch(e -> "AwaitingApproval".equals(e.getReason())
          && e.getMessage().contains("kubectl annotate scalingchange use-redis flagramp.io/approve=<a new value>")));

      assertThat(cluster.kubectl("annotate", "-n", ns, "scalingchange/use-redis", "flagramp.io/approve=first")
          .exitCode()).isZero();
      await().atMost(Duration.ofSeconds(30)).until(() -> "50".equals(harness.configMapData(ns, "app-features")
          .get(PCT)) && harness.phase(ns, "use-redis") == Phase.AwaitingApproval);

      HistoryEntry fifty = row(harness, ns, 50);
      assertThat(fifty.getApproval().getValue()).isEqualTo("first");
      assertThat(fifty.getApproval().getBy()).as("from managedFields").isEqualTo("kubectl-annotate");
      assertThat(harness.get(ns, "use-redis").getStatus().getLastHandled().getApprove()).isEqualTo("first");

      cluster.kubectl("annotate", "-n", ns, "scalingchange/use-redis", "--overwrite", "flagramp.io/abort=not now");
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.rolledBackAndRestored(ns, "use-redis"));
      assertThat(harness.configMapData(ns, "app-features")).doesNotContainKey(PCT).containsEntry("USE_REDIS", "false");
    }
  }

  @Test
  void promoteEndsTheSoakButAFailingMetricStillBlocksTheNextStep(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("promote");
    AtomicBoolean failing = new AtomicBoolean(true);
    MetricsSource metrics = q -> failing.get() ? 0.5 : 0.001;
    OperatorSettings settings = OperatorSettings.from(Map.of("FLAGRAMP_RESYNC_INTERVAL", "2s",
        "FLAGRAMP_PENDING_RETRY_INTERVAL", "1s", "FLAGRAMP_INSTANCE", "it",
        "FLAGRAMP_PROMETHEUS_ALLOWLIST", OperatorHarness.TEST_PROMETHEUS));
    try (OperatorHarness harness = OperatorHarness.start(cluster, settings, metrics, UnaryOperator.identity())) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      ScalingChange sc = change(ns, "use-redis", step(10, "1h"), step(100, "1s"));
      sc.getSpec().setAnalysis(analysis());
      harness.changes().resource(sc).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> "10".equals(harness.configMapData(ns, "app-features")
          .get(PCT)));

      cluster.kubectl("annotate", "-n", ns, "scalingchange/use-redis", "flagramp.io/promote=skip-the-hour");
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.get(ns, "use-redis").getStatus().getReason()
          == Reason.AwaitingAnalysis);
      await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() ->
          "10".equals(harness.configMapData(ns, "app-features").get(PCT)));
      assertThat(harness.get(ns, "use-redis").getStatus().getPromotion().getBy()).isEqualTo("kubectl-annotate");

      Instant healthy = Instant.now();
      failing.set(false);
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.phase(ns, "use-redis") == Phase.Succeeded);
      HistoryEntry ten = row(harness, ns, 10);
      assertThat(ten.getPromotion().getValue()).isEqualTo("skip-the-hour");
      assertThat(Duration.between(Instant.parse(ten.getStartedAt()), Instant.parse(ten.getEndedAt())))
          .isLessThan(Duration.ofMinutes(1));
      log.info("promote: the next step came {} ms after the metric turned healthy (analysis interval 1s)",
          Duration.between(healthy, Instant.parse(row(harness, ns, 100).getStartedAt())).toMillis());
    }
  }

  @Test
  void aStepDueOutsideTheWindowWaitsForItsOpeningAndAnAbortOutsideItRestoresAtOnce(KubeTestCluster cluster) {
    String ns = cluster.createNamespace("windows");
    try (OperatorHarness harness = OperatorHarness.start(cluster)) {
      harness.createConfigMap(ns, "app-features", Map.of("USE_REDIS", "false"));
      harness.createConfigMap(ns, "other-features", Map.of("USE_REDIS", "false"));
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      ZonedDateTime opening = now.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
      if (Duration.between(now, opening).toSeconds() < 10) {
        opening = opening.plusMinutes(1);  // time enough to see it wait
      }
      // "waits": closed now, open from the next minute for two minutes.
      ScalingChange waits = change(ns, "waits", step(10, "1s"), step(100, "1s"));
      waits.getSpec().setWindows(window(opening, opening.plusMinutes(2)));
      // "aborted": open now and closing at that minute; its second step falls due after it closed.
      ScalingChange aborted = change(ns, "aborted", step(10, (Duration.between(now, opening).toSeconds() + 3) + "s"),
          step(100, "1s"));
      aborted.getSpec().getFlag().setConfigMapName("other-features");
      aborted.getSpec().setWindows(window(now.truncatedTo(ChronoUnit.MINUTES), opening));
      harness.changes().resource(waits).create();
      harness.changes().resource(aborted).create();

      await().atMost(Duration.ofSeconds(10)).until(() -> harness.get(ns, "waits").getStatus() != null
          && harness.get(ns, "waits").getStatus().getReason() == Reason.OutsideWindow);
      ScalingChange waiting = harness.get(ns, "waits");
      assertThat(waiting.getStatus().getPhase()).isEqualTo(Phase.Pending);
      assertThat(Instant.parse(waiting.getStatus().getNextStepAt())).isEqualTo(opening.toInstant());
      assertThat(harness.configMapData(ns, "app-features")).doesNotContainKey(PCT);

      await().atMost(Duration.ofSeconds(90)).until(() -> harness.get(ns, "aborted").getStatus().getReason()
          == Reason.OutsideWindow && harness.get(ns, "aborted").getStatus().getPhase() == Phase.Progressing);
      Instant abortAt = Instant.now();
      cluster.kubectl("annotate", "-n", ns, "scalingchange/aborted", "flagramp.io/abort=outside the window");
      await().atMost(Duration.ofSeconds(10)).until(() -> harness.rolledBackAndRestored(ns, "aborted"));
      long restoreMs = Duration.between(abortAt, Instant.now()).toMillis();
      assertThat(harness.configMapData(ns, "other-features")).doesNotContainKey(PCT);

      await().atMost(Duration.ofSeconds(90)).until(() -> harness.phase(ns, "waits") == Phase.Succeeded);
      Instant entered = Instant.parse(row(harness, ns, "waits", 10).getStartedAt());
      assertThat(entered).isAfterOrEqualTo(opening.toInstant()).isBefore(opening.toInstant().plusSeconds(5));
      log.info("windows: the first step was entered {} ms after the window opened; an abort outside the window"
          + " restored within {} ms", Duration.between(opening.toInstant(), entered).toMillis(), restoreMs);
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(harness.events(ns, "waits")).anyMatch(e -> "OutsideWindow".equals(e.getReason()) && e.getMessage().contains("waiting until")));
    }
  }

  private static DeployWindows window(ZonedDateTime from, ZonedDateTime to) {
    DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
    String end = to.toLocalDate().isAfter(from.toLocalDate()) && to.toLocalTime().equals(java.time.LocalTime.MIDNIGHT)
        ? "24:00" : hhmm.format(to);
    return new DeployWindows("UTC", List.of(new AllowedWindow(null, hhmm.format(from), end)), null);
  }

  private static Analysis analysis() {
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress("http://prometheus.invalid:9090");  // the test's MetricsSource answers instead
    analysis.setPrometheus(source);
    analysis.setInterval("1s");
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    errors.setFailureLimit(1000);
    analysis.setMetrics(List.of(errors));
    return analysis;
  }

  private static HistoryEntry row(OperatorHarness harness, String ns, int weight) {
    return row(harness, ns, "use-redis", weight);
  }

  private static HistoryEntry row(OperatorHarness harness, String ns, String name, int weight) {
    return harness.get(ns, name).getStatus().getHistory().stream().filter(h -> h.getWeight() == weight)
        .reduce((a, b) -> b).orElseThrow();
  }
}
