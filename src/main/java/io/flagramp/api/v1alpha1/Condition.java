package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A Kubernetes-style status condition (kstatus: Ready, Reconciling, Stalled). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  @Required
  @JsonPropertyDescription("Ready, Reconciling or Stalled.")
  @Size(max = Text.SHORT)
  private String type;

  @Required
  @JsonPropertyDescription("True, False or Unknown.")
  @Size(max = Text.SHORT)
  private String status;

  @JsonPropertyDescription("metadata.generation this condition was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription("When status last flipped (RFC 3339). Unchanged when only reason or message change.")
  @Size(max = Text.SHORT)
  private String lastTransitionTime;

  @JsonPropertyDescription("One CamelCase word for why, e.g. ConfigMapNotFound, Conflict, Aborted.")
  @Size(max = Text.SHORT)
  private String reason;

  @JsonPropertyDescription("One line for a person.")
  @Size(max = Text.DECISION)
  private String message;

  public Condition() {}

  public Condition(String type, boolean status, Long observedGeneration, String lastTransitionTime,
      String reason, String message) {
    this.type = type;
    this.status = status ? "True" : "False";
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
    this.reason = reason;
    this.message = Text.cap(message, Text.DECISION);
  }

  public Condition copy() {
    Condition c = new Condition(type, isTrue(), observedGeneration, lastTransitionTime, reason, message);
    c.status = status;
    return c;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = Text.cap(message, Text.DECISION);
  }

  @JsonIgnore
  public boolean isTrue() {
    return "True".equals(status);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c && Objects.equals(type, c.type) && Objects.equals(status, c.status)
        && Objects.equals(observedGeneration, c.observedGeneration)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime) && Objects.equals(reason, c.reason)
        && Objects.equals(message, c.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, observedGeneration, lastTransitionTime, reason, message);
  }

  @Override
  public String toString() {
    return type + "=" + status + " (" + reason + ": " + message + ")";
  }
}
