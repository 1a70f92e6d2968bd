package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A weekly range of local time in which steps may be entered. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.from != self.to", message = "spec.windows.allowed: from and to must differ (the range would be empty)")
public class AllowedWindow {

  public static final String FROM_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
  public static final String TO_PATTERN = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

  @Size(min = 1, max = 7)
  @ValidationRule(value = "self.all(a, self.exists_one(b, b == a))", message = "spec.windows.allowed.days: each day at most once")
  @JsonPropertyDescription("The days the range starts on (Mon, Tue, Wed, Thu, Fri, Sat, Sun). Omitted: every"
      + " day.")
  private List<Weekday> days;

  @Required
  @Size(max = 5)
  @Pattern(FROM_PATTERN)
  @JsonPropertyDescription("Local start time, HH:MM (00:00..23:59).")
  private String from;

  @Required
  @Size(max = 5)
  @Pattern(TO_PATTERN)
  @JsonPropertyDescription("Local end time, HH:MM (00:00..24:00), not included. At or before from, the range"
      + " ends on the next day (22:00 to 02:00).")
  private String to;

  public AllowedWindow() {}

  public AllowedWindow(List<Weekday> days, String from, String to) {
    this.days = days;
    this.from = from;
    this.to = to;
  }

  public List<Weekday> getDays() {
    return days;
  }

  public void setDays(List<Weekday> days) {
    this.days = days;
  }

  public String getFrom() {
    return from;
  }

  public void setFrom(String from) {
    this.from = from;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }
}
