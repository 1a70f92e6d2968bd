package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One metric: a query and its bounds (the threshold judge), or flag-on against flag-off over the same
 * minutes (the cohort judge).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.query) != has(self.cohort)",
    message = "a metric has a query (judged against bounds) or a cohort (flag-on against flag-off), not both")
@ValidationRule(value = "has(self.cohort) || has(self.min) || has(self.max) || has(self.maxIncrease)",
    message = "a metric needs at least one of min, max or maxIncrease")
@ValidationRule(value = "!has(self.cohort) || (!has(self.min) && !has(self.max) && !has(self.maxIncrease))",
    message = "a cohort metric's allowance is cohort.maxIncrease; min, max and maxIncrease are for a query")
@ValidationRule(value = "!has(self.min) || !has(self.max) || self.min <= self.max",
    message = "min must not exceed max")
public class MetricCheck {

  /** The largest count a limit may be: far above any use, far below what an int holds. */
  public static final int MAX_LIMIT = 1000;

  /** "50%" (relative to the baseline) or "0.002" (absolute). */
  public static final String INCREASE_PATTERN = "^[0-9]+(\\.[0-9]+)?%?$";

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the metric in status, Events and decisions, e.g. error-rate.")
  private String name;

  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("PromQL returning one value (a scalar or a single-element vector), judged against"
      + " min, max and maxIncrease. Either this or cohort.")
  private String query;

  @JsonPropertyDescription("Judge the flag-on cohort against the flag-off cohort over the same minutes, with"
      + " sequential statistics (spec.analysis.cohorts says how the metrics tell them apart). Either this or"
      + " query.")
  private CohortMetric cohort;

  @JsonPropertyDescription("Lowest passing value.")
  private Double min;

  @JsonPropertyDescription("Highest passing value.")
  private Double max;

  @Size(max = 32)
  @Pattern(INCREASE_PATTERN)
  @JsonPropertyDescription("Highest passing increase over the baseline: \"50%\" relative, \"0.002\" absolute.")
  private String maxIncrease;

  @Default("1")
  @Min(1)
  @Max(MAX_LIMIT)
  @JsonPropertyDescription("Consecutive failing measurements before the change fails, 1..1000.")
  private Integer failureLimit;

  public MetricCheck() {}

  public MetricCheck(String name, String query) {
    this.name = name;
    this.query = query;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getQuery() {
    return query;
  }

  public void setQuery(String query) {
    this.query = query;
  }

  public CohortMetric getCohort() {
    return cohort;
  }

  public void setCohort(CohortMetric cohort) {
    this.cohort = cohort;
  }

  public Double getMin() {
    return min;
  }

  public void setMin(Double min) {
    this.min = min;
  }

  public Double getMax() {
    return max;
  }

  public void setMax(Double max) {
    this.max = max;
  }

  public String getMaxIncrease() {
    return maxIncrease;
  }

  public void setMaxIncrease(String maxIncrease) {
    this.maxIncrease = maxIncrease;
  }

  public Integer getFailureLimit() {
    return failureLimit;
  }

  public void setFailureLimit(Integer failureLimit) {
    this.failureLimit = failureLimit;
  }

  public int failureLimitOrDefault() {
    return failureLimit == null ? 1 : failureLimit;
  }
}
