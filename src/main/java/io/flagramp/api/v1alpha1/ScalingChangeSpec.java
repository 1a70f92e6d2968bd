package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalingChangeSpec {

  public static final int MAX_STEPS = 20;

  @Required
  @ValidationRule(value = "self == oldSelf",
      message = "spec.flag is immutable: create a new ScalingChange to ramp another flag")
  @JsonPropertyDescription("The flag to ramp: keys of a ConfigMap in the ScalingChange's own namespace."
      + " Immutable once created.")
  private FlagTarget flag;

  @Required
  @Size(min = 1, max = MAX_STEPS)
  @ValidationRule(value = "self.map(s, s.weight).isSorted() && self.all(a, self.exists_one(b, b.weight == a.weight))",
      message = "spec.steps: weights must be strictly increasing")
  @JsonPropertyDescription("The schedule: each step writes its weight into the flag and soaks for its pause"
      + " before the next one. Weights are strictly increasing, 1..100.")
  private List<Step> steps = new ArrayList<>();

  @Default("false")
  @JsonPropertyDescription("A Git-friendly pause: while true no step is entered or left. Reverting (abort,"
      + " delete) still works.")
  private Boolean suspend;

  @Default("Restore")
  @JsonPropertyDescription("What deleting the ScalingChange before it succeeded does to the flag: Restore"
      + " puts the original values back, Keep leaves the current values.")
  private OnDelete onDelete;

  public FlagTarget getFlag() {
    return flag;
  }

  public void setFlag(FlagTarget flag) {
    this.flag = flag;
  }

  public List<Step> getSteps() {
    return steps;
  }

  public void setSteps(List<Step> steps) {
    this.steps = steps;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }

  public OnDelete getOnDelete() {
    return onDelete;
  }

  public void setOnDelete(OnDelete onDelete) {
    this.onDelete = onDelete;
  }

  public OnDelete onDeleteOrDefault() {
    return onDelete == null ? OnDelete.Restore : onDelete;
  }
}
