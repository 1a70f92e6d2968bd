package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * A cohort metric's latest judgement: each cohort's value and samples, the difference of flag-on from
 * flag-off with its interval at the stated confidence, the allowance, and the verdict. For a continuous
 * metric, the values measured so far in the step (each interval's, per cohort), which the rank test
 * reads again at every look.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CohortStatus {

  /** Values kept per cohort: a step judged every minute keeps its first four hours. */
  public static final int MAX_VALUES = 240;
  /**
   * The most samples a cohort's count says: 10^15 requests, beyond any step. Not Long.MAX_VALUE: the CRD
   * holds a maximum as a float, 2^63 rounds past the int64 the API server compares with, and it then
   * refuses every count.
   */
  public static final long MAX_SAMPLES = 1_000_000_000_000_000L;
  /** A value as kept: 6 significant digits, a sign, an exponent; "-" where an interval had none. */
  public static final int VALUE_CHARS = 14;

  @JsonPropertyDescription("Flag-on: its rate or median so far in the step, 4 significant digits.")
  @Size(max = Text.SHORT)
  private String on;

  @JsonPropertyDescription("Flag-off: its rate or median so far in the step, 4 significant digits.")
  @Size(max = Text.SHORT)
  private String off;

  @JsonPropertyDescription("Requests (rates) or values (continuous) counted for flag-on in the step.")
  @Max(MAX_SAMPLES)
  private Long onSamples;

  @JsonPropertyDescription("Requests (rates) or values (continuous) counted for flag-off in the step.")
  @Max(MAX_SAMPLES)
  private Long offSamples;

  @JsonPropertyDescription("Flag-on minus flag-off (a rate in points, a value in its unit), or the relative"
      + " difference when the allowance is relative.")
  @Size(max = Text.SHORT)
  private String difference;

  @JsonPropertyDescription("The interval of the difference at the stated confidence, as low..high.")
  @Size(max = Text.SHORT)
  private String interval;

  @JsonPropertyDescription("The most flag-on may be worse, from cohort.maxIncrease.")
  @Size(max = Text.SHORT)
  private String allowed;

  @JsonPropertyDescription("Pass, Fail or Undecided.")
  @Size(max = Text.SHORT)
  private String verdict;

  @JsonPropertyDescription("Continuous metrics: flag-on's value at each interval of the step, oldest first,"
      + " separated by spaces; - where an interval had none.")
  @Size(max = MAX_VALUES * VALUE_CHARS)
  private String onValues;

  @JsonPropertyDescription("Continuous metrics: flag-off's value at each interval of the step, the same way.")
  @Size(max = MAX_VALUES * VALUE_CHARS)
  private String offValues;

  public CohortStatus copy() {
    CohortStatus c = new CohortStatus();
    c.on = on;
    c.off = off;
    c.onSamples = onSamples;
    c.offSamples = offSamples;
    c.difference = difference;
    c.interval = interval;
    c.allowed = allowed;
    c.verdict = verdict;
    c.onValues = onValues;
    c.offValues = offValues;
    return c;
  }

  public String getOn() {
    return on;
  }

  public void setOn(String on) {
    this.on = on;
  }

  public String getOff() {
    return off;
  }

  public void setOff(String off) {
    this.off = off;
  }

  public Long getOnSamples() {
    return onSamples;
  }

  public void setOnSamples(Long onSamples) {
    this.onSamples = onSamples;
  }

  public Long getOffSamples() {
    return offSamples;
  }

  public void setOffSamples(Long offSamples) {
    this.offSamples = offSamples;
  }

  public String getDifference() {
    return difference;
  }

  public void setDifference(String difference) {
    this.difference = difference;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public String getAllowed() {
    return allowed;
  }

  public void setAllowed(String allowed) {
    this.allowed = allowed;
  }

  public String getVerdict() {
    return verdict;
  }

  public void setVerdict(String verdict) {
    this.verdict = verdict;
  }

  public String getOnValues() {
    return onValues;
  }

  public void setOnValues(String onValues) {
    this.onValues = onValues;
  }

  public String getOffValues() {
    return offValues;
  }

  public void setOffValues(String offValues) {
    this.offValues = offValues;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CohortStatus c && Objects.equals(on, c.on) && Objects.equals(off, c.off)
        && Objects.equals(onSamples, c.onSamples) && Objects.equals(offSamples, c.offSamples)
        && Objects.equals(difference, c.difference) && Objects.equals(interval, c.interval)
        && Objects.equals(allowed, c.allowed) && Objects.equals(verdict, c.verdict)
        && Objects.equals(onValues, c.onValues) && Objects.equals(offValues, c.offValues);
  }

  @Override
  public int hashCode() {
    return Objects.hash(on, off, onSamples, offSamples, difference, interval, allowed, verdict, onValues, offValues);
  }
}
