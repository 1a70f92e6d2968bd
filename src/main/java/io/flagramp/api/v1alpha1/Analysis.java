package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** The thresholds a step must keep within, measured against Prometheus. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!self.metrics.exists(m, has(m.maxIncrease)) || has(self.baseline)",
    message = "spec.analysis.baseline is required when a metric sets maxIncrease")
@ValidationRule(value = "!has(self.prometheus) || !has(self.prometheus.timeout) || !has(self.interval)"
    + " || !self.prometheus.timeout.matches('" + Step.DURATION_PATTERN + "')"
    + " || !self.interval.matches('" + Step.DURATION_PATTERN + "')"
    + " || duration(self.prometheus.timeout) <= duration(self.interval)",
    message = "spec.analysis.prometheus.timeout must not be longer than spec.analysis.interval",
    fieldPath = ".prometheus.timeout")
public class Analysis {

  public static final int MAX_METRICS = 10;

  @JsonPropertyDescription("The Prometheus server to ask. Optional when the operator has a default"
      + " (FLAGRAMP_PROMETHEUS_ADDRESS).")
  private PrometheusSource prometheus;

  /** The shortest interval: one status write and one query per metric per second at most. */
  public static final String MIN_INTERVAL = "1s";
  public static final String MAX_INTERVAL = "24h";

  @Default("1m")
  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @ValidationRule(value = "!" + Step.DURATION_RULE + " || duration(self) >= duration('" + MIN_INTERVAL + "') && duration(self) <= duration('"
      + MAX_INTERVAL + "')", message = "spec.analysis.interval must be between " + MIN_INTERVAL + " and " + MAX_INTERVAL)
  @JsonPropertyDescription("How often each metric is measured while a step soaks, while held for metrics, and"
      + " while baking: one interval after the step was entered, then every interval. 1s to 24h.")
  private String interval;

  @JsonPropertyDescription("Before the first step, each metric is measured once over this window and kept in"
      + " status.baseline. Required when a metric sets maxIncrease.")
  private Baseline baseline;

  @Required
  @Size(min = 1, max = MAX_METRICS)
  @ValidationRule(value = "self.all(m, self.exists_one(n, n.name == m.name))",
      message = "spec.analysis.metrics: names must be unique")
  @JsonPropertyDescription("The metrics a step must keep within bounds. A step passes only if every metric"
      + " passed during the step and none is failing now.")
  private List<MetricCheck> metrics = new ArrayList<>();

  @JsonPropertyDescription("How the metrics tell flag-on traffic from flag-off traffic, for metrics with a"
      + " cohort: the label, its two values, the confidence, the fewest samples per cohort, and what an"
      + " undecided step does.")
  private Cohorts cohorts;

  @JsonPropertyDescription("Optional: enough traffic before a step may pass. Below the minimum the step"
      + " waits at its weight; it does not fail.")
  private MinSamples minSamples;

  @Default("Hold")
  @JsonPropertyDescription("What an empty result, NaN or Inf does (it is never a pass): Hold keeps the step"
      + " from passing (Held with reason NoData once its pause is over); Fail counts it as a failing"
      + " measurement.")
  private OnNoData onNoData;

  @JsonPropertyDescription("The circuit breaker for a Prometheus that does not answer, or answers with an"
      + " error.")
  private ProviderErrorPolicy onProviderError;

  public PrometheusSource getPrometheus() {
    return prometheus;
  }

  public void setPrometheus(PrometheusSource prometheus) {
    this.prometheus = prometheus;
  }

  public Cohorts getCohorts() {
    return cohorts;
  }

  public void setCohorts(Cohorts cohorts) {
    this.cohorts = cohorts;
  }

  /** The cohorts' settings, defaults where the spec says nothing. */
  public Cohorts cohortsOrDefault() {
    return cohorts == null ? new Cohorts() : cohorts;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public Baseline getBaseline() {
    return baseline;
  }

  public void setBaseline(Baseline baseline) {
    this.baseline = baseline;
  }

  public List<MetricCheck> getMetrics() {
    return metrics;
  }

  public void setMetrics(List<MetricCheck> metrics) {
    this.metrics = metrics;
  }

  public MinSamples getMinSamples() {
    return minSamples;
  }

  public void setMinSamples(MinSamples minSamples) {
    this.minSamples = minSamples;
  }

  public OnNoData getOnNoData() {
    return onNoData;
  }

  public void setOnNoData(OnNoData onNoData) {
    this.onNoData = onNoData;
  }

  public ProviderErrorPolicy getOnProviderError() {
    return onProviderError;
  }

  public void setOnProviderError(ProviderErrorPolicy onProviderError) {
    this.onProviderError = onProviderError;
  }
}
