package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The restart of spec.restartTargets that goes with the last ConfigMap write, recorded with it before
 * either is made: which value the pod templates get, and when every target had rolled out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestartStatus {

  @JsonPropertyDescription("The value set as the pod template annotation kubectl.kubernetes.io/restartedAt on"
      + " each target (the decision's time and the write's id). A target carrying it has been restarted.")
  @Size(max = Text.SHORT)
  private String value;

  @JsonPropertyDescription("The weight written with it; absent for the restart that follows a restore.")
  @Max(100)
  private Integer weight;

  @JsonPropertyDescription("When the targets were restarted (RFC 3339): restartTimeout counts from here.")
  @Size(max = Text.SHORT)
  private String requestedAt;

  @JsonPropertyDescription("When every target had finished its rollout (RFC 3339); the step's soak starts here."
      + " Absent while they roll out, and after a restore (nothing waits for it).")
  @Size(max = Text.SHORT)
  private String readyAt;

  @JsonPropertyDescription("Every target has been given the value (the restarts are made). Until then a"
      + " reconcile makes the missing ones first; after, none is restarted again for this write.")
  private Boolean made;

  @Size(max = 16)
  @JsonPropertyDescription("Each target's rollout as last seen.")
  private List<TargetProgress> targets;

  public RestartStatus() {}

  public RestartStatus(String value, Integer weight, String requestedAt) {
    this.value = value;
    this.weight = weight;
    this.requestedAt = requestedAt;
  }

  public RestartStatus copy() {
    RestartStatus c = new RestartStatus(value, weight, requestedAt);
    c.readyAt = readyAt;
    c.made = made;
    c.targets = targets == null ? null : new ArrayList<>(targets.stream().map(TargetProgress::copy).toList());
    return c;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public String getRequestedAt() {
    return requestedAt;
  }

  public void setRequestedAt(String requestedAt) {
    this.requestedAt = requestedAt;
  }

  public boolean made() {
    return Boolean.TRUE.equals(made);
  }

  public Boolean getMade() {
    return made;
  }

  public void setMade(Boolean made) {
    this.made = made;
  }

  public String getReadyAt() {
    return readyAt;
  }

  public void setReadyAt(String readyAt) {
    this.readyAt = readyAt;
  }

  public List<TargetProgress> getTargets() {
    return targets;
  }

  public void setTargets(List<TargetProgress> targets) {
    this.targets = targets;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RestartStatus r && Objects.equals(value, r.value) && Objects.equals(weight, r.weight)
        && Objects.equals(requestedAt, r.requestedAt) && Objects.equals(readyAt, r.readyAt)
        && Objects.equals(targets, r.targets) && Objects.equals(made, r.made);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, weight, requestedAt, readyAt, targets, made);
  }

  /** One target's rollout, in one line. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TargetProgress {

    @JsonPropertyDescription("Deployment, StatefulSet or DaemonSet.")
    private WorkloadKind kind;

    @Size(max = 253)
    @JsonPropertyDescription("The workload's name, in the ScalingChange's namespace.")
    private String name;

    @JsonPropertyDescription("Its rollout: e.g. \"2/3 updated, 1/3 ready, 1/3 available\", or \"rolled out\".")
    @Size(max = Text.MESSAGE)
    private String message;

    public TargetProgress() {}

    public TargetProgress(WorkloadKind kind, String name, String message) {
      this.kind = kind;
      this.name = name;
      setMessage(message);
    }

    TargetProgress copy() {
      return new TargetProgress(kind, name, message);
    }

    public WorkloadKind getKind() {
      return kind;
    }

    public void setKind(WorkloadKind kind) {
      this.kind = kind;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getMessage() {
      return message;
    }

    public void setMessage(String message) {
      this.message = Text.cap(message, Text.MESSAGE);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TargetProgress t && kind == t.kind && Objects.equals(name, t.name)
          && Objects.equals(message, t.message);
    }

    @Override
    public int hashCode() {
      return Objects.hash(kind, name, message);
    }
  }
}
