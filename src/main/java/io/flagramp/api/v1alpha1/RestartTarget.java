package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A workload in the change's namespace that reads the flag at start-up and is restarted at each step. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestartTarget {

  @Required
  @JsonPropertyDescription("Deployment, StatefulSet or DaemonSet.")
  private WorkloadKind kind;

  @Required
  @Size(max = 253)
  @Pattern(FlagTarget.NAME_PATTERN)
  @JsonPropertyDescription("Its name, in the ScalingChange's own namespace. It must carry the label"
      + " flagramp.io/restart: \"true\".")
  private String name;

  public RestartTarget() {}

  public RestartTarget(WorkloadKind kind, String name) {
    this.kind = kind;
    this.name = name;
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

  /** "Deployment api". */
  public String describe() {
    return kind + " " + name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RestartTarget t && kind == t.kind && Objects.equals(name, t.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, name);
  }
}
