package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Step {

  /** Go-style durations made of whole numbers: 30s, 5m, 1h30m, 24h, 500ms. */
  public static final String DURATION_PATTERN = "^([0-9]+(ms|s|m|h))+$";

  /**
   * The CRD checks a duration with this CEL rule rather than an OpenAPI pattern: the API server would
   * answer a pattern with the regex itself ("should match '^([0-9]+(ms|s|m|h))+$'"), where this rule's
   * message says in words what a duration is.
   */
  public static final String DURATION_RULE = "self.matches('" + DURATION_PATTERN + "')";
  public static final String DURATION_MESSAGE = "is not a duration: write whole numbers each followed by its"
      + " unit, ms, s, m or h, such as 30s, 5m, 1h30m or 24h (there is no unit for days)";
  public static final String DURATION_MESSAGE_EXPRESSION = "'\"' + self + '\" " + DURATION_MESSAGE + "'";

  @Required
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Percentage written into the flag's percentageKey while this step runs, 1..100.")
  private Integer weight;

  @Size(max = 32)
  @ValidationRule(value = DURATION_RULE, message = "the value " + DURATION_MESSAGE,
      messageExpression = DURATION_MESSAGE_EXPRESSION)
  @JsonPropertyDescription("How long this step soaks before the next one, as a Go-style duration (30s, 5m,"
      + " 1h, 24h, 1h30m). Omitted means no soak: the next step follows at once. On the last step it is"
      + " the soak before the change counts as Succeeded.")
  private String pause;

  @JsonPropertyDescription("Manual: the step is entered only after a person approves it with the annotation"
      + " flagramp.io/approve (phase AwaitingApproval meanwhile). Auto (the default): as soon as the previous"
      + " step passed.")
  private Approval approval;

  public Step() {}

  public Step(int weight, String pause) {
    this.weight = weight;
    this.pause = pause;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }

  public String getPause() {
    return pause;
  }

  public void setPause(String pause) {
    this.pause = pause;
  }

  public Approval getApproval() {
    return approval;
  }

  public void setApproval(Approval approval) {
    this.approval = approval;
  }

  public boolean manual() {
    return approval == Approval.Manual;
  }
}
