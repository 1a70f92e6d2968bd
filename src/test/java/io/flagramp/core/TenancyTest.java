package io.flagramp.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flagramp.api.v1alpha1.Analysis;
import io.flagramp.api.v1alpha1.MetricCheck;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.PrometheusSource;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.SecretReference;
import io.flagramp.demo.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a ScalingChange author can make the operator do: only what the owners of what it touches agreed to. */
class TenancyTest {

  static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  static final PlannerSettings SETTINGS = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20, true);
  static final String PCT = "USE_REDIS_PERCENTAGE";

  static Simulation sim(PlannerSettings settings, ScalingChange change) {
    Simulation sim = new Simulation(settings, change, T0);
    sim.externalWrite("USE_REDIS", "false", "kubectl-client-side-apply");
    return sim;
  }

  static ScalingChange twoSteps() {
    return Changes.change("use-redis").step(10, "1m").step(100, null).build();
  }

  @Test
  void aConfigMapWithoutTheOptInLabelIsNeverWrittenAndTheMessageNamesTheLabel() {
    Simulation sim = sim(SETTINGS, twoSteps());
    sim.api.configMap("app-features").orElseThrow().labels.clear();

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(plan.status().getReason()).isEqualTo(Reason.ConfigMapNotOptedIn);
    assertThat(plan.status().getLastDecision()).contains("does not carry the label flagramp.io/flags=true")
        .contains("kubectl label configmap app-features flagramp.io/flags=true");
    assertThat(plan.write()).isEmpty();
    assertThat(plan.requeueAfter()).as("looked at again, since the fix is outside the spec")
        .contains(Duration.ofSeconds(15));
    assertThat(sim.flagWrites()).isZero();

    sim.api.configMap("app-features").orElseThrow().labels.put(OptIn.FLAGS, OptIn.VALUE);
    sim.advance(Duration.ofSeconds(15));
    sim.reconcile();
    assertThat(sim.configMap()).containsEntry(PCT, "10");
  }

  @Test
  void withTheOptInCheckOffAnyConfigMapOfTheNamespaceIsWritten() {
    PlannerSettings off = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20, Optional.empty(),
        AddressAllowlist.any(), false);
    Simulation sim = sim(off, twoSteps());
    sim.api.configMap("app-features").orElseThrow().labels.clear();

    sim.runUntilQuiet(10);

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void anOptInLabelTakenAwayMidRolloutHoldsTheNextStepButNotARestore() {
    Simulation sim = sim(SETTINGS, twoSteps());
    sim.runUntilStep(0);
    sim.api.configMap("app-features").orElseThrow().labels.clear();
    sim.advance(Duration.ofMinutes(1));

    Plan held = sim.reconcile();

    assertThat(held.status().getPhase()).isEqualTo(Phase.Held);
    assertThat(held.status().getReason()).isEqualTo(Reason.ConfigMapNotOptedIn);
    assertThat(sim.configMap()).containsEntry(PCT, "10");
    sim.annotate(Annotations.ABORT, "give it back");
    sim.runUntilQuiet(10);
    assertThat(sim.configMap()).isEqualTo(Map.of("USE_REDIS", "false"));
  }

  @Test
  void anImmutableConfigMapStallsTheChangeWithAClearReasonInsteadOfRetryingAWrite() {
    Simulation sim = sim(SETTINGS, twoSteps());
    sim.api.configMap("app-features").orElseThrow().immutable = true;

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(plan.status().getReason()).isEqualTo(Reason.ConfigMapImmutable);
    assertThat(plan.status().getLastDecision()).startsWith("ConfigMap app-features is immutable");
    assertThat(plan.write()).isEmpty();
  }

  @Test
  void credentialsTheOperatorMayNotUseHoldTheChangeBeforeAnyWriteAndNothingIsAsked() {
    ScalingChange change = twoSteps();
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAuthSecretRef(new SecretReference("prometheus-auth"));
    analysis.setPrometheus(source);
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    change.getSpec().setAnalysis(analysis);
    Simulation sim = sim(SETTINGS, change);
    sim.metrics = (name, promql) -> new Measurement.Value(0.001);
    sim.refuse = "auth Secret prometheus-auth does not carry the label flagramp.io/prometheus-credentials=true";

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(plan.status().getReason()).isEqualTo(Reason.SecretNotOptedIn);
    assertThat(plan.status().getLastDecision()).contains("flagramp.io/prometheus-credentials=true");
    assertThat(sim.flagWrites()).isZero();
    assertThat(sim.queries).isZero();

    sim.refuse = null;
    sim.advance(Duration.ofSeconds(15));
    sim.reconcile();
    assertThat(sim.configMap()).containsEntry(PCT, "10");
  }

  @Test
  void anAddressOutsideTheAllowlistIsInvalidNamingTheField() {
    PlannerSettings allowlisted = new PlannerSettings(Duration.ofSeconds(60), Duration.ofSeconds(15), 20,
        Optional.of("http://prometheus.monitoring.svc:9090"), AddressAllowlist.parse("*.monitoring.svc"), true);
    ScalingChange change = twoSteps();
    Analysis analysis = new Analysis();
    PrometheusSource source = new PrometheusSource();
    source.setAddress("http://169.254.169.254/latest/meta-data");
    analysis.setPrometheus(source);
    MetricCheck errors = new MetricCheck("error-rate", "errors");
    errors.setMax(0.01);
    analysis.setMetrics(new ArrayList<>(List.of(errors)));
    change.getSpec().setAnalysis(analysis);
    Simulation sim = sim(allowlisted, change);

    Plan plan = sim.reconcile();

    assertThat(plan.status().getPhase()).isEqualTo(Phase.Invalid);
    assertThat(plan.status().getLastDecision()).startsWith("invalid spec: spec.analysis.prometheus.address:"
        + " \"http://169.254.169.254/latest/meta-data\" is not among the addresses the operator may query, and is a"
        + " loopback or link-local address, which only an entry naming that host itself allows");
    assertThat(plan.status().getLastDecision()).as("says how to allow it")
        .contains("add it to FLAGRAMP_PROMETHEUS_ALLOWLIST (Helm value prometheus.allowlist)");
    assertThat(sim.queries).isZero();
  }

  @Test
  void aHugeAbortReasonIsActedOnOnceAndKeptShort() {
    Simulation sim = sim(SETTINGS, twoSteps());
    sim.runUntilStep(0);
    String reason = "x".repeat(100_000);
    sim.annotate(Annotations.ABORT, reason);

    sim.runUntilQuiet(10);
    Plan again = sim.reconcile();

    assertThat(sim.change.getStatus().getPhase()).isEqualTo(Phase.RolledBack);
    assertThat(sim.change.getStatus().getLastHandled().getAbort()).startsWith("sha256:").hasSizeLessThan(80);
    assertThat(sim.change.getStatus().getLastDecision()).hasSizeLessThanOrEqualTo(4096);
    assertThat(again.notice()).as("not acted on again").isEmpty();
  }
}
