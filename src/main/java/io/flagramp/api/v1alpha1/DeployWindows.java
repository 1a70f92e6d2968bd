package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** spec.windows: when steps may be entered. Reverts, aborts and holds act at any time. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeployWindows {

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription("IANA time zone the times are local to, e.g. Europe/Berlin or UTC.")
  private String timeZone;

  @Size(max = 32)
  @JsonPropertyDescription("Weekly ranges in which a step may be entered. Omitted: at any time outside"
      + " blocked.")
  private List<AllowedWindow> allowed;

  @Size(max = 64)
  @JsonPropertyDescription("Ranges in which no step is entered even inside an allowed one (freezes).")
  private List<BlockedWindow> blocked;

  public DeployWindows() {}

  public DeployWindows(String timeZone, List<AllowedWindow> allowed, List<BlockedWindow> blocked) {
    this.timeZone = timeZone;
    this.allowed = allowed;
    this.blocked = blocked;
  }

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public List<AllowedWindow> getAllowed() {
    return allowed;
  }

  public void setAllowed(List<AllowedWindow> allowed) {
    this.allowed = allowed;
  }

  public List<BlockedWindow> getBlocked() {
    return blocked;
  }

  public void setBlocked(List<BlockedWindow> blocked) {
    this.blocked = blocked;
  }
}
