package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A stretch of local dates or times in which no step is entered, such as a freeze. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BlockedWindow {

  public static final String PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T([01][0-9]|2[0-3]):[0-5][0-9])?$";

  @Required
  @Size(max = 16)
  @Pattern(PATTERN)
  @JsonPropertyDescription("Local start: a date (2026-12-21: from its start) or a date and time"
      + " (2026-12-21T18:00).")
  private String from;

  @Required
  @Size(max = 16)
  @Pattern(PATTERN)
  @JsonPropertyDescription("Local end: a date (2027-01-04: through its end) or a date and time, not included.")
  private String to;

  @Size(max = 128)
  @JsonPropertyDescription("Why, for the message on-call reads (\"year-end freeze\").")
  private String reason;

  public BlockedWindow() {}

  public BlockedWindow(String from, String to, String reason) {
    this.from = from;
    this.to = to;
    this.reason = reason;
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

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }
}
