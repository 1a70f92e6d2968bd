package io.flagramp.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The playbook's circuit breaker for the metrics provider. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProviderErrorPolicy {

  @Default("5")
  @Min(1)
  @Max(MetricCheck.MAX_LIMIT)
  @JsonPropertyDescription("Consecutive failed queries of one metric before the action is taken, 1..1000.")
  private Integer consecutiveErrorLimit;

  @Default("Hold")
  @JsonPropertyDescription("Hold: stay at the current weight (Held, MetricsUnavailable) and resume when"
      + " Prometheus answers again. Fail: the change fails and onFailure applies.")
  private ProviderErrorAction action;

  public Integer getConsecutiveErrorLimit() {
    return consecutiveErrorLimit;
  }

  public void setConsecutiveErrorLimit(Integer consecutiveErrorLimit) {
    this.consecutiveErrorLimit = consecutiveErrorLimit;
  }

  public ProviderErrorAction getAction() {
    return action;
  }

  public void setAction(ProviderErrorAction action) {
    this.action = action;
  }
}
