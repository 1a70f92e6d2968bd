package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

public class Baseline {

  @Required
  @Size(max = 32)
  @Pattern(Step.DURATION_PATTERN)
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
