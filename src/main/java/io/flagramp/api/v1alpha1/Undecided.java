package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A cohort metric still undecided, with too few samples, when the step's pause is over. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Undecided {

  @Default("Extend")
  @JsonPropertyDescription("Extend (default): keep soaking and judging, up to extendBy past the pause, then"
      + " Hold. Hold: stay at the weight (Held, reason Undecided) until on-call promotes or aborts. Revert:"
      + " restore the original values.")
  private UndecidedAction action;

  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @JsonPropertyDescription("With Extend: how long past the step's pause; the step's pause again by default"
      + " (a 1h step soaks up to 2h).")
  private String extendBy;

  public UndecidedAction actionOrDefault() {
    return action == null ? UndecidedAction.Extend : action;
  }

  public UndecidedAction getAction() {
    return action;
  }

  public void setAction(UndecidedAction action) {
    this.action = action;
  }

  public String getExtendBy() {
    return extendBy;
  }

  public void setExtendBy(String extendBy) {
    this.extendBy = extendBy;
  }
}
