package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * How the app's metrics tell flag-on traffic from flag-off traffic, for the metrics judged by cohort:
 * a label on the request metrics, and its value for each cohort. {@code $cohort} in a cohort metric's
 * PromQL stands for the matcher {@code label="value"} of the cohort being asked.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Cohorts {

  /** The OpenTelemetry convention's attribute feature_flag.result.variant, as Prometheus names it. */
  public static final String DEFAULT_LABEL = "feature_flag_result_variant";

  @Default(DEFAULT_LABEL)
  @Size(max = 128)
  @Pattern("^[a-zA-Z_][a-zA-Z0-9_]*$")
  @JsonPropertyDescription("The label whose value says which cohort a series counts:"
      + " feature_flag_result_variant (OpenTelemetry's feature_flag.result.variant) by default.")
  private String label;

  @Default("on")
  @Size(min = 1, max = 128)
  @Pattern("^[^\"\\\\\\n]*$")
  @JsonPropertyDescription("The label's value on flag-on traffic (\"on\" by default). Named flagOn, not on: YAML"
      + " reads an unquoted on as true.")
  private String flagOn;

  @Default("off")
  @Size(min = 1, max = 128)
  @Pattern("^[^\"\\\\\\n]*$")
  @JsonPropertyDescription("The label's value on flag-off traffic (\"off\" by default).")
  private String flagOff;

  @Default("0.95")
  @Min(0.8)
  @Max(0.999)
  @JsonPropertyDescription("How sure the judge must be, over every look of a step together, before it says"
      + " Fail (flag-on is worse than allowed) or Pass (it is not): 0.8 to 0.999. At 0.95 a flag exactly at"
      + " its allowance is reverted in at most 5% of steps, however long they soak.")
  private Double confidence;

  @Default("100")
  @Min(1)
  @Max(1_000_000_000)
  @JsonPropertyDescription("Rates: fewest requests in each cohort before a step may pass on the metric. A"
      + " Fail does not wait for it.")
  private Long minSamples;

  @Default("10")
  @Min(5)
  @Max(10_000)
  @JsonPropertyDescription("Continuous metrics: fewest values (intervals) in each cohort before either"
      + " verdict; 5 to 10000.")
  private Integer minValues;

  @JsonPropertyDescription("What happens when a cohort metric is still undecided when the step's pause is"
      + " over and a cohort is below minSamples.")
  private Undecided undecided;

  public String labelOrDefault() {
    return label == null ? DEFAULT_LABEL : label;
  }

  public String onOrDefault() {
    return flagOn == null ? "on" : flagOn;
  }

  public String offOrDefault() {
    return flagOff == null ? "off" : flagOff;
  }

  public double confidenceOrDefault() {
    return confidence == null ? 0.95 : confidence;
  }

  public long minSamplesOrDefault() {
    return minSamples == null ? 100 : minSamples;
  }

  public int minValuesOrDefault() {
    return minValues == null ? 10 : minValues;
  }

  public Integer getMinValues() {
    return minValues;
  }

  public void setMinValues(Integer minValues) {
    this.minValues = minValues;
  }

  public String getLabel() {
    return label;
  }

  public void setLabel(String label) {
    this.label = label;
  }

  public String getFlagOn() {
    return flagOn;
  }

  public void setFlagOn(String flagOn) {
    this.flagOn = flagOn;
  }

  public String getFlagOff() {
    return flagOff;
  }

  public void setFlagOff(String flagOff) {
    this.flagOff = flagOff;
  }

  public Double getConfidence() {
    return confidence;
  }

  public void setConfidence(Double confidence) {
    this.confidence = confidence;
  }

  public Long getMinSamples() {
    return minSamples;
  }

  public void setMinSamples(Long minSamples) {
    this.minSamples = minSamples;
  }

  public Undecided getUndecided() {
    return undecided;
  }

  public void setUndecided(Undecided undecided) {
    this.undecided = undecided;
  }
}
