package io.flagramp.operator;

import io.flagramp.api.v1alpha1.MetricStatus;
import io.flagramp.api.v1alpha1.Phase;
import io.flagramp.api.v1alpha1.Reason;
import io.flagramp.api.v1alpha1.ScalingChange;
import io.flagramp.api.v1alpha1.ScalingChangeStatus;
import io.flagramp.core.Plan;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics, all named {@code flagramp_*}: per change its state, weight, step and
 * each metric's last value and result, so they can be graphed without reading status; counters of
 * steps, reverts, holds, queries, failed API writes and webhook messages; reconcile and query latency. JOSDK's own
 * ({@link JosdkMetrics}) and the JVM's are in the same registry.
 */
public final class OperatorMetrics implements Reconciliation.Observer {

  private final PrometheusRegistry registry;
  private final Gauge info;
  private final Gauge weight;
  private final Gauge step;
  private final Gauge metricValue;
  private final Gauge metricResult;
  private final Gauge cohortValue;
  private final Gauge cohortSamples;
  private final Gauge cohortDifference;
  private final Counter stepsEntered;
  private final Counter reverts;
  private final Counter holds;
  private final Counter queries;
  private final Counter queryErrors;
  private final Counter writeFailures;
  private final Counter notifications;
  private final Counter notificationFailures;
  private final Histogram reconcileSeconds;
  private final Histogram querySeconds;
  /** The labels each change's series were last set with, to remove them when they change. */
  private final Map<String, Shown> shown = new ConcurrentHashMap<>();

  private record Shown(String phase, String reason, List<List<String>> metricResults, List<String> metrics,
      List<String> cohortMetrics) {}

  public OperatorMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    info = Gauge.builder().name("flagramp_change_info")
        .help("1 for each ScalingChange, labelled with its phase and reason").labelNames("namespace", "name", "phase",
            "reason").register(registry);
    weight = Gauge.builder().name("flagramp_change_weight").help("The weight the flag holds (0 when none is written)")
        .labelNames("namespace", "name").register(registry);
    step = Gauge.builder().name("flagramp_change_step").help("Steps at or below the written weight")
        .labelNames("namespace", "name").register(registry);
    metricValue = Gauge.builder().name("flagramp_metric_value").help("Each analysis metric's last measured value")
        .labelNames("namespace", "name", "metric").register(registry);
    metricResult = Gauge.builder().name("flagramp_metric_result")
        .help("1 for each analysis metric's last result (Pass, Fail, NoData, Error, Undecided)")
        .labelNames("namespace", "name", "metric", "result").register(registry);
    cohortValue = Gauge.builder().name("flagramp_cohort_value")
        .help("A cohort metric's value in each cohort this step: a rate, or the median of a continuous metric")
        .labelNames("namespace", "name", "metric", "cohort").register(registry);
    cohortSamples = Gauge.builder().name("flagramp_cohort_samples")
        .help("Requests (rates) or values (continuous metrics) counted in each cohort this step")
        .labelNames("namespace", "name", "metric", "cohort").register(registry);
    cohortDifference = Gauge.builder().name("flagramp_cohort_difference")
        .help("Flag-on against flag-off: the estimate, its interval's lower and upper ends at the stated confidence,"
            + " and the allowance; a rate's in its unit (0.001 is 0.1 points), a continuous metric's as a fraction"
            + " of flag-off (0.2 is +20%)")
        .labelNames("namespace", "name", "metric", "bound").register(registry);
    stepsEntered = Counter.builder().name("flagramp_steps_entered_total").help("Steps entered")
        .labelNames("namespace").register(registry);
    reverts = Counter.builder().name("flagramp_reverts_total").help("Reverts, by reason").labelNames("reason")
        .register(registry);
    holds = Counter.builder().name("flagramp_holds_total").help("Holds, by reason").labelNames("reason")
        .register(registry);
    queries = Counter.builder().name("flagramp_queries_total").help("Prometheus queries sent, by result")
        .labelNames("result").register(registry);
    queryErrors = Counter.builder().name("flagramp_query_errors_total").help("Failed Prometheus queries, by cause")
        .labelNames("cause").register(registry);
    writeFailures = Counter.builder().name("flagramp_api_write_failures_total")
        .help("API writes refused or failed, by kind and reason").labelNames("kind", "reason").register(registry);
    notifications = Counter.builder().name("flagramp_notifications_total")
        .help("Webhook messages, one per notified transition and receiver, by result: sent, failed, refused,"
            + " dropped").labelNames("result").register(registry);
    notificationFailures = Counter.builder().name("flagramp_notification_failures_total")
        .help("Webhook messages not delivered, by cause").labelNames("cause").register(registry);
    reconcileSeconds = Histogram.builder().name("flagramp_reconcile_duration_seconds").help("Reconcile duration")
        .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5).register(registry);
    querySeconds = Histogram.builder().name("flagramp_query_duration_seconds").help("Prometheus query duration")
        .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(registry);
    startAtZero();
  }

  /**
   * The counters of things that go wrong start at 0 for every label value they can take, so a series
   * exists before the first occurrence: a dashboard shows 0 rather than "no data", and an alert on
   * {@code increase(...) > 0} fires on the very first one.
   */
  private void startAtZero() {
    for (Reason r : Reason.values()) {
      if (r.allows(Phase.Held)) {
        holds.labelValues(r.name());
      }
      if (r.allows(Phase.RolledBack)) {
        reverts.labelValues(r.name());
      }
    }
    for (String cause : List.of("unreachable", "http_error", "bad_query", "not_a_single_value", "not_a_number",
        "empty_result", "unreadable_answer")) {
      queryErrors.labelValues(cause);
    }
    for (String kind : List.of("configmap", "status")) {
      for (String reason : List.of("WriteConflict", "StatusConflict", "Forbidden")) {
        writeFailures.labelValues(kind, reason);
      }
    }
  }

  /** The registry with the JVM's metrics added. */
  public static OperatorMetrics withJvm(PrometheusRegistry registry) {
    JvmMetrics.builder().register(registry);
    return new OperatorMetrics(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void planned(ScalingChange change, Plan plan) {
    String ns = change.getMetadata().getNamespace();
    String name = change.getMetadata().getName();
    ScalingChangeStatus s = plan.status();
    if (s == null || s.getPhase() == null) {
      return;
    }
    String key = ns + "/" + name;
    Shown before = shown.get(key);
    String reason = s.getReason() == null ? "" : s.getReason().name();
    if (before != null && (!before.phase().equals(s.getPhase().name()) || !before.reason().equals(reason))) {
      info.remove(ns, name, before.phase(), before.reason());
    }
    info.labelValues(ns, name, s.getPhase().name(), reason).set(1);
    weight.labelValues(ns, name).set(s.getCurrentWeight() == null ? 0 : s.getCurrentWeight());
    step.labelValues(ns, name).set(s.getCurrentStep() == null ? 0 : s.getCurrentStep() + 1);
    List<List<String>> results = new java.util.ArrayList<>();
    List<String> names = new java.util.ArrayList<>();
    List<String> cohorts = new java.util.ArrayList<>();
    for (MetricStatus m : s.getMetrics() == null ? List.<MetricStatus>of() : s.getMetrics()) {
      names.add(m.getName());
      if (m.getValue() != null) {
        metricValue.labelValues(ns, name, m.getName()).set(Double.parseDouble(m.getValue()));
      }
      if (m.getResult() != null) {
        results.add(List.of(m.getName(), m.getResult().name()));
        metricResult.labelValues(ns, name, m.getName(), m.getResult().name()).set(1);
      }
      if (m.getCohort() != null) {
        cohorts.add(m.getName());
        showCohort(ns, name, m.getName(), m.getCohort());
      }
    }
    if (before != null) {
      before.metricResults().stream().filter(r -> !results.contains(r))
          .forEach(r -> metricResult.remove(ns, name, r.get(0), r.get(1)));
      before.metrics().stream().filter(m -> !names.contains(m)).forEach(m -> metricValue.remove(ns, name, m));
      before.cohortMetrics().stream().filter(m -> !cohorts.contains(m)).forEach(m -> forgetCohort(ns, name, m));
    }
    shown.put(key, new Shown(s.getPhase().name(), reason, results, names, cohorts));
    plan.notice().ifPresent(n -> {
      if (n.reason().equals("StepEntered") && plan.write().isPresent()) {
        stepsEntered.labelValues(ns).inc();
      } else if (s.getPhase() == Phase.RolledBack && (before == null || !before.phase().equals("RolledBack"))) {
        reverts.labelValues(reason).inc();
      } else if (s.getPhase() == Phase.Held && (before == null || !before.phase().equals("Held")
          || !before.reason().equals(reason))) {
        holds.labelValues(reason).inc();
      }
    });
  }

  @Override
  public void forgotten(ScalingChange change) {
    String ns = change.getMetadata().getNamespace();
    String name = change.getMetadata().getName();
    Shown before = shown.remove(ns + "/" + name);
    if (before != null) {
      info.remove(ns, name, before.phase(), before.reason());
      before.metricResults().forEach(r -> metricResult.remove(ns, name, r.get(0), r.get(1)));
      before.metrics().forEach(m -> metricValue.remove(ns, name, m));
      before.cohortMetrics().forEach(m -> forgetCohort(ns, name, m));
    }
    weight.remove(ns, name);
    step.remove(ns, name);
  }

  private static final List<String> BOUNDS = List.of("estimate", "lower", "upper", "allowed");

  /** A cohort metric's numbers as status shows them; a number not there yet is no sample. */
  private void showCohort(String ns, String name, String metric, io.flagramp.api.v1alpha1.CohortStatus c) {
    gauge(cohortValue, number(c.getOn()), ns, name, metric, "on");
    gauge(cohortValue, number(c.getOff()), ns, name, metric, "off");
    gauge(cohortSamples, c.getOnSamples() == null ? null : c.getOnSamples().doubleValue(), ns, name, metric, "on");
    gauge(cohortSamples, c.getOffSamples() == null ? null : c.getOffSamples().doubleValue(), ns, name, metric, "off");
    String[] interval = c.getInterval() == null ? new String[0] : c.getInterval().split("\\.\\.");
    gauge(cohortDifference, number(c.getDifference()), ns, name, metric, "estimate");
    gauge(cohortDifference, interval.length == 2 ? number(interval[0]) : null, ns, name, metric, "lower");
    gauge(cohortDifference, interval.length == 2 ? number(interval[1]) : null, ns, name, metric, "upper");
    gauge(cohortDifference, number(c.getAllowed()), ns, name, metric, "allowed");
  }

  private void forgetCohort(String ns, String name, String metric) {
    for (String cohort : List.of("on", "off")) {
      cohortValue.remove(ns, name, metric, cohort);
      cohortSamples.remove(ns, name, metric, cohort);
    }
    BOUNDS.forEach(b -> cohortDifference.remove(ns, name, metric, b));
  }

  private static void gauge(Gauge gauge, Double value, String... labels) {
    if (value == null) {
      gauge.remove(labels);
    } else {
      gauge.labelValues(labels).set(value);
    }
  }

  /** "0.0051", "+0.31", "-12%" as a number ("+12%" is 0.12); null when absent or unreadable. */
  static Double number(String shown) {
    if (shown == null || shown.isBlank()) {
      return null;
    }
    try {
      return shown.endsWith("%") ? Double.parseDouble(shown.substring(0, shown.length() - 1)) / 100
          : Double.parseDouble(shown);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  void reconciled(Duration took) {
    reconcileSeconds.observe(took.toNanos() / 1e9);
  }

  void writeFailed(String kind, String reason) {
    writeFailures.labelValues(kind, reason).inc();
  }

  /**
   * A webhook message settled: {@code result} sent, failed (after its last attempt), refused (never sent:
   * the Secret is not opted in, the address is not allowed) or dropped (too many waiting); {@code cause}
   * says why when it was not sent.
   */
  public void notified(String result, String cause) {
    notifications.labelValues(result).inc();
    if (cause != null) {
      notificationFailures.labelValues(cause).inc();
    }
  }

  /** A query that reached (or tried to reach) Prometheus: its result, its cause when it failed, its latency. */
  public void queried(String result, String cause, Duration took) {
    queries.labelValues(result).inc();
    if (cause != null) {
      queryErrors.labelValues(cause).inc();
    }
    querySeconds.observe(took.toNanos() / 1e9);
  }
}
