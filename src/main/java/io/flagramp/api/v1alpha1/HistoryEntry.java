package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** One row of the ledger: a step entered, and how it ended. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryEntry {

  @JsonPropertyDescription("The attempt this step belongs to (1 for the first, +1 for each retry).")
  @Max(Integer.MAX_VALUE)
  private Integer attempt;

  @JsonPropertyDescription("Index into spec.steps.")
  @Max(Integer.MAX_VALUE)
  private Integer step;

  @JsonPropertyDescription("Weight written for this step.")
  @Max(100)
  private Integer weight;

  @JsonPropertyDescription("When the step was entered (RFC 3339).")
  @Size(max = Text.SHORT)
  private String startedAt;

  @JsonPropertyDescription("When the step ended (RFC 3339); absent while it runs.")
  @Size(max = Text.SHORT)
  private String endedAt;

  @JsonPropertyDescription("Running, Passed or RolledBack.")
  private StepOutcome outcome;

  @JsonPropertyDescription("The step's analysis verdict in one line (the decision that ended it).")
  @Size(max = Text.DECISION)
  private String verdict;

  @JsonPropertyDescription("The approval this step was entered with (approval: Manual): the flagramp.io/approve"
      + " value, the field manager that set it, and when.")
  private ActionRecord approval;

  @JsonPropertyDescription("The flagramp.io/promote that ended this step's soak early, if one did.")
  private ActionRecord promotion;

  @JsonPropertyDescription("With restart targets: when every target had rolled out at this weight (RFC 3339);"
      + " the soak counted from here.")
  @Size(max = Text.SHORT)
  private String rolledOutAt;

  public HistoryEntry() {}

  public HistoryEntry(int attempt, int step, int weight, String startedAt) {
    this.attempt = attempt;
    this.step = step;
    this.weight = weight;
    this.startedAt = startedAt;
    this.outcome = StepOutcome.Running;
  }

  public HistoryEntry copy() {
    HistoryEntry c = new HistoryEntry();
    c.attempt = attempt;
    c.step = step;
    c.weight = weight;
    c.startedAt = startedAt;
    c.endedAt = endedAt;
    c.outcome = outcome;
    c.verdict = verdict;
    c.approval = approval == null ? null : approval.copy();
    c.promotion = promotion == null ? null : promotion.copy();
    c.rolledOutAt = rolledOutAt;
    return c;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public Integer getStep() {
    return step;
  }

  public void setStep(Integer step) {
    this.step = step;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getEndedAt() {
    return endedAt;
  }

  public void setEndedAt(String endedAt) {
    this.endedAt = endedAt;
  }

  public StepOutcome getOutcome() {
    return outcome;
  }

  public void setOutcome(StepOutcome outcome) {
    this.outcome = outcome;
  }

  public String getVerdict() {
    return verdict;
  }

  public void setVerdict(String verdict) {
    this.verdict = Text.cap(verdict, Text.DECISION);
  }

  public String getRolledOutAt() {
    return rolledOutAt;
  }

  public void setRolledOutAt(String rolledOutAt) {
    this.rolledOutAt = rolledOutAt;
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

  @Override
  public boolean equals(Object o) {
    return o instanceof HistoryEntry h && Objects.equals(attempt, h.attempt) && Objects.equals(step, h.step)
        && Objects.equals(weight, h.weight) && Objects.equals(startedAt, h.startedAt)
        && Objects.equals(endedAt, h.endedAt) && outcome == h.outcome && Objects.equals(verdict, h.verdict)
        && Objects.equals(approval, h.approval) && Objects.equals(promotion, h.promotion)
        && Objects.equals(rolledOutAt, h.rolledOutAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(attempt, step, weight, startedAt, endedAt, outcome, verdict, approval, promotion, rolledOutAt);
  }
}
