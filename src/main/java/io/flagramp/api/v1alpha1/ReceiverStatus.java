package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** What became of the messages to one receiver. Never its URL: the name, and at most the host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReceiverStatus {

  @JsonPropertyDescription("The receiver's name in spec.notify.")
  @Size(max = WebhookReceiver.MAX_NAME)
  private String name;

  @JsonPropertyDescription("Messages the receiver accepted (HTTP 2xx).")
  @Max(Integer.MAX_VALUE)
  private Integer sent;

  @JsonPropertyDescription("Messages given up on: failed after the last retry, refused (the Secret is not opted in,"
      + " the address is not allowed), or dropped (too many waiting).")
  @Max(Integer.MAX_VALUE)
  private Integer failed;

  @JsonPropertyDescription("When the last message was accepted (RFC 3339).")
  @Size(max = Text.SHORT)
  private String lastSentAt;

  @JsonPropertyDescription("Why the last message that was not delivered was not, in one line: the cause, the receiver's"
      + " host, the attempts. Never the URL.")
  @Size(max = Text.MESSAGE)
  private String lastFailure;

  @JsonPropertyDescription("When that was (RFC 3339).")
  @Size(max = Text.SHORT)
  private String lastFailureAt;

  public ReceiverStatus() {}

  public ReceiverStatus(String name) {
    this.name = name;
  }

  public ReceiverStatus copy() {
    ReceiverStatus c = new ReceiverStatus(name);
    c.sent = sent;
    c.failed = failed;
    c.lastSentAt = lastSentAt;
    c.lastFailure = lastFailure;
    c.lastFailureAt = lastFailureAt;
    return c;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getSent() {
    return sent;
  }

  public void setSent(Integer sent) {
    this.sent = sent;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }

  public String getLastSentAt() {
    return lastSentAt;
  }

  public void setLastSentAt(String lastSentAt) {
    this.lastSentAt = lastSentAt;
  }

  public String getLastFailure() {
    return lastFailure;
  }

  public void setLastFailure(String lastFailure) {
    this.lastFailure = Text.cap(lastFailure, Text.MESSAGE);
  }

  public String getLastFailureAt() {
    return lastFailureAt;
  }

  public void setLastFailureAt(String lastFailureAt) {
    this.lastFailureAt = lastFailureAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReceiverStatus r && Objects.equals(name, r.name) && Objects.equals(sent, r.sent)
        && Objects.equals(failed, r.failed) && Objects.equals(lastSentAt, r.lastSentAt)
        && Objects.equals(lastFailure, r.lastFailure) && Objects.equals(lastFailureAt, r.lastFailureAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, sent, failed, lastSentAt, lastFailure, lastFailureAt);
  }
}
