package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class Baseline {

  @Required
  @Size(max = 32)
  @ValidationRule(value = Step.DURATION_RULE, message = "the value " + Step.DURATION_MESSAGE,
      messageExpression = Step.DURATION_MESSAGE_EXPRESSION)
  @JsonPropertyDescription("Window over which each metric is averaged for its baseline, ending just before the"
      + " first step (the query runs as avg_over_time((query)[window:interval])).")
  private String window;

  public Baseline() {}

  public Baseline(String window) {
    this.window = window;
  }

  public String getWindow() {
    return window;
  }

  public void setWindow(String window) {
    this.window = window;
  }
}
