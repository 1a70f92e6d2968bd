package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** The latest measurement of one metric, its verdict and its counters. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricStatus {

  @JsonPropertyDescription("The metric's name from spec.analysis.metrics (or minSamples).")
  @Size(max = Text.SHORT)
  private String name;

  @JsonPropertyDescription("The latest value, 4 significant digits; absent when there was none.")
  @Size(max = Text.SHORT)
  private String value;

  @JsonPropertyDescription("Pass, Fail, NoData, Error, or Undecided (a cohort metric without the evidence"
      + " for either verdict yet).")
  private MetricResult result;

  @JsonPropertyDescription("Failing measurements in a row (a pass resets it).")
  @Max(Integer.MAX_VALUE)
  private Integer consecutiveFailures;

  @JsonPropertyDescription("Failed queries in a row (an answer resets it).")
  @Max(Integer.MAX_VALUE)
  private Integer consecutiveErrors;

  @JsonPropertyDescription("Passing measurements during the current step.")
  @Max(Integer.MAX_VALUE)
  private Integer passes;

  @JsonPropertyDescription("When the latest measurement was taken (RFC 3339).")
  @Size(max = Text.SHORT)
  private String measuredAt;

  @JsonPropertyDescription("The latest verdict in one line, with value, bound and count.")
  @Size(max = Text.MESSAGE)
  private String message;

  @JsonPropertyDescription("A cohort metric: each cohort's value and samples, the difference with its"
      + " interval, the allowance and the verdict.")
  private CohortStatus cohort;

  public MetricStatus() {}

  public MetricStatus(String name) {
    this.name = name;
    this.consecutiveFailures = 0;
    this.consecutiveErrors = 0;
    this.passes = 0;
  }

  public MetricStatus copy() {
    MetricStatus c = new MetricStatus();
    c.name = name;
    c.value = value;
    c.result = result;
    c.consecutiveFailures = consecutiveFailures;
    c.consecutiveErrors = consecutiveErrors;
    c.passes = passes;
    c.measuredAt = measuredAt;
    c.message = message;
    c.cohort = cohort == null ? null : cohort.copy();
    return c;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  public MetricResult getResult() {
    return result;
  }

  public void setResult(MetricResult result) {
    this.result = result;
  }

  public Integer getConsecutiveFailures() {
    return consecutiveFailures;
  }

  public void setConsecutiveFailures(Integer consecutiveFailures) {
    this.consecutiveFailures = consecutiveFailures;
  }

  public Integer getConsecutiveErrors() {
    return consecutiveErrors;
  }

  public void setConsecutiveErrors(Integer consecutiveErrors) {
    this.consecutiveErrors = consecutiveErrors;
  }

  public Integer getPasses() {
    return passes;
  }

  public void setPasses(Integer passes) {
    this.passes = passes;
  }

  public String getMeasuredAt() {
    return measuredAt;
  }

  public void setMeasuredAt(String measuredAt) {
    this.measuredAt = measuredAt;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = Text.cap(message, Text.MESSAGE);
  }

  public CohortStatus getCohort() {
    return cohort;
  }

  public void setCohort(CohortStatus cohort) {
    this.cohort = cohort;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetricStatus m && Objects.equals(name, m.name) && Objects.equals(value, m.value)
        && result == m.result && Objects.equals(consecutiveFailures, m.consecutiveFailures)
        && Objects.equals(consecutiveErrors, m.consecutiveErrors) && Objects.equals(passes, m.passes)
        && Objects.equals(measuredAt, m.measuredAt) && Objects.equals(message, m.message)
        && Objects.equals(cohort, m.cohort);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, value, result, consecutiveFailures, consecutiveErrors, passes, measuredAt, message,
        cohort);
  }
}
