package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What on-call reads. All progress lives here, so a restarted operator resumes where it was. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScalingChangeStatus implements TolerantReading.Readable {

  /** Fields that could not be read (see {@link TolerantReading}), each "path: why"; empty normally. */
  @JsonIgnore
  private List<String> unreadable = List.of();


  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Progressing, Baking, Paused, Held, Succeeded, RolledBack or Invalid; with"
      + " reason, the state of the rollout.")
  private Phase phase;

  @JsonPropertyDescription("Why the change is in its phase, one word: e.g. StepEntered, AwaitingAnalysis,"
      + " ExternalChange, ThresholdBreached, Aborted. The same reason is on the conditions.")
  private Reason reason;

  @JsonPropertyDescription("Attempt number: 1 for the first rollout, +1 for each retry after RolledBack.")
  @Max(Integer.MAX_VALUE)
  private Integer attempt;

  @JsonPropertyDescription("Index into spec.steps of the step the written weight belongs to (the last step"
      + " whose weight is at most currentWeight); -1 before the first step.")
  @Max(Integer.MAX_VALUE)
  private Integer currentStep;

  @JsonPropertyDescription("Weight the flag holds now, as written by the operator; absent before the first step.")
  @Max(100)
  private Integer currentWeight;

  @JsonPropertyDescription("Steps entered out of all steps, e.g. 3/6.")
  @Size(max = Text.SHORT)
  private String progress;

  @JsonPropertyDescription("When the current step's soak started (RFC 3339): when the step was entered, or when"
      + " it resumed after Held.")
  @Size(max = Text.SHORT)
  private String stepStartedAt;

  @JsonPropertyDescription("When the current step's soak ends and the next step (or success) is due (RFC 3339).")
  @Size(max = Text.SHORT)
  private String nextStepAt;

  @JsonPropertyDescription("When the last step passed its gates and the bake began (RFC 3339); absent before.")
  @Size(max = Text.SHORT)
  private String bakeStartedAt;

  @JsonPropertyDescription("The ConfigMap write decided and recorded before it is made (write-ahead). A"
      + " reconcile that finds it not yet made makes it first. Cleared by the next status write.")
  private FlagIntent intent;

  @JsonPropertyDescription("The flag's keys as they were before the first write of this attempt. A flag key"
      + " missing from this map did not exist: a revert removes it again. Absent until recorded.")
  private Map<String, String> originalValues;

  @JsonPropertyDescription("For each flag key that existed before the first write, the field manager that owned"
      + " it then. A restore writes the key back under that manager, so the key is handed back to it.")
  private Map<String, String> originalManagers;

  @JsonPropertyDescription("The uid of the ConfigMap object this attempt wrote, recorded with the original values."
      + " Its claim is on that object only: a ConfigMap deleted and created again under the same name is another"
      + " object, which the attempt never ramps.")
  @Size(max = Text.SHORT)
  private String configMapUid;

  @JsonPropertyDescription("Each metric's baseline value (4 significant digits), measured before the first step"
      + " of this attempt. A metric without data then is missing here.")
  private Map<String, String> baseline;

  @JsonPropertyDescription("The end of the baseline window (RFC 3339): the moment before the attempt's first"
      + " write. A metric whose query or window changed is measured again at this moment.")
  @Size(max = Text.SHORT)
  private String baselineAt;

  @JsonPropertyDescription("For each metric in baseline, a fingerprint of the query and window it was measured"
      + " with.")
  private Map<String, String> baselineBasis;

  @JsonPropertyDescription("The latest measurement of each metric, with its verdict and counters.")
  private List<MetricStatus> metrics;

  @JsonPropertyDescription("The last decision in one line, with the values it was based on.")
  @Size(max = Text.DECISION)
  private String lastDecision;

  @JsonPropertyDescription("On-call annotations already acted on.")
  private HandledActions lastHandled;

  @JsonPropertyDescription("The approval given to the step that awaited it (flagramp.io/approve), until that step"
      + " is entered; then it moves to the step's history row.")
  private ActionRecord approval;

  @JsonPropertyDescription("The flagramp.io/promote that ended the current step's (or the bake's) soak early.")
  private ActionRecord promotion;

  @JsonPropertyDescription("The restart of spec.restartTargets that goes with the last ConfigMap write.")
  private RestartStatus restart;

  @JsonPropertyDescription("spec.steps as last observed, in one line (weight (pause, approval), ...): a spec"
      + " edit's Event says what changed in it.")
  @Size(max = Text.DECISION)
  private String schedule;

  @JsonPropertyDescription("One row per step entered, newest last; bounded.")
  private List<HistoryEntry> history;

  @JsonPropertyDescription("Ready, Reconciling and Stalled, following the kstatus conventions.")
  private List<Condition> conditions;

  @JsonPropertyDescription("With spec.notify: the latest notified transition, the receivers still owed its"
      + " message, and what became of each receiver's messages. Never a webhook URL.")
  private NotificationStatus notifications;

  public ScalingChangeStatus() {}

  /** A deep copy, so the planner can build the next status without touching the observed one. */
  public ScalingChangeStatus copy() {
    ScalingChangeStatus c = new ScalingChangeStatus();
    c.observedGeneration = observedGeneration;
    c.phase = phase;
    c.reason = reason;
    c.attempt = attempt;
    c.currentStep = currentStep;
    c.currentWeight = currentWeight;
    c.progress = progress;
    c.stepStartedAt = stepStartedAt;
    c.nextStepAt = nextStepAt;
    c.bakeStartedAt = bakeStartedAt;
    c.intent = intent == null ? null : intent.copy();
    c.originalValues = originalValues == null ? null : new LinkedHashMap<>(originalValues);
    c.originalManagers = originalManagers == null ? null : new LinkedHashMap<>(originalManagers);
    c.configMapUid = configMapUid;
    c.baseline = baseline == null ? null : new LinkedHashMap<>(baseline);
    c.baselineAt = baselineAt;
    c.baselineBasis = baselineBasis == null ? null : new LinkedHashMap<>(baselineBasis);
    c.metrics = metrics == null ? null : new ArrayList<>(metrics.stream().map(MetricStatus::copy).toList());
    c.lastDecision = lastDecision;
    c.lastHandled = lastHandled == null ? null : lastHandled.copy();
    c.approval = approval == null ? null : approval.copy();
    c.promotion = promotion == null ? null : promotion.copy();
    c.restart = restart == null ? null : restart.copy();
    c.schedule = schedule;
    c.history = history == null ? null : new ArrayList<>(history.stream().map(HistoryEntry::copy).toList());
    c.conditions = conditions == null ? null : new ArrayList<>(conditions.stream().map(Condition::copy).toList());
    c.notifications = notifications == null ? null : notifications.copy();
    return c;
  }

  public Optional<Condition> condition(String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public Integer getCurrentStep() {
    return currentStep;
  }

  public void setCurrentStep(Integer currentStep) {
    this.currentStep = currentStep;
  }

  public Integer getCurrentWeight() {
    return currentWeight;
  }

  public void setCurrentWeight(Integer currentWeight) {
    this.currentWeight = currentWeight;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public String getStepStartedAt() {
    return stepStartedAt;
  }

  public void setStepStartedAt(String stepStartedAt) {
    this.stepStartedAt = stepStartedAt;
  }

  public String getNextStepAt() {
    return nextStepAt;
  }

  public void setNextStepAt(String nextStepAt) {
    this.nextStepAt = nextStepAt;
  }

  public Map<String, String> getOriginalValues() {
    return originalValues;
  }

  public void setOriginalValues(Map<String, String> originalValues) {
    this.originalValues = originalValues;
  }

  public Map<String, String> getBaseline() {
    return baseline;
  }

  public void setBaseline(Map<String, String> baseline) {
    this.baseline = baseline;
  }

  public List<MetricStatus> getMetrics() {
    return metrics;
  }

  public void setMetrics(List<MetricStatus> metrics) {
    this.metrics = metrics;
  }

  public String getLastDecision() {
    return lastDecision;
  }

  public void setLastDecision(String lastDecision) {
    this.lastDecision = Text.cap(lastDecision, Text.DECISION);
  }

  public HandledActions getLastHandled() {
    return lastHandled;
  }

  public void setLastHandled(HandledActions lastHandled) {
    this.lastHandled = lastHandled;
  }

  public ActionRecord getApproval() {
    return approval;
  }

  public void setApproval(ActionRecord approval) {
    this.approval = approval;
  }

  public ActionRecord getPromotion() {
    return promotion;
  }

  public void setPromotion(ActionRecord promotion) {
    this.promotion = promotion;
  }

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = Text.cap(schedule, Text.DECISION);
  }

  public RestartStatus getRestart() {
    return restart;
  }

  public void setRestart(RestartStatus restart) {
    this.restart = restart;
  }

  public List<HistoryEntry> getHistory() {
    return history;
  }

  public void setHistory(List<HistoryEntry> history) {
    this.history = history;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Reason getReason() {
    return reason;
  }

  public void setReason(Reason reason) {
    this.reason = reason;
  }

  public String getBakeStartedAt() {
    return bakeStartedAt;
  }

  public void setBakeStartedAt(String bakeStartedAt) {
    this.bakeStartedAt = bakeStartedAt;
  }

  public FlagIntent getIntent() {
    return intent;
  }

  public void setIntent(FlagIntent intent) {
    this.intent = intent;
  }

  public Map<String, String> getOriginalManagers() {
    return originalManagers;
  }

  public void setOriginalManagers(Map<String, String> originalManagers) {
    this.originalManagers = originalManagers;
  }

  public String getConfigMapUid() {
    return configMapUid;
  }

  public void setConfigMapUid(String configMapUid) {
    this.configMapUid = configMapUid;
  }

  public String getBaselineAt() {
    return baselineAt;
  }

  public void setBaselineAt(String baselineAt) {
    this.baselineAt = baselineAt;
  }

  public Map<String, String> getBaselineBasis() {
    return baselineBasis;
  }

  public void setBaselineBasis(Map<String, String> baselineBasis) {
    this.baselineBasis = baselineBasis;
  }

  public NotificationStatus getNotifications() {
    return notifications;
  }

  public void setNotifications(NotificationStatus notifications) {
    this.notifications = notifications;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScalingChangeStatus s
        && Objects.equals(observedGeneration, s.observedGeneration) && phase == s.phase && reason == s.reason
        && Objects.equals(attempt, s.attempt) && Objects.equals(currentStep, s.currentStep)
        && Objects.equals(currentWeight, s.currentWeight) && Objects.equals(progress, s.progress)
        && Objects.equals(stepStartedAt, s.stepStartedAt) && Objects.equals(nextStepAt, s.nextStepAt)
        && Objects.equals(bakeStartedAt, s.bakeStartedAt) && Objects.equals(intent, s.intent)
        && Objects.equals(originalManagers, s.originalManagers) && Objects.equals(baselineAt, s.baselineAt)
        && Objects.equals(configMapUid, s.configMapUid)
        && Objects.equals(baselineBasis, s.baselineBasis)
        && Objects.equals(originalValues, s.originalValues) && Objects.equals(baseline, s.baseline)
        && Objects.equals(metrics, s.metrics) && Objects.equals(lastDecision, s.lastDecision)
        && Objects.equals(lastHandled, s.lastHandled) && Objects.equals(history, s.history)
        && Objects.equals(approval, s.approval) && Objects.equals(promotion, s.promotion)
        && Objects.equals(restart, s.restart) && Objects.equals(schedule, s.schedule)
        && Objects.equals(conditions, s.conditions) && Objects.equals(notifications, s.notifications);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, reason, bakeStartedAt, intent, originalManagers, configMapUid,
        baselineAt,
        baselineBasis, attempt, currentStep, currentWeight, progress,
        stepStartedAt, nextStepAt, originalValues, baseline, metrics, lastDecision, lastHandled, history, conditions,
        approval, promotion, restart, schedule, notifications);
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
