package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * The last value of each on-call annotation the operator acted on. An annotation is acted on once:
 * again only when its value changes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HandledActions {

  @JsonPropertyDescription("Value of the flagramp.io/abort annotation last acted on (a value over 256 characters as"
      + " its sha256 digest).")
  @Size(max = Text.HANDLED)
  private String abort;

  @JsonPropertyDescription("Value of the flagramp.io/retry annotation last acted on.")
  @Size(max = Text.HANDLED)
  private String retry;

  @JsonPropertyDescription("Value of the flagramp.io/approve annotation last acted on.")
  @Size(max = Text.HANDLED)
  private String approve;

  @JsonPropertyDescription("Value of the flagramp.io/promote annotation last acted on.")
  @Size(max = Text.HANDLED)
  private String promote;

  public HandledActions copy() {
    HandledActions c = new HandledActions();
    c.abort = abort;
    c.retry = retry;
    c.approve = approve;
    c.promote = promote;
    return c;
  }

  /** Nothing recorded. */
  public boolean empty() {
    return abort == null && retry == null && approve == null && promote == null;
  }

  public String getApprove() {
    return approve;
  }

  public void setApprove(String approve) {
    this.approve = Text.handled(approve);
  }

  public String getPromote() {
    return promote;
  }

  public void setPromote(String promote) {
    this.promote = Text.handled(promote);
  }

  public String getAbort() {
    return abort;
  }

  /** Kept as {@link Text#handled}: a long value as its digest. */
  public void setAbort(String abort) {
    this.abort = Text.handled(abort);
  }

  public String getRetry() {
    return retry;
  }

  public void setRetry(String retry) {
    this.retry = Text.handled(retry);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandledActions h && Objects.equals(abort, h.abort) && Objects.equals(retry, h.retry)
        && Objects.equals(approve, h.approve) && Objects.equals(promote, h.promote);
  }

  @Override
  public int hashCode() {
    return Objects.hash(abort, retry, approve, promote);
  }
}
