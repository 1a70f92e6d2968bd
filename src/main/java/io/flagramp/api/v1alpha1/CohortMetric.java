package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A metric judged by comparing the flag-on cohort with the flag-off cohort over the same minutes.
 * Either a rate (errors and requests, counted per cohort since the step began) or a continuous value
 * (one value per cohort every interval, such as a latency quantile).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.errors) == has(self.requests)",
    message = "a rate needs both errors and requests")
@ValidationRule(value = "has(self.errors) != has(self.value)",
    message = "a cohort metric is a rate (errors and requests) or a value, not both")
public class CohortMetric {

  /** "0.001" (absolute: a rate in its own unit, 0.1 points) or "50%" (relative to flag-off). */
  public static final String ALLOWANCE_PATTERN = "^[0-9]+(\\.[0-9]+)?%?$";

  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("A rate's numerator: PromQL counting one cohort's failed requests since the step"
      + " began, one value. $cohort stands for the cohort's matcher and $range for the time since the step"
      + " began, e.g. sum(increase(http_requests_total{job=\"web\",code=~\"5..\",$cohort}[$range])).")
  private String errors;

  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("A rate's denominator: PromQL counting one cohort's requests since the step began,"
      + " with $cohort and $range, e.g. sum(increase(http_requests_total{job=\"web\",$cohort}[$range])).")
  private String requests;

  @Size(min = 1, max = 4096)
  @JsonPropertyDescription("A continuous metric: PromQL giving one cohort's value now, with $cohort, e.g."
      + " histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{$cohort}[1m]))). It"
      + " is measured every interval for each cohort, and the step's values are compared by rank.")
  private String value;

  @Required
  @Size(min = 1, max = 32)
  @Pattern(ALLOWANCE_PATTERN)
  @JsonPropertyDescription("How much worse flag-on may be than flag-off: \"0.001\" absolute (a rate of"
      + " 0.001 is 0.1 points), or \"50%\" relative to flag-off; a continuous metric's is relative. Required,"
      + " and above zero: a flag is never shown to be exactly as good, only no worse than allowed.")
  private String maxIncrease;

  public CohortMetric() {}

  public static CohortMetric rate(String errors, String requests, String maxIncrease) {
    CohortMetric c = new CohortMetric();
    c.errors = errors;
    c.requests = requests;
    c.maxIncrease = maxIncrease;
    return c;
  }

  public static CohortMetric value(String value, String maxIncrease) {
    CohortMetric c = new CohortMetric();
    c.value = value;
    c.maxIncrease = maxIncrease;
    return c;
  }

  /**
   * A rate (errors over requests) rather than a continuous value. Not a field: written out as "rate", it
   * would not read back (the operator's cloner and every client would fail on it).
   */
  @JsonIgnore
  public boolean isRate() {
    return errors != null;
  }

  public String getErrors() {
    return errors;
  }

  public void setErrors(String errors) {
    this.errors = errors;
  }

  public String getRequests() {
    return requests;
  }

  public void setRequests(String requests) {
    this.requests = requests;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  public String getMaxIncrease() {
    return maxIncrease;
  }

  public void setMaxIncrease(String maxIncrease) {
    this.maxIncrease = maxIncrease;
  }
}
