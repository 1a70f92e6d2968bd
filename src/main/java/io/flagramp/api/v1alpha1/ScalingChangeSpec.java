package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalingChangeSpec implements TolerantReading.Readable {

  /** Fields that could not be read (see {@link TolerantReading}), each "path: why"; empty normally. */
  @JsonIgnore
  private List<String> unreadable = List.of();


  public static final int MAX_STEPS = 20;
  /** Webhook receivers of one change. */
  public static final int MAX_RECEIVERS = 10;

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

  @JsonPropertyDescription("Optional: Prometheus queries every step must keep within bounds. Without it a step"
      + " passes when its pause is over.")
  private Analysis analysis;

  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @JsonPropertyDescription("After the last step passed: keep measuring for this long (phase Baking) before"
      + " Succeeded.")
  private String bake;

  @Default("Revert")
  @JsonPropertyDescription("What a failed analysis does: Revert restores the original values at once"
      + " (RolledBack); Hold freezes the flag at its current weight (Held).")
  private OnFailure onFailure;

  @Default("false")
  @JsonPropertyDescription("A Git-friendly pause: while true no step is entered or left. Reverting (abort,"
      + " delete) still works.")
  private Boolean suspend;

  @JsonPropertyDescription("Deploy windows: a step is entered only inside an allowed range of local time and"
      + " outside every blocked one. Reverts, aborts and holds act at any time.")
  private DeployWindows windows;

  @Size(max = 16)
  @ValidationRule(value = "self.all(a, self.exists_one(b, b.kind == a.kind && b.name == a.name))",
      message = "spec.restartTargets: each workload at most once")
  @JsonPropertyDescription("Workloads that read the flag as environment variables at start-up: after each"
      + " ConfigMap write (a step or a restore) each is restarted as kubectl rollout restart does it, and a"
      + " step's soak starts once every one has rolled out. Each must carry the label"
      + " flagramp.io/restart: \"true\".")
  private List<RestartTarget> restartTargets;

  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @JsonPropertyDescription("How long the restart targets may take to roll out after a step's write (default"
      + " 10m). Longer fails the step, and onFailure applies.")
  private String restartTimeout;

  @Default("Restore")
  @JsonPropertyDescription("What deleting the ScalingChange before it succeeded does to the flag: Restore"
      + " puts the original values back, Keep leaves the current values.")
  private OnDelete onDelete;

  @Size(max = MAX_RECEIVERS)
  @ValidationRule(value = "self.all(a, self.exists_one(b, b.name == a.name))",
      message = "spec.notify: receiver names must be unique")
  @JsonPropertyDescription("Optional: webhooks told of each transition (a step entered, awaiting approval, held,"
      + " rolled back, succeeded, invalid), at most 10. Sending never delays or fails the rollout; see"
      + " status.notifications for what became of the messages.")
  private List<WebhookReceiver> notify;

  public FlagTarget getFlag() {
    return flag;
  }

  public void setFlag(FlagTarget flag) {
    this.flag = flag;
  }

  public List<RestartTarget> getRestartTargets() {
    return restartTargets;
  }

  public void setRestartTargets(List<RestartTarget> restartTargets) {
    this.restartTargets = restartTargets;
  }

  /** The restart targets; empty when there are none. */
  public List<RestartTarget> targets() {
    return restartTargets == null ? List.of() : restartTargets;
  }

  public String getRestartTimeout() {
    return restartTimeout;
  }

  public void setRestartTimeout(String restartTimeout) {
    this.restartTimeout = restartTimeout;
  }

  public DeployWindows getWindows() {
    return windows;
  }

  public void setWindows(DeployWindows windows) {
    this.windows = windows;
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

  public Analysis getAnalysis() {
    return analysis;
  }

  public void setAnalysis(Analysis analysis) {
    this.analysis = analysis;
  }

  public String getBake() {
    return bake;
  }

  public void setBake(String bake) {
    this.bake = bake;
  }

  public OnFailure getOnFailure() {
    return onFailure;
  }

  public void setOnFailure(OnFailure onFailure) {
    this.onFailure = onFailure;
  }

  public OnFailure onFailureOrDefault() {
    return onFailure == null ? OnFailure.Revert : onFailure;
  }

  public OnDelete getOnDelete() {
    return onDelete;
  }

  public void setOnDelete(OnDelete onDelete) {
    this.onDelete = onDelete;
  }

  public List<WebhookReceiver> getNotify() {
    return notify;
  }

  public void setNotify(List<WebhookReceiver> notify) {
    this.notify = notify;
  }

  public OnDelete onDeleteOrDefault() {
    return onDelete == null ? OnDelete.Restore : onDelete;
  }

  /** Fields that could not be read, each "path: why"; a spec with any is Invalid. */
  public List<String> unreadable() {
    return unreadable;
  }

  @Override
  public void unreadable(List<String> problems) {
    this.unreadable = List.copyOf(problems);
  }
}
